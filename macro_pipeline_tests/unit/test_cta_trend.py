"""The CTA trend model on hand-made paths: the flip level is exactly where the signal changes at the next close,
the aggregate and position follow the signals, follow-through is counted once known; properties over random
paths; the mart through the kit."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.mart_kit import build_mart, mart_spec
from macro_pipeline.transforms.cta_trend import cta_model
from macro_pipeline_tests.unit.market_inputs import assumptions, sessions, staging

START = dt.date(2024, 1, 2)
FULL = 300.0


def model(closes: list[float | None], lookbacks: tuple[int, ...] = (2, 3, 4, 5), followthrough: int = 2,
          window: int = 6) -> pl.DataFrame:
    days = sessions(START, len(closes))
    prices = pl.DataFrame({"date": days, "sp500": closes}, schema={"date": pl.Date, "sp500": pl.Float64})
    return cta_model(prices.with_columns(pl.col("sp500").is_null().alias("sp500_gap")), lookbacks, FULL,
                     followthrough, window)


def test_the_flip_level_of_a_rising_path_is_the_mean_of_the_last_n_minus_1_closes():
    closes = [float(c) for c in range(1, 21)]  # 1..20
    out = model(closes, lookbacks=(20,))
    # by hand: the next close P flips the 20-day signal where P = (P + 2 + ... + 20) / 20, i.e. P = 209 / 19 = 11
    assert out["flip_level_20d"][-1] == pytest.approx(11.0)
    assert out["sma_20d"][-1] == pytest.approx(10.5) and out["signal_20d"][-1] == 1


@pytest.mark.parametrize(("next_close", "signal"), [(11.01, 1), (11.0, 0), (10.99, -1)])
def test_a_path_crossing_its_average_on_a_known_day_flips_at_that_level(next_close, signal):
    out = model([float(c) for c in range(1, 21)] + [next_close], lookbacks=(20,))
    assert out["signal_20d"][-1] == signal
    assert out["flips"][-1] == (0 if signal == 1 else 1)


def test_aggregate_position_and_its_change_follow_the_signals():
    # up for 6 days, then a fall below every average
    out = model([10, 11, 12, 13, 14, 15, 9.0])
    before, after = out.row(-2, named=True), out.row(-1, named=True)
    assert [before[f"signal_{n}d"] for n in (2, 3, 4, 5)] == [1, 1, 1, 1]
    assert [after[f"signal_{n}d"] for n in (2, 3, 4, 5)] == [-1, -1, -1, -1]
    assert (before["aggregate_signal"], after["aggregate_signal"]) == (1.0, -1.0)
    assert (after["position_usd_bn"], after["position_change_usd_bn"]) == (-FULL, -2 * FULL)
    assert (after["flips"], after["flip_direction"]) == (4, -1)
    # the 5-day average needs five closes: no aggregate before it
    assert out["aggregate_signal"].is_not_null().arg_max() == 4


def test_follow_through_is_the_forward_move_and_counted_only_once_known():
    closes = [10, 11, 12, 13, 14, 15, 9.0, 8.0, 7.5, 7.0, 7.2, 7.1, 7.0]
    out = model(closes, followthrough=2, window=6)
    flip_row = 6
    assert out["followthrough_return_pct"][flip_row] == pytest.approx(100 * (7.5 / 9.0 - 1))
    # known two rows later; the flip fell and the index kept falling: followed
    assert out["flip_days_252d"].to_list()[-1] >= 1
    assert out["flips_followed_share_pct"].drop_nulls().len() > 0
    counted = out.filter(pl.col("flips_followed_share_pct").is_not_null()).row(0, named=True)
    assert counted["date"] >= out["date"][flip_row + 2]


def test_a_gap_leaves_the_averages_without_a_value():
    closes: list[float | None] = [float(c) for c in range(1, 15)]
    closes[8] = None
    out = model(closes)
    # the 5-day average is missing while the gap is in its window (rows 8..12)
    assert out["sma_5d"][8:13].null_count() == 5 and out["sma_5d"][13] is not None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-0.05, max_value=0.05, allow_nan=False), min_size=8, max_size=40),
       st.floats(min_value=1e-4, max_value=0.01))
def test_the_flip_level_is_the_boundary_of_the_next_signal(returns, epsilon):
    closes = [100.0]
    for r in returns:
        closes.append(closes[-1] * math.exp(r))
    levels = model(closes).row(-1, named=True)
    for n in (2, 3, 4, 5):
        level = levels[f"flip_level_{n}d"]
        above = model([*closes, level * (1 + epsilon)]).row(-1, named=True)[f"signal_{n}d"]
        below = model([*closes, level * (1 - epsilon)]).row(-1, named=True)[f"signal_{n}d"]
        assert (above, below) == (1, -1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0.001, max_value=0.05), min_size=8, max_size=40))
def test_on_a_rising_path_the_flip_level_falls_as_the_window_lengthens(gains):
    closes = [100.0]
    for g in gains:
        closes.append(closes[-1] * (1 + g))
    last = model(closes).row(-1, named=True)
    levels = [last[f"flip_level_{n}d"] for n in (2, 3, 4, 5)]
    assert levels == sorted(levels, reverse=True) and len(set(levels)) == 4
    # a 2-day signal flips at the last close itself (the mean of one close); longer ones below it
    assert levels[0] == pytest.approx(closes[-1]) and all(level < closes[-1] for level in levels[1:])


def test_the_mart_builds_from_staging_with_the_declared_lookbacks():
    days = sessions(START, 260)
    closes = [100 + 0.1 * i for i in range(260)]
    out = build_mart(mart_spec("marts.cta_trend_daily"),
                     {"staging": staging({"SP500": (days, closes)}), "assumptions": assumptions()})
    assert out.status == "built"
    last = out.frame.row(-1, named=True)
    assert last["sma_200d"] == pytest.approx(sum(closes[-200:]) / 200)
    assert last["flip_level_200d"] == pytest.approx(sum(closes[-199:]) / 199)
    assert last["aggregate_signal"] == 1.0 and last["position_usd_bn"] == 300.0
