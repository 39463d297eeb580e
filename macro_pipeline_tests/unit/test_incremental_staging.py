"""Incremental staging: only series that gained raw rows are validated again, and the result is always what a
full staging of the store gives; a change of rules (catalog series or units) restages everything."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.defs.staging import stage_latest
from macro_pipeline.transforms.staging import stage_observations
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import merge_delivery, rules_fingerprint, series_changed_since_staging

V1, V2 = dt.date(2026, 7, 1), dt.date(2026, 8, 1)
OPEN = dt.date(9999, 12, 31)


def delivery(rows: list[tuple], vintage: dt.date) -> pl.DataFrame:
    return pl.DataFrame([(s, d, v, vintage, OPEN) for s, d, v in rows], orient="row",
                        schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64,
                                "realtime_start": pl.Date, "realtime_end": pl.Date})


FIRST = [("UNRATE", dt.date(2026, m, 1), 4.0 + m / 10, ) for m in range(1, 6)] + \
        [("CPIAUCSL", dt.date(2025, m, 1), 320.0 + m) for m in range(1, 7)]


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    wh = Warehouse(data_dir=str(tmp_path))
    with wh.connect() as con:
        merge_delivery(con, delivery(FIRST, V1), "v1", dt.datetime(2026, 1, 2))
    return wh


def full_staging(wh: Warehouse, facts) -> pl.DataFrame:
    staged, report = stage_observations(wh.read_latest(), facts.series, facts.units)
    assert report.ok
    return staged


def test_only_the_changed_series_is_staged_again_and_the_result_equals_a_full_staging(warehouse):
    facts = load_catalog()
    first, report = stage_latest(facts, warehouse)
    assert report.ok and first.rows == len(FIRST) and first.series == 2
    with warehouse.connect() as con:
        assert series_changed_since_staging(con, rules_fingerprint(facts)) == []
        merge_delivery(con, delivery([("UNRATE", dt.date(2026, 5, 1), 4.9)], V2), "v2", dt.datetime(2026, 6, 2))
        assert series_changed_since_staging(con, rules_fingerprint(facts)) == ["UNRATE"]
    summary, report = stage_latest(facts, warehouse)
    assert report.ok and summary.rows == len(FIRST)
    second = warehouse.read("staging.observations", "ORDER BY series_id, date")
    assert second.equals(full_staging(warehouse, facts))
    assert second.filter(pl.col("date") == dt.date(2026, 5, 1))["value"].to_list() == [4.9]


def test_a_bad_changed_series_fails_and_leaves_staging_as_it_was(warehouse):
    facts = load_catalog()
    stage_latest(facts, warehouse)
    before = warehouse.read("staging.observations", "ORDER BY series_id, date")
    with warehouse.connect() as con:  # a x1000 step in CPI, in a later vintage
        merge_delivery(con, delivery([("CPIAUCSL", dt.date(2025, 6, 1), 326000.0)], V2), "v2",
                       dt.datetime(2026, 6, 2))
    _, report = stage_latest(facts, warehouse)
    assert not report.ok and report.series_ids() == ["CPIAUCSL"]
    assert warehouse.read("staging.observations", "ORDER BY series_id, date").equals(before)
    _, again = stage_latest(facts, warehouse)  # not recorded as staged: still checked, still failing
    assert again.failures.equals(report.failures)


def test_a_change_of_rules_restages_every_series(warehouse):
    facts = load_catalog()
    stage_latest(facts, warehouse)
    # the unit of UNRATE now tops out at 4.2: rows that passed before fail, though no raw row changed
    units = facts.units.with_columns(pl.when(pl.col("unit_id") == "pct").then(4.2).otherwise(pl.col("plausible_max"))
                                     .alias("plausible_max"))
    stricter = dataclasses.replace(facts, units=units)
    with warehouse.connect() as con:
        assert series_changed_since_staging(con, rules_fingerprint(stricter)) is None
    _, report = stage_latest(stricter, warehouse)
    assert not report.ok
    assert sorted(d.month for d in report.failures["date"].to_list()) == [3, 4, 5]


def test_rows_stored_with_an_earlier_clock_restage_everything(warehouse):
    facts = load_catalog()
    stage_latest(facts, warehouse)
    with warehouse.connect() as con:  # loaded_at before the last staging (a clock set back)
        merge_delivery(con, delivery([("UNRATE", dt.date(2026, 5, 1), 4.9)], V2), "v2", dt.datetime(2025, 1, 1))
        assert series_changed_since_staging(con, rules_fingerprint(facts)) is None
    _, report = stage_latest(facts, warehouse)
    assert report.ok
    assert warehouse.read("staging.observations", "ORDER BY series_id, date").equals(full_staging(warehouse, facts))
