"""Staging: the latest vintage per (series_id, date), joined with the catalog and validated against it."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.catalog import load_catalog
from macro_pipeline.schemas import StagingObservations
from macro_pipeline.transforms.staging import stage_observations

V = dt.date(2026, 11, 26)
LATEST_SCHEMA = {"series_id": pl.String, "date": pl.Date, "value": pl.Float64, "realtime_start": pl.Date}


def latest(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LATEST_SCHEMA, orient="row")


def stage(rows: list[tuple]):
    catalog = load_catalog()
    return stage_observations(latest(rows), catalog.series, catalog.units)


CLEAN = [
    ("UNRATE", dt.date(2026, 1, 1), 4.1, V),
    ("UNRATE", dt.date(2026, 2, 1), None, V),  # a missing observation is fine
    ("WALCL", dt.date(2026, 1, 7), 6573602.0, V),
    ("MORTGAGE30US", dt.date(2026, 1, 8), 6.2, V),  # Thursday
    ("MORTGAGE30US", dt.date(2025, 12, 31), 6.3, V),  # holiday-week Wednesday
    ("GDP", dt.date(2026, 7, 1), 31000.0, V),
    ("DFF", dt.date(2026, 1, 3), 3.6, V),  # a Saturday: any_day
    ("DGS10", dt.date(2026, 1, 2), 4.2, V),
    ("WFRBST01134", dt.date(2026, 7, 1), 31.0, V),
    ("MEHOINUSA672N", dt.date(2024, 1, 1), 80000.0, V),
    ("DFF", V, -0.5, V),  # dated on the vintage day; a little below zero is plausible for a rate
]


# ------------------------------------------------------------------------------ the latest vintage (DuckDB view)


def read_latest(raw: pl.DataFrame, merge_order: list[int] | None = None) -> pl.DataFrame:
    """Store raw rows in a scratch working database and read the latest vintage back with
    ``Warehouse.read_latest`` (the open rows), asserting that the analysts' raw.observations_latest view (a
    row_number() window) gives the same rows.

    Rows with a ``realtime_end`` are stored as given (a store as the merge leaves it); rows without one are
    merged one vintage at a time through ``merge_delivery`` (in ``merge_order`` of the sorted vintage dates, so
    an older vintage may arrive after a newer one), as the raw asset stores them."""
    import tempfile

    from macro_pipeline.warehouse import Warehouse
    from macro_pipeline.warehouse.raw_store import merge_delivery

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Warehouse(data_dir=tmp)
        if "realtime_end" in raw.columns:
            full = raw.with_columns(
                pl.col("source") if "source" in raw.columns else pl.lit("test").alias("source"),
                pl.lit(dt.datetime(2026, 11, 26)).alias("loaded_at"),
                pl.lit("complete").alias("vintage_completeness"))
            warehouse.replace("raw.observations", full)
        else:
            vintages = sorted(set(raw["realtime_start"].to_list()))
            order = merge_order if merge_order is not None else range(len(vintages))
            with warehouse.connect() as con:
                for i in order:
                    delivery = raw.filter(pl.col("realtime_start") == vintages[i]).with_columns(
                        pl.lit(dt.date(9999, 12, 31)).alias("realtime_end"))
                    merge_delivery(con, delivery, "test", dt.datetime(2026, 11, 26))
        out = warehouse.read_latest()
        with warehouse.connect() as con:
            view = con.sql("SELECT series_id, date, value, realtime_start FROM raw.observations_latest "
                           "ORDER BY series_id, date").pl()
        assert out.rows() == view.rows()
        return out


def test_latest_vintage_picks_the_latest_realtime_start():
    raw = pl.DataFrame({
        "series_id": ["GDP", "GDP", "GDP", "GDP", "UNRATE"],
        "date": [dt.date(2020, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 4, 1),
                 dt.date(2020, 1, 1)],
        "value": [2.0, 3.0, 1.0, 5.0, 3.5],
        "realtime_start": [dt.date(2026, 6, 1), dt.date(2026, 11, 26), dt.date(2026, 1, 1), dt.date(2026, 1, 1),
                           dt.date(2026, 1, 1)],
        "realtime_end": [dt.date(2026, 11, 25), dt.date(9999, 12, 31), dt.date(2026, 5, 31),
                         dt.date(9999, 12, 31), dt.date(9999, 12, 31)],
        "source": ["a", "b", "c", "d", "e"],
    })
    out = read_latest(raw)
    assert out.columns == ["series_id", "date", "value", "realtime_start"]
    assert out.rows() == [
        ("GDP", dt.date(2020, 1, 1), 3.0, dt.date(2026, 11, 26)),
        ("GDP", dt.date(2020, 4, 1), 5.0, dt.date(2026, 1, 1)),
        ("UNRATE", dt.date(2020, 1, 1), 3.5, dt.date(2026, 1, 1)),
    ]


def test_latest_vintage_keeps_a_null_latest_value():
    # a value withdrawn in the later vintage is null now; the older number must not resurface
    raw = latest([("GDP", dt.date(2020, 1, 1), 1.0, dt.date(2026, 1, 1)),
                  ("GDP", dt.date(2020, 1, 1), None, dt.date(2026, 6, 1))])
    assert read_latest(raw).rows() == [("GDP", dt.date(2020, 1, 1), None, dt.date(2026, 6, 1))]


raw_rows = st.lists(
    st.tuples(
        st.sampled_from(["GDP", "UNRATE", "WALCL"]),
        st.dates(dt.date(2020, 1, 1), dt.date(2020, 1, 6)),
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
        st.dates(dt.date(2025, 1, 1), dt.date(2025, 1, 5)),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda r: (r[0], r[1], r[3]),  # the store's key
)


def expected_latest(rows: list[tuple]) -> dict:
    expected = {}
    for sid, date, value, start in rows:
        if (sid, date) not in expected or start > expected[(sid, date)][1]:
            expected[(sid, date)] = (value, start)
    return expected


@settings(max_examples=30, deadline=None)
@given(raw_rows)
def test_latest_vintage_property_one_row_per_key_with_the_max_vintage(rows):
    out = read_latest(latest(rows))  # vintages merged in date order, as sources deliver them
    keys = {(r[0], r[1]) for r in rows}
    assert out.height == len(keys)
    assert out.select("series_id", "date").is_unique().all()
    expected = expected_latest(rows)
    got = {(sid, date): (value, start) for sid, date, value, start in out.iter_rows()}
    # the value is the latest vintage's; its realtime_start is where that value began to be the known one (a
    # vintage repeating the stored value adds no row), so never after the latest vintage date
    assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in expected.items()}
    assert all(got[k][1] <= expected[k][1] for k in keys)


@settings(max_examples=30, deadline=None)
@given(raw_rows, st.randoms(use_true_random=False))
def test_open_rows_and_the_latest_view_agree_whatever_order_vintages_arrive_in(rows, rnd):
    vintages = sorted({r[3] for r in rows})
    order = list(range(len(vintages)))
    rnd.shuffle(order)  # an old snapshot loaded after a live refresh
    out = read_latest(latest(rows), order)  # asserts Warehouse.read_latest() == raw.observations_latest
    assert out.height == len({(r[0], r[1]) for r in rows})


# ---------------------------------------------------------------------------------------------- stage_observations


def test_a_clean_frame_passes_with_catalog_units_and_rules():
    staged, report = stage(CLEAN)
    assert report.ok, report.summary()
    assert staged.columns == list(StagingObservations.to_schema().columns)
    assert staged.height == len(CLEAN)
    assert staged.select("series_id", "date").rows() == sorted((r[0], r[1]) for r in CLEAN)
    walcl = staged.filter(pl.col("series_id") == "WALCL").row(0, named=True)
    assert (walcl["unit_id"], walcl["date_rule"]) == ("usd_mn", "wednesday")
    StagingObservations.validate(staged)


def failures_of(rows: list[tuple]):
    _, report = stage(CLEAN + rows)
    assert not report.ok
    return report


def test_out_of_range_value_fails_naming_series_and_row():
    report = failures_of([("UNRATE", dt.date(2026, 3, 1), 430.0, V)])
    assert report.series_ids() == ["UNRATE"]
    # 430 after 4.x is also a step beyond UNRATE's ratio rule (pct: x8 and 0.5 pp): both rules name the row
    step_rule = "no jump beyond max_step_ratio from the previous value (a unit change?)"
    assert sorted(report.failures.select("series_id", "date", "value", "check").rows()) == [
        ("UNRATE", dt.date(2026, 3, 1), 430.0, step_rule),
        ("UNRATE", dt.date(2026, 3, 1), 430.0, "value within the unit's plausible range")]
    assert "in series UNRATE:" in report.summary()
    assert "date=2026-03-01" in report.summary()


def test_value_below_the_unit_minimum_fails():
    report = failures_of([("WALCL", dt.date(2026, 1, 14), -1.0, V)])
    # -1 after millions is also a jump far beyond WALCL's max_step_ratio: both rules name the row
    assert sorted(report.failures.select("series_id", "date", "check").rows()) == [
        ("WALCL", dt.date(2026, 1, 14), "no jump beyond max_step_ratio from the previous value (a unit change?)"),
        ("WALCL", dt.date(2026, 1, 14), "value within the unit's plausible range")]


def test_range_bounds_are_inclusive():
    _, report = stage([("UNRATE", dt.date(2026, 1, 1), 100.0, V), ("DFF", dt.date(2026, 2, 2), -5.0, V)])
    assert report.ok, report.summary()


@pytest.mark.parametrize(("row", "check"), [
    (("CPIAUCSL", dt.date(2026, 1, 15), 320.0, V), "date fits the series' frequency"),  # monthly mid-month
    (("WALCL", dt.date(2026, 1, 6), 6573602.0, V), "date fits the series' frequency"),  # Wednesday on a Tuesday
    (("GDP", dt.date(2026, 2, 1), 31000.0, V), "date fits the series' frequency"),  # quarterly, not a quarter
    (("WFRBST01134", dt.date(2026, 4, 1), 31.0, V), "date fits the series' frequency"),  # semiannual
    (("MEHOINUSA672N", dt.date(2024, 7, 1), 80000.0, V), "date fits the series' frequency"),  # annual
    (("DGS10", dt.date(2026, 1, 3), 4.2, V), "date fits the series' frequency"),  # a Saturday, weekday rule
    (("MORTGAGE30US", dt.date(2026, 1, 9), 6.2, V), "date fits the series' frequency"),  # a Friday
    (("GDP", dt.date(2027, 1, 1), 31000.0, V), "date not after the vintage date"),
    (("DFF", V + dt.timedelta(days=1), 3.6, V), "date not after the vintage date"),
])
def test_bad_row_fails_naming_its_series_and_date(row, check):
    report = failures_of([row])
    assert report.series_ids() == [row[0]]
    assert report.failures.select("series_id", "date", "check").rows() == [(row[0], row[1], check)]


def test_nan_value_fails_staging():
    report = failures_of([("UNRATE", dt.date(2026, 3, 1), float("nan"), V)])
    assert report.series_ids() == ["UNRATE"]
    assert "value is finite or null" in report.failures["check"].to_list()
    assert set(report.failures["date"].to_list()) == {dt.date(2026, 3, 1)}


def test_series_not_in_the_catalog_fails_and_is_not_dropped():
    staged, report = stage([*CLEAN, ("NOTACATALOGSERIES", dt.date(2026, 1, 1), 1.0, V)])
    assert staged.height == len(CLEAN) + 1
    assert report.series_ids() == ["NOTACATALOGSERIES"]
    bad = report.failures.filter(pl.col("series_id") == "NOTACATALOGSERIES")
    assert set(bad["date"].to_list()) == {dt.date(2026, 1, 1)}
    assert {"unit_id", "date_rule", "plausible_min", "plausible_max"} <= set(bad["column"].to_list())
    assert "NOTACATALOGSERIES" in report.summary()


def test_several_bad_series_are_all_named():
    report = failures_of([("UNRATE", dt.date(2026, 3, 1), 430.0, V),
                          ("CPIAUCSL", dt.date(2026, 1, 15), 320.0, V)])
    assert report.series_ids() == ["CPIAUCSL", "UNRATE"]
    assert "in series CPIAUCSL, UNRATE:" in report.summary()


def test_duplicate_series_date_fails_staging():
    report = failures_of([("UNRATE", dt.date(2026, 1, 1), 4.2, V)])
    assert report.series_ids() == ["UNRATE"]
    assert set(report.failures["date"].to_list()) == {dt.date(2026, 1, 1)}


def test_the_whole_snapshot_stages_cleanly():
    from macro_pipeline.settings import PROJECT_ROOT
    from macro_pipeline.sources import SnapshotSource
    from macro_pipeline.transforms.raw import DELIVERY_KEY, check_delivery, empty_delivery

    catalog = load_catalog()
    delivery = SnapshotSource(snapshot_dir=str(PROJECT_ROOT / "data" / "fred_snapshot")).fetch(
        catalog.series_ids(), empty_delivery())
    check_delivery(delivery.observations)
    # the earlier releases (vintages/) are checked with the snapshot's rows, one row per vintage
    staged, report = stage_observations(delivery.observations.drop("realtime_end"), catalog.series, catalog.units,
                                        key=DELIVERY_KEY)
    assert report.ok, report.summary()
    assert staged.height == delivery.observations.height


def test_a_unit_change_mid_series_is_a_level_shift():
    # CPI x1000 is still inside the index range: only the step rule can see it
    rows = [("CPIAUCSL", dt.date(2025, m, 1), 320.0 + m, V) for m in range(1, 5)]
    rows += [("CPIAUCSL", dt.date(2025, m, 1), (320.0 + m) * 1000, V) for m in range(5, 7)]
    report = failures_of(rows)
    assert report.failures.select("series_id", "date", "check").rows() == [
        ("CPIAUCSL", dt.date(2025, 5, 1), "no jump beyond max_step_ratio from the previous value (a unit change?)")]


def test_a_real_jump_of_a_rate_passes_and_a_missing_value_does_not_break_the_chain():
    # April 2020: 4.4 -> 14.7 % is x3.3, within a rate's ratio rule (x8); see test_glitch_guard for the slips
    rows = [("UNRATE", dt.date(2020, 1, 1), 4.4, V), ("UNRATE", dt.date(2020, 2, 1), 14.7, V)]
    rows += [("M2SL", dt.date(2025, 1, 1), 22000.0, V), ("M2SL", dt.date(2025, 2, 1), None, V),
             ("M2SL", dt.date(2025, 3, 1), 22100.0, V)]
    _, report = stage(rows)
    assert report.ok, report.summary()


def test_a_delivery_with_two_vintages_of_a_date_passes_on_the_delivery_key_only():
    from macro_pipeline.transforms.raw import DELIVERY_KEY

    catalog = load_catalog()
    rows = [("GDP", dt.date(2026, 4, 1), 32000.0, dt.date(2026, 7, 30)),
            ("GDP", dt.date(2026, 4, 1), 32100.0, dt.date(2026, 8, 28))]  # first release, then a revision
    _, as_delivery = stage_observations(latest(rows), catalog.series, catalog.units, key=DELIVERY_KEY)
    assert as_delivery.ok, as_delivery.summary()
    _, as_latest = stage_observations(latest(rows), catalog.series, catalog.units)
    assert as_latest.failures.select("series_id", "date", "check").rows() == [
        ("GDP", dt.date(2026, 4, 1), "rows are unique on ['series_id', 'date']")] * 2


def test_duplicates_are_found_wherever_they_sit_in_the_input():
    rows = [("UNRATE", dt.date(2026, m, 1), 4.0 + m / 10, V) for m in range(1, 10)]
    rows.insert(0, ("UNRATE", dt.date(2026, 7, 1), 9.9, V))  # a repeat of July, first in the input
    _, report = stage(rows)
    assert sorted(report.failures.select("date", "value").rows()) == [
        (dt.date(2026, 7, 1), 4.7), (dt.date(2026, 7, 1), 9.9)]


def _four_joins(observations: pl.DataFrame, series_catalog: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """The joins stage_observations did before with_series_attributes, written out here (not through the module's
    helpers, which that change rewrote): the reference it must equal."""
    rules = ["max_step_ratio", "ratio_floor", "max_step_abs", "max_step_p99_multiple"]
    scales = units.select("unit_id", "base_unit_id", pl.col("scale").alias("_scale"))
    base_scales = units.select(pl.col("unit_id").alias("base_unit_id"), pl.col("scale").alias("_base_scale"))
    return (observations.join(series_catalog.select("series_id", "unit_id", "date_rule", *rules), on="series_id",
                              how="left", maintain_order="left")
            .join(scales, on="unit_id", how="left", maintain_order="left")
            .join(base_scales, on="base_unit_id", how="left", maintain_order="left")
            .with_columns((pl.col("value") * pl.col("_scale") / pl.col("_base_scale")).alias("base_value"))
            .drop("_scale", "_base_scale")
            .join(units.select("unit_id", "plausible_min", "plausible_max"), on="unit_id", how="left",
                  maintain_order="left"))


def test_series_attributes_equal_the_four_joins_they_replace():
    from macro_pipeline.transforms.staging import with_series_attributes

    catalog = load_catalog()
    # a series whose unit is missing from units.csv, next to catalog series in several units and an unknown one
    series = pl.concat([catalog.series, catalog.series.filter(pl.col("series_id") == "WALCL").with_columns(
        pl.lit("ORPHANUNIT").alias("series_id"), pl.lit("no_such_unit").alias("unit_id"))], how="vertical_relaxed")
    rows = [*CLEAN, ("NOTACATALOGSERIES", dt.date(2026, 1, 1), 1.0, V), ("ORPHANUNIT", dt.date(2026, 1, 7), 2.0, V),
            ("WALCL", dt.date(2026, 1, 14), 6573602.123456789, V), ("GDP", dt.date(2026, 10, 1), None, V)]
    frame = latest(rows)
    got = with_series_attributes(frame, series, catalog.units)
    want = _four_joins(frame, series, catalog.units)
    assert got.columns == want.columns and got.schema == want.schema
    assert got.rows() == want.rows()  # exact: the same base_value bits, the same nulls, the same row order
    assert got.filter(pl.col("series_id") == "WALCL")["base_unit_id"].null_count() == 0
    assert got.filter(pl.col("series_id").is_in(["NOTACATALOGSERIES", "ORPHANUNIT"]))["base_value"].null_count() == 2
