"""Crypto on hand-made paths: drawdowns and their dates by hand, the within-year split, the 7-day week aligned to
trading days, gaps kept; properties over random paths; the marts through the kit."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.mart_kit import build_mart, mart_spec
from macro_pipeline.transforms.crypto import calendar_days, crypto_model, drawdowns_by_year, worst_drawdown
from macro_pipeline_tests.unit.market_inputs import assumptions, sessions, staging

D = dt.date


def daily(start: dt.date, prices: list[float | None]) -> pl.DataFrame:
    days = [start + dt.timedelta(days=i) for i in range(len(prices))]
    return pl.DataFrame({"date": days, "btc_usd": prices}, schema={"date": pl.Date, "btc_usd": pl.Float64})


def test_the_worst_drawdown_and_its_dates_by_hand():
    frame = daily(D(2024, 3, 1), [100, 200, 150, 50, 120, 300, 240])
    # by hand: from 200 (2 March) to 50 (4 March) = -75%; the later 300 -> 240 is only -20%
    assert worst_drawdown(frame) == (pytest.approx(-75.0), D(2024, 3, 2), D(2024, 3, 4))
    assert worst_drawdown(daily(D(2024, 3, 1), [1, 2, 3])) == (0.0, D(2024, 3, 1), D(2024, 3, 1))


def test_drawdowns_by_year_reset_the_high_on_the_first_of_january():
    # 29 Dec .. 3 Jan: 100, 200 (30 Dec), 150, 120 (1 Jan), 60 (2 Jan), 90
    frame = calendar_days(daily(D(2023, 12, 29), [100, 200, 150, 120, 60, 90]).drop_nulls())
    out = drawdowns_by_year(frame)
    rows = {r["year"]: r for r in out.iter_rows(named=True)}
    assert rows[D(2023, 1, 1)]["btc_max_drawdown_pct"] == pytest.approx(-25.0)  # 200 -> 150 within 2023
    # within 2024 the high is 120 on 1 January, not 200 in 2023: 120 -> 60 = -50%
    assert rows[D(2024, 1, 1)]["btc_max_drawdown_pct"] == pytest.approx(-50.0)
    assert (rows[D(2024, 1, 1)]["peak_date"], rows[D(2024, 1, 1)]["trough_date"]) == (D(2024, 1, 1), D(2024, 1, 2))
    assert rows[D(2024, 1, 1)]["btc_return_pct"] == pytest.approx(100 * (90 / 150 - 1))
    assert not rows[D(2023, 1, 1)]["complete_year"] and not rows[D(2024, 1, 1)]["complete_year"]


def test_weekend_moves_accumulate_into_the_next_trading_day():
    # Friday 5 January 2024 .. Tuesday 9 January: 100, 110, 121, 133.1, 133.1
    btc = daily(D(2024, 1, 5), [100, 110, 121, 133.1, 133.1])
    days = [D(2024, 1, 5), D(2024, 1, 8), D(2024, 1, 9)]
    nasdaq = pl.DataFrame({"date": days, "nasdaq": [100.0, 101.0, 102.0]})
    sp500 = pl.DataFrame({"date": days, "sp500": [100.0, 100.5, 101.0]})
    out = crypto_model(btc, nasdaq, sp500, vol_window=2, annualisation_days=365, corr_window=2)
    by_day = {r["date"]: r for r in out.iter_rows(named=True)}
    assert by_day[D(2024, 1, 8)]["btc_trading_day_return_pct"] == pytest.approx(100 * math.log(1.331))
    assert by_day[D(2024, 1, 6)]["trading_day"] is False
    assert by_day[D(2024, 1, 6)]["btc_trading_day_return_pct"] is None
    assert by_day[D(2024, 1, 6)]["btc_log_return_pct"] == pytest.approx(100 * math.log(1.1))
    assert by_day[D(2024, 1, 8)]["nasdaq_log_return_pct"] == pytest.approx(100 * math.log(1.01))
    # two aligned pairs: (ln 1.331, ln 1.01) then (0, ln(102/101)): both returns fall, so the correlation of the
    # two points is +1
    assert by_day[D(2024, 1, 9)]["btc_nasdaq_corr_63d"] == pytest.approx(1.0)


def test_a_missing_day_is_a_gap_and_breaks_the_returns_around_it():
    btc = daily(D(2024, 1, 1), [100, 101, None, 103, 104]).drop_nulls()
    empty = pl.DataFrame(schema={"date": pl.Date, "nasdaq": pl.Float64})
    out = crypto_model(btc, empty, empty.rename({"nasdaq": "sp500"}), 2, 365, 2)
    assert out.height == 5 and out["btc_gap"].to_list() == [False, False, True, False, False]
    assert out["btc_log_return_pct"].to_list()[2:4] == [None, None]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-0.3, max_value=0.3, allow_nan=False), min_size=5, max_size=60))
def test_drawdowns_lie_between_minus_100_and_0_and_the_sample_worst_is_the_deepest(returns):
    prices = [100.0]
    for r in returns:
        prices.append(prices[-1] * math.exp(r))
    frame = calendar_days(daily(D(2023, 12, 20), prices))
    years = drawdowns_by_year(frame)
    worst = worst_drawdown(frame)
    assert (years["btc_max_drawdown_pct"] <= 0).all() and (years["btc_max_drawdown_pct"] > -100).all()
    assert worst[0] <= years["btc_max_drawdown_pct"].min() + 1e-9
    assert worst[1] <= worst[2]


def test_the_marts_build_from_staging_and_name_what_is_missing():
    days = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(120)]
    btc = [100 + 10 * math.sin(i / 5) for i in range(120)]
    trading = sessions(D(2024, 1, 2), 80)
    frames = staging({"CBBTCUSD": (days, btc), "NASDAQCOM": (trading, [100 + i for i in range(80)]),
                      "SP500": (trading, [50 + i for i in range(80)])})
    out = build_mart(mart_spec("marts.crypto_daily"), {"staging": frames, "assumptions": assumptions()})
    assert out.status == "built" and out.frame.height == 120
    assert out.frame["sample_worst_drawdown_pct"].drop_nulls().len() == 1
    assert out.frame["btc_nasdaq_corr_63d"].drop_nulls().len() > 0
    years = build_mart(mart_spec("marts.crypto_drawdown_by_year"), {"staging": frames})
    assert years.status == "built" and years.frame["year"].to_list() == [D(2024, 1, 1)]
    missing = build_mart(mart_spec("marts.crypto_daily"),
                         {"staging": staging({"SP500": (trading, [1.0] * 80)}), "assumptions": assumptions()})
    assert missing.status == "insufficient data" and missing.reason == "no data for required series CBBTCUSD"
