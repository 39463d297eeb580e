"""A full staging a batch of series at a time gives exactly the one-pass result and refuses exactly the same rows;
a refused batch leaves staging.observations as it was and no build table behind."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.catalog import load_catalog
from macro_pipeline.defs import staging as staging_asset
from macro_pipeline.defs.ingest import ingest
from macro_pipeline.defs.staging import stage_latest
from macro_pipeline.sources import SnapshotSource
from macro_pipeline.transforms.staging import staging_batches
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import merge_delivery
from macro_pipeline_tests.support import copy_snapshot

OPEN = dt.date(9999, 12, 31)


@settings(max_examples=200, deadline=None)
@given(counts=st.dictionaries(st.sampled_from([f"S{i:02d}" for i in range(30)]), st.integers(1, 50), max_size=30),
       group_members=st.lists(st.lists(st.sampled_from([f"S{i:02d}" for i in range(30)]), min_size=2, max_size=4,
                                       unique=True), max_size=3),
       max_rows=st.integers(1, 120))
def test_batches_cover_every_series_once_keep_groups_together_and_stay_within_the_size(counts, group_members,
                                                                                        max_rows) -> None:
    # groups are disjoint in the catalog: keep the first group each series appears in
    taken: set[str] = set()
    groups = []
    for members in group_members:
        members = [s for s in members if s not in taken]
        taken.update(members)
        if len(members) >= 2:
            groups.append(members)
    batches = staging_batches(counts, groups, max_rows)
    flat = [s for batch in batches for s in batch]
    assert sorted(flat) == sorted(counts) and len(flat) == len(set(flat))
    where = {s: i for i, batch in enumerate(batches) for s in batch}
    for group in groups:
        assert len({where[s] for s in group if s in counts}) <= 1
    for batch in batches:
        rows = sum(counts[s] for s in batch)
        # over the size only when one series or one group alone is larger than it
        if rows > max_rows:
            assert len(batch) == 1 or any(set(batch) <= set(g) for g in groups)


def _loaded(tmp_path: Path, name: str) -> Warehouse:
    warehouse = Warehouse(data_dir=str(tmp_path / name))
    ingest(load_catalog(), SnapshotSource(snapshot_dir=str(copy_snapshot(tmp_path / f"{name}_snapshot"))),
           warehouse)
    return warehouse


def test_the_snapshot_staged_in_many_batches_equals_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = load_catalog()
    one_pass = _loaded(tmp_path, "one_pass")
    summary, report = stage_latest(facts, one_pass)
    assert report.ok and summary.rows > 50_000
    batched = _loaded(tmp_path, "batched")
    monkeypatch.setattr(staging_asset, "STAGING_BATCH_ROWS", 5_000)  # the 57 k rows in a dozen batches
    calls: list[list[str]] = []
    monkeypatch.setattr(staging_asset, "staging_batches", lambda *a: calls.extend(staging_batches(*a)) or calls)
    batched_summary, batched_report = stage_latest(facts, batched)
    assert len(calls) > 5
    assert batched_report.ok
    assert (batched_summary.rows, batched_summary.series, batched_summary.first_date, batched_summary.last_date) == \
           (summary.rows, summary.series, summary.first_date, summary.last_date)
    order = "ORDER BY series_id, date"
    assert batched.read("staging.observations", order).equals(one_pass.read("staging.observations", order))
    with batched.connect() as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%__build'").fetchall() \
            == [(0,)]


def _slip(warehouse: Warehouse) -> None:
    """A ×1000 CPI value in a later vintage."""
    delivery = pl.DataFrame([("CPIAUCSL", dt.date(2025, 6, 1), 326_000.0, dt.date(2026, 12, 1), OPEN)],
                            orient="row", schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64,
                                                  "realtime_start": pl.Date, "realtime_end": pl.Date})
    with warehouse.connect() as con:
        merge_delivery(con, delivery, "slip", dt.datetime(2026, 12, 2))


def test_a_batch_that_fails_refuses_the_same_rows_and_leaves_staging_as_it_was(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch):
    facts = load_catalog()
    one_pass = _loaded(tmp_path, "one_pass")
    batched = _loaded(tmp_path, "batched")
    stage_latest(facts, one_pass)
    stage_latest(facts, batched)
    before = batched.read("staging.observations", "ORDER BY series_id, date")
    _slip(one_pass)
    _slip(batched)
    # a full staging either way: the rules changed (here, one unit's range is a little wider)
    facts = dataclasses.replace(facts, units=facts.units.with_columns(
        pl.when(pl.col("unit_id") == "pct").then(pl.col("plausible_max") + 1).otherwise(pl.col("plausible_max"))
        .alias("plausible_max")))
    _, expected = stage_latest(facts, one_pass)
    monkeypatch.setattr(staging_asset, "STAGING_BATCH_ROWS", 5_000)
    summary, report = stage_latest(facts, batched)
    assert not expected.ok and report.series_ids() == expected.series_ids() == ["CPIAUCSL"]
    order = ["series_id", "date", "check"]
    assert report.failures.sort(order).equals(expected.failures.sort(order))
    assert summary.rows == before.height
    assert batched.read("staging.observations", "ORDER BY series_id, date").equals(before)
    with batched.connect() as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%__build'").fetchall() \
            == [(0,)]


def test_a_catalog_without_consistency_groups_stages_fully_and_incrementally(tmp_path: Path) -> None:
    """consistency.csv is optional (bench P2's synthetic catalog has none): both staging paths work without it."""
    facts = dataclasses.replace(load_catalog(), consistency=None)
    warehouse = _loaded(tmp_path, "no_groups")
    full, report = stage_latest(facts, warehouse)
    assert report.ok and full.rows > 50_000
    _slip(warehouse)  # CPI gains a row: the next staging is incremental, and refuses it
    _, incremental = stage_latest(facts, warehouse)
    assert incremental.series_ids() == ["CPIAUCSL"]
