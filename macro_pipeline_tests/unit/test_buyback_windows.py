"""Buyback windows: the declared blackout rule on the real NYSE calendar, the Welch t by hand, the per-year and
pooled comparison; a property of the t statistic; the marts through the kit."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.mart_kit import build_mart, mart_spec
from macro_pipeline.transforms import market_days as md
from macro_pipeline.transforms.buyback_windows import welch, window_calendar
from macro_pipeline_tests.unit.market_inputs import assumptions, sessions, staging

D = dt.date


def test_the_blackout_runs_from_ten_sessions_before_quarter_end_to_seventeen_after():
    days = md.trading_days(D(2025, 12, 10), D(2026, 2, 5))
    out = window_calendar(days, start_before=10, earnings_after=15, end_after=2)
    closed = out.filter(~pl.col("window_open"))["date"]
    # by hand on the NYSE calendar: the 10th-to-last session of Q4 2025 is 17 December (25 December is a
    # holiday); the 17th session after 31 December is 27 January (1 January and 19 January are holidays)
    assert (closed.min(), closed.max()) == (D(2025, 12, 17), D(2026, 1, 27))
    assert closed.len() == 27
    by_day = dict(out.select("date", "sessions_from_quarter_end").iter_rows())
    assert (by_day[D(2025, 12, 31)], by_day[D(2025, 12, 17)], by_day[D(2026, 1, 27)]) == (0, -9, 17)
    # still counted from the end of Q3 (30 September): 23 October + 19 November + 12 December sessions
    assert by_day[D(2025, 12, 16)] == 54


def test_welch_t_by_hand():
    out = welch(pl.Series([1.0, 2.0, 3.0]), pl.Series([0.0, 0.0, 3.0]), threshold=1.96, min_days=3)
    # means 2 and 1, variances 1 and 3: t = 1 / sqrt(1/3 + 3/3) = 0.8660; df = (4/3)^2 / ((1/3)^2/2 + 1^2/2) = 3.2
    assert out["welch_t"] == pytest.approx(1 / math.sqrt(4 / 3))
    assert out["welch_df"] == pytest.approx(3.2)
    assert out["open_minus_closed_return_bp"] == pytest.approx(100.0)
    assert out["closed_minus_open_vol_pp"] == pytest.approx((math.sqrt(3) - 1) * math.sqrt(252))
    assert out["significant"] is False and (out["open_days"], out["closed_days"]) == (3, 3)


def test_welch_with_a_group_under_the_declared_minimum_gives_counts_only():
    out = welch(pl.Series([1.0, 2.0, 3.0]), pl.Series([0.0, 0.0, 3.0]), threshold=1.96, min_days=4)
    assert (out["open_days"], out["closed_days"]) == (3, 3)
    assert {k: v for k, v in out.items() if k not in ("open_days", "closed_days")} == dict.fromkeys(
        ("open_mean_return_pct", "closed_mean_return_pct", "open_vol_pct", "closed_vol_pct",
         "open_minus_closed_return_bp", "closed_minus_open_vol_pp", "welch_t", "welch_df", "significant"))
    out = welch(pl.Series([1.0]), pl.Series([], dtype=pl.Float64), threshold=1.96, min_days=1)
    assert (out["open_days"], out["closed_days"], out["welch_t"]) == (1, 0, None)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=-5, max_value=5), min_size=3, max_size=30),
       st.lists(st.floats(min_value=-5, max_value=5), min_size=3, max_size=30))
def test_swapping_the_groups_flips_the_sign_of_t(a, b):
    forward = welch(pl.Series(a), pl.Series(b), 1.96, min_days=3)
    backward = welch(pl.Series(b), pl.Series(a), 1.96, min_days=3)
    if forward["welch_t"] is None:
        assert backward["welch_t"] is None
    else:
        assert forward["welch_t"] == pytest.approx(-backward["welch_t"], abs=1e-9)
        assert forward["welch_df"] == pytest.approx(backward["welch_df"])
        assert (forward["welch_t"] > 0) == (forward["open_minus_closed_return_bp"] > 0)


def test_returns_inside_and_outside_the_windows_per_year_and_pooled():
    days = sessions(D(2024, 1, 2), 400)
    # the index gains 1% on open days and loses 1% in blackout: a difference of 200 bp a day
    calendar = window_calendar(pl.Series(days, dtype=pl.Date), 10, 15, 2)
    closes, level = [], 100.0
    for i, row in enumerate(calendar.iter_rows(named=True)):
        if i:
            level *= 1.01 if row["window_open"] else 0.99
        closes.append(level)
    frames = {"staging": staging({"SP500": (days, closes)}), "assumptions": assumptions()}
    built = build_mart(mart_spec("marts.buyback_window_calendar"), frames)
    assert built.status == "built"
    years = build_mart(mart_spec("marts.buyback_window_returns_by_year"),
                       {"calendar": built.frame, "assumptions": assumptions()})
    assert years.status == "built" and years.frame["year"].to_list() == [D(2024, 1, 1), D(2025, 1, 1)]
    first = years.frame.row(0, named=True)
    assert first["open_mean_return_pct"] == pytest.approx(1.0)
    assert first["closed_mean_return_pct"] == pytest.approx(-1.0)
    assert first["open_minus_closed_return_bp"] == pytest.approx(200.0)
    # the first day has no return; each day with one is counted once
    last = years.frame.row(-1, named=True)
    assert last["to_date_open_days"] + last["to_date_closed_days"] == 399


def test_the_marts_say_what_is_missing():
    out = build_mart(mart_spec("marts.buyback_window_calendar"),
                     {"staging": staging({"DGS2": ([D(2024, 1, 2)], [4.0])}), "assumptions": assumptions()})
    assert out.status == "insufficient data" and out.reason == "no data for required series SP500"
