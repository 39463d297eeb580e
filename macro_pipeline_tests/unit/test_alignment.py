"""Frequency alignment on hand-checkable series: weekly millions with daily billions, refused unit mixes, and the
alignment rules' properties (hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.catalog import load_catalog
from macro_pipeline.transforms import alignment as al
from macro_pipeline.transforms.staging import in_base_units

WED = dt.date(2026, 1, 7)  # a Wednesday


def kit_input(rows: list[tuple[str, dt.date, float]]) -> pl.DataFrame:
    catalog = load_catalog()
    frame = pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64}, orient="row")
    return in_base_units(frame, catalog.series, catalog.units)


def test_weekly_millions_plus_daily_billions_is_right():
    # WALCL weekly in millions (7,000,000 -> 7,000 bn); RRPONTSYD daily in billions: Thu..Wed 100..106 around the
    # first Wednesday (mean 103), 200 flat the next week; week averages added to the Wednesday levels
    rows = [("WALCL", WED, 7_000_000.0), ("WALCL", WED + dt.timedelta(weeks=1), 7_010_000.0)]
    rows += [("RRPONTSYD", WED - dt.timedelta(days=6 - k), 100.0 + k) for k in range(7)]
    rows += [("RRPONTSYD", WED + dt.timedelta(days=1 + k), 200.0) for k in range(5)]  # Thu..Mon, 5 days
    obs = kit_input(rows)
    assets = al.end_of_period(al.one_series(obs, "WALCL"), "week")
    rrp = al.period_average(al.one_series(obs, "RRPONTSYD"), "week", min_observations=5)
    total = al.combine(assets, "WALCL", "+", rrp, "RRPONTSYD")
    assert total["period"].to_list() == [WED, WED + dt.timedelta(weeks=1)]
    assert total["value"].to_list() == pytest.approx([7103.0, 7210.0])
    assert total["unit_id"].to_list() == ["usd_bn", "usd_bn"]
    assert total["rule"][0] == "WALCL: end_of_period(week) + RRPONTSYD: period_average(week, min 5)"
    # the second week's RRP average came from Thursday to Monday: the source date says so
    assert total["source_date"][1] == WED + dt.timedelta(days=5)


def test_period_average_drops_a_short_period():
    rows = [("RRPONTSYD", WED - dt.timedelta(days=k), 10.0) for k in range(3)]
    rrp = al.period_average(al.one_series(kit_input(rows), "RRPONTSYD"), "week", min_observations=5)
    assert rrp.is_empty()


def test_a_unit_mismatch_is_refused_naming_both():
    obs = kit_input([("WALCL", WED, 7_000_000.0), ("UNRATE", WED, 4.0)])
    assets = al.end_of_period(al.one_series(obs, "WALCL"), "week")
    rate = al.end_of_period(al.one_series(obs, "UNRATE"), "week")
    with pytest.raises(al.UnitMismatchError, match=r"WALCL \(usd_bn\) and UNRATE \(pct\): different units"):
        al.combine(assets, "WALCL", "-", rate, "UNRATE")


def test_an_index_with_a_level_is_refused():
    obs = kit_input([("CPIAUCSL", dt.date(2025, 1, 1), 320.0), ("MSPUS", dt.date(2025, 1, 1), 400_000.0)])
    cpi = al.same_period(al.one_series(obs, "CPIAUCSL"))
    price = al.same_period(al.one_series(obs, "MSPUS"))
    with pytest.raises(al.UnitMismatchError, match="an index is not a level"):
        al.combine(price, "MSPUS", "/", cpi, "CPIAUCSL")


def test_ratio_of_same_units_and_division_by_zero_has_no_value():
    obs = kit_input([("CP", dt.date(2025, 1, 1), 3000.0), ("GDP", dt.date(2025, 1, 1), 30000.0),
                     ("CP", dt.date(2025, 4, 1), 3000.0), ("GDP", dt.date(2025, 4, 1), 0.0)])
    share = al.combine(al.same_period(al.one_series(obs, "CP")), "CP", "/",
                       al.same_period(al.one_series(obs, "GDP")), "GDP")
    assert share["value"].to_list() == pytest.approx([0.1])
    assert share["unit_id"].to_list() == ["ratio"]


def test_last_observation_respects_the_maximum_staleness():
    obs = kit_input([("M2SL", dt.date(2025, 1, 1), 21000.0), ("M2SL", dt.date(2025, 3, 1), 21100.0)])
    targets = [dt.date(2025, 1, 20), dt.date(2025, 2, 25), dt.date(2025, 3, 1), dt.date(2024, 12, 31)]
    out = al.last_observation(al.one_series(obs, "M2SL"), targets, max_staleness_days=31)
    # 2025-02-25 is 55 days after January's value: no value; 2024-12-31 precedes every observation: no value
    assert out["period"].to_list() == [dt.date(2025, 1, 20), dt.date(2025, 3, 1)]
    assert out["value"].to_list() == [21000.0, 21100.0]
    assert out["source_date"].to_list() == [dt.date(2025, 1, 1), dt.date(2025, 3, 1)]
    assert set(out["rule"]) == {"last_observation(max 31 days)"}


def test_containing_period_gives_each_quarter_its_year_and_nothing_after():
    obs = kit_input([("MEHOINUSA672N", dt.date(2023, 1, 1), 80000.0)])
    quarters = [dt.date(2023, 1, 1), dt.date(2023, 10, 1), dt.date(2024, 1, 1)]
    out = al.containing_period(al.one_series(obs, "MEHOINUSA672N"), quarters, "year")
    assert out["period"].to_list() == [dt.date(2023, 1, 1), dt.date(2023, 10, 1)]
    assert out["value"].to_list() == [80000.0, 80000.0]


def test_a_series_in_two_units_is_refused():
    frame = pl.DataFrame({"series_id": ["X", "X"], "date": [WED, WED + dt.timedelta(days=7)], "value": [1.0, 2.0],
                          "unit_id": ["usd_bn", "pct"]})
    with pytest.raises(al.UnitMismatchError, match="X arrives in units"):
        al.one_series(frame, "X")


def test_week_label_is_the_wednesday_ending_the_week():
    dates = pl.DataFrame({"d": [WED - dt.timedelta(days=6), WED, WED + dt.timedelta(days=1)]})
    labels = dates.select(al.period_of(pl.col("d"), "week"))["d"].to_list()
    assert labels == [WED, WED, WED + dt.timedelta(weeks=1)]


def test_unknown_period_and_operation_are_refused():
    with pytest.raises(ValueError, match="unknown period"):
        al.end_of_period(pl.DataFrame(schema={"date": pl.Date, "value": pl.Float64, "unit_id": pl.String}), "day")
    empty = pl.DataFrame(schema=al.ALIGNED_SCHEMA)
    with pytest.raises(ValueError, match="unknown operation"):
        al.combine(empty, "a", "*", empty, "b")


_months = st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=40, unique=True)
_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def _monthly(offsets: list[int], values: list[float]) -> pl.DataFrame:
    dates = [dt.date(1980 + m // 12, m % 12 + 1, 1) for m in offsets]
    return pl.DataFrame({"date": dates, "value": values, "unit_id": ["usd_bn"] * len(dates)},
                        schema={"date": pl.Date, "value": pl.Float64, "unit_id": pl.String}).sort("date")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_end_of_period_of_a_series_with_itself_is_the_identity(data):
    offsets = data.draw(_months)
    values = data.draw(st.lists(_values, min_size=len(offsets), max_size=len(offsets)))
    series = _monthly(offsets, values)
    out = al.end_of_period(series, "month")
    assert out["period"].to_list() == series["date"].to_list()
    assert out["value"].to_list() == series["value"].to_list()
    assert out["source_date"].to_list() == series["date"].to_list()
    # and last_observation at its own dates with no staleness allowed gives it back too
    again = al.last_observation(series, series["date"], max_staleness_days=0)
    assert again["value"].to_list() == series["value"].to_list()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_quarterly_average_lies_between_the_months_and_needs_all_three(data):
    offsets = data.draw(_months)
    values = data.draw(st.lists(_values, min_size=len(offsets), max_size=len(offsets)))
    series = _monthly(offsets, values)
    out = al.period_average(series, "quarter", min_observations=3)
    by_quarter = series.with_columns(al.period_of(pl.col("date"), "quarter").alias("q")).group_by("q").agg(
        pl.col("value").min().alias("lo"), pl.col("value").max().alias("hi"), pl.len().alias("n"))
    full = by_quarter.filter(pl.col("n") == 3).sort("q")
    assert out["period"].to_list() == full["q"].to_list()
    for v, lo, hi in zip(out["value"], full["lo"], full["hi"], strict=True):
        assert lo - 1e-6 <= v <= hi + 1e-6
