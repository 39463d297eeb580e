"""Policy-path sensitivity on hand-made days: the proxy, the day groups and their precedence, events off a
trading day, variance shares by hand; a property (shares add to 100); the marts through the kit."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.mart_kit import build_mart, mart_spec
from macro_pipeline.transforms.policy_sensitivity import policy_days
from macro_pipeline_tests.unit.market_inputs import assumptions, sessions, staging

D = dt.date
DAYS = sessions(D(2024, 1, 2), 21)  # 2 January .. 31 January 2024


def events(*rows: tuple[str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"event": pl.String, "date": pl.Date}, orient="row")


EVENTS = events(("fomc_decision", D(2024, 1, 31)), ("cpi_release", D(2024, 1, 11)),
                ("employment_situation_release", D(2024, 1, 5)), ("cpi_release", D(2024, 1, 31)),
                ("fomc_decision", D(2024, 1, 14)))  # a Sunday: counts on Tuesday 16 January (15th is a holiday)


def closes_from_returns(returns: list[float]) -> list[float]:
    closes = [100.0]
    for r in returns:
        closes.append(closes[-1] * math.exp(r / 100))
    return closes


def inputs(returns: list[float], dgs2: list[float]) -> tuple[pl.DataFrame, pl.DataFrame]:
    prices = pl.DataFrame({"date": DAYS, "sp500": closes_from_returns(returns)})
    rates = pl.DataFrame({"date": DAYS, "dgs2_pct": dgs2, "dtb3_pct": [5.2] * 21, "dff_pct": [5.33] * 21,
                          "sofr_pct": [5.31] * 21})
    return prices, rates


def test_groups_take_fomc_first_then_data_then_the_largest_moves():
    dgs2 = [4.00] * 21
    dgs2[4] = 4.30  # a 30 bp jump on 8 January, back on the 9th: the two largest moves
    prices, rates = inputs([0.5] * 20, dgs2)
    out = policy_days(prices, rates, EVENTS, largest_move_share_pct=10)
    groups = dict(out.select("date", "day_group").iter_rows())
    assert groups[D(2024, 1, 31)] == "fomc"  # FOMC and CPI the same day: FOMC
    assert groups[D(2024, 1, 16)] == "fomc"  # the Sunday decision, on the next session
    assert groups[D(2024, 1, 11)] == "data_release" and groups[D(2024, 1, 5)] == "data_release"
    assert groups[DAYS[4]] == "policy_move" and groups[DAYS[5]] == "policy_move"
    assert out.filter(pl.col("day_group") == "other").height == 21 - 6
    first = out.row(4, named=True)
    assert first["dgs2_change_bp"] == pytest.approx(30.0)
    assert first["policy_path_2y_pp"] == pytest.approx(4.30 - 5.33)
    assert first["policy_path_3m_pp"] == pytest.approx(5.2 - 5.33)


def test_variance_shares_by_hand():
    returns = [1.0] * 20
    returns[20 - 1] = 3.0  # 31 January (FOMC): a 3% day
    prices, rates = inputs(returns, [4.0] * 21)
    daily = policy_days(prices, rates, EVENTS, largest_move_share_pct=5)
    out = build_mart(mart_spec("marts.policy_sensitivity_by_year"),
                     {"daily": daily, "assumptions": assumptions()})
    assert out.status == "built"
    year = out.frame.row(0, named=True)
    # 20 returns: FOMC days 16 and 31 January carry 1 + 9 of a total 19 * 1 + 9 = 28
    assert year["return_days"] == 20 and year["trading_days"] == 21
    assert year["fomc_days_share_pct"] == pytest.approx(100 * 2 / 20)
    assert year["fomc_variance_share_pct"] == pytest.approx(100 * 10 / 28)
    assert year["data_release_variance_share_pct"] == pytest.approx(100 * 2 / 28)
    # with a flat 2-year yield every change ties at zero and every non-event day is a 'largest move'
    assert year["policy_move_threshold_bp"] == 0.0
    assert year["policy_days_variance_excess_pp"] == pytest.approx(
        year["fomc_variance_share_pct"] + year["policy_move_variance_share_pct"] - year["fomc_days_share_pct"]
        - year["policy_move_days_share_pct"])


def test_days_outside_the_event_calendar_have_no_group():
    prices, rates = inputs([0.5] * 20, [4.0] * 21)
    out = policy_days(prices, rates, events(("cpi_release", D(2023, 5, 10))), 5)
    assert out["day_group"].null_count() == 21


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-400, max_value=400), min_size=20, max_size=20),
       st.lists(st.floats(min_value=3, max_value=5), min_size=21, max_size=21))
def test_shares_of_days_and_of_variance_add_to_one_hundred(hundredths, dgs2):
    returns = [h / 100 for h in hundredths]
    prices, rates = inputs(returns, dgs2)
    daily = policy_days(prices, rates, EVENTS, 5)
    out = build_mart(mart_spec("marts.policy_sensitivity_by_year"), {"daily": daily, "assumptions": assumptions()})
    assert out.status == "built", out.reason
    year = out.frame.row(0, named=True)
    groups = ("fomc", "data_release", "policy_move", "other")
    assert sum(year[f"{g}_days_share_pct"] for g in groups) == pytest.approx(100.0)
    if sum(r * r for r in returns) > 0:
        assert sum(year[f"{g}_variance_share_pct"] for g in groups) == pytest.approx(100.0)


def test_the_daily_mart_builds_and_names_what_is_missing():
    closes = closes_from_returns([0.5] * 20)
    ev = events(("fomc_decision", D(2024, 1, 31)))
    spec = mart_spec("marts.policy_proxy_daily")
    out = build_mart(spec, {"staging": staging({"SP500": (DAYS, closes), "DGS2": (DAYS, [4.0] * 21)}),
                            "events": ev, "assumptions": assumptions()})
    assert out.status == "built" and out.frame["dff_pct"].null_count() == 21
    missing = build_mart(spec, {"staging": staging({"SP500": (DAYS, closes)}), "events": ev,
                                "assumptions": assumptions()})
    assert missing.status == "insufficient data" and missing.reason == "no data for required series DGS2"
