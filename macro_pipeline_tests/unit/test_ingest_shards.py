"""The ingest a shard of series at a time stores exactly what one pass stores, refuses exactly the same rows with
the same report, and on any refusal stores nothing of any shard (one transaction over the shards)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.catalog import load_catalog
from macro_pipeline.defs import ingest as ingest_module
from macro_pipeline.defs.ingest import ingest, ingest_shards
from macro_pipeline.sources import SnapshotSource, SourceError
from macro_pipeline.sources.snapshot import read_snapshot_date
from macro_pipeline.transforms.raw import DeliveryValidationError
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import undo_merges
from macro_pipeline_tests.support import copy_snapshot, set_manifest, write_series

SHARD = 7  # the embedded snapshot's series in a few dozen shards
IDS = [f"S{i:02d}" for i in range(40)]


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.sampled_from(IDS), unique=True, max_size=40).map(lambda xs: xs),
       group_members=st.lists(st.lists(st.sampled_from(IDS), min_size=2, max_size=4, unique=True), max_size=3),
       size=st.integers(1, 12))
def test_shards_cover_every_series_once_keep_groups_together_in_catalog_order(ids, group_members, size) -> None:
    taken: set[str] = set()
    groups = []
    for members in group_members:
        members = [s for s in members if s not in taken]
        taken.update(members)
        if len(members) >= 2:
            groups.append(members)
    shards = ingest_shards(ids, groups, size)
    flat = [s for shard in shards for s in shard]
    assert sorted(flat) == sorted(ids) and len(flat) == len(set(flat))
    where = {s: i for i, shard in enumerate(shards) for s in shard}
    for group in groups:
        assert len({where[s] for s in group if s in where}) <= 1
    position = {s: i for i, s in enumerate(ids)}
    for shard in shards:
        assert [position[s] for s in shard] == sorted(position[s] for s in shard)
        if len(shard) > size:  # only a group alone makes a shard larger
            assert any(set(shard) <= set(g) for g in groups)
    if len(ids) <= size:
        assert shards == [ids]


def _ingest(tmp_path: Path, name: str, snapshot: Path, shard_series: int | None):
    warehouse = Warehouse(data_dir=str(tmp_path / name))
    return warehouse, ingest(load_catalog(), SnapshotSource(snapshot_dir=str(snapshot)), warehouse,
                             shard_series=shard_series)


def _stored(warehouse: Warehouse) -> pl.DataFrame:
    with warehouse.connect() as con:
        return con.sql("SELECT * EXCLUDE (loaded_at) FROM raw.observations "
                       "ORDER BY series_id, date, realtime_start").pl()


def _fetch_log(warehouse: Warehouse) -> pl.DataFrame:
    return warehouse.read("raw.fetch_log").drop("fetched_at").sort("series_id")


def test_a_sharded_ingest_stores_what_one_pass_stores(tmp_path: Path) -> None:
    snapshot = copy_snapshot(tmp_path / "snapshot")
    one, (one_delivery, one_merged, one_rows) = _ingest(tmp_path, "one", snapshot, None)
    sharded, (delivery, merged, rows) = _ingest(tmp_path, "sharded", snapshot, SHARD)
    assert one_delivery.shards == 1 and delivery.shards > 10
    assert (delivery.rows, delivery.first_date, delivery.last_date, merged.inserted, rows) == \
           (one_delivery.rows, one_delivery.first_date, one_delivery.last_date, one_merged.inserted, one_rows)
    assert rows > 50_000
    assert _stored(sharded).equals(_stored(one))
    assert _fetch_log(sharded).equals(_fetch_log(one))
    # a re-run adds nothing, sharded as well
    _, (_, again, _) = _ingest(tmp_path, "sharded", snapshot, SHARD)
    assert again.inserted == 0


def _shards_in_snapshot(snapshot: Path) -> list[list[str]]:
    """The catalog's shards, each keeping only the series the snapshot has a file for (a few are missing)."""
    shards = ingest_shards(load_catalog().series_ids(), [], SHARD)
    present = [[s for s in shard if (snapshot / "series" / f"{s}.csv").is_file()] for shard in shards]
    return [shard for shard in present if shard]


def _break(snapshot: Path, series_id: str, line: str) -> None:
    """Append a row to a series file (and make the manifest agree, so only the row itself can fail)."""
    path = snapshot / "series" / f"{series_id}.csv"
    write_series(snapshot, series_id, path.read_text(encoding="utf-8").rstrip("\n") + f"\n{line}\n")


@pytest.mark.parametrize("line", ["2031-01-01,inf", "2031-01-01,1e15"], ids=["raw_rule", "staging_rule"])
def test_a_bad_row_in_a_later_shard_is_refused_as_in_one_pass_and_nothing_is_stored(
        tmp_path: Path, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = load_catalog()
    snapshot = copy_snapshot(tmp_path / "snapshot")
    # a first good load, then a snapshot whose series in the first and last shards changed, one of them badly
    shards = _shards_in_snapshot(snapshot)
    first, last = shards[0][0], shards[-1][-1]
    one, _ = _ingest(tmp_path, "one", snapshot, None)
    sharded, _ = _ingest(tmp_path, "sharded", snapshot, SHARD)
    before = _stored(sharded)
    log_before = _fetch_log(sharded)
    # a later snapshot: the first shard's change is a new vintage, whose merge closes the stored period
    readme = snapshot / "README.md"
    date = read_snapshot_date(snapshot)
    readme.write_text(readme.read_text(encoding="utf-8").replace(date.isoformat(),
                                                                  (date + dt.timedelta(days=1)).isoformat()))
    series_dir = snapshot / "series"
    text = (series_dir / f"{first}.csv").read_text(encoding="utf-8")
    write_series(snapshot, first, text.replace(text.rstrip("\n").rsplit("\n", 1)[1],
                                               text.rstrip("\n").rsplit("\n", 1)[1].split(",")[0] + ",1.5"))
    _break(snapshot, last, line)
    with pytest.raises(DeliveryValidationError) as expected:
        ingest(facts, SnapshotSource(snapshot_dir=str(snapshot)), one)
    undone: list[int] = []

    def undo_spy(*args):
        undone.append(undo_merges(*args))
        return undone[-1]

    monkeypatch.setattr(ingest_module, "undo_merges", undo_spy)
    with pytest.raises(DeliveryValidationError) as refused:
        ingest(facts, SnapshotSource(snapshot_dir=str(snapshot)), sharded, shard_series=SHARD)
    assert refused.value.report.series_ids() == expected.value.report.series_ids() == [last]
    assert refused.value.report.model == expected.value.report.model
    assert refused.value.report.failures.equals(expected.value.report.failures)
    # the first shard's good change was committed, then taken back: its new vintage is gone and the period it
    # closed is open again; the fetch log is the last good one
    assert undone and undone[0] > 0
    assert _stored(sharded).equals(before)
    assert _fetch_log(sharded).equals(log_before)


def test_an_unreadable_file_wins_over_a_bad_row_and_every_failing_series_is_named(tmp_path: Path) -> None:
    facts = load_catalog()
    snapshot = copy_snapshot(tmp_path / "snapshot")
    shards = _shards_in_snapshot(snapshot)
    bad_row, unreadable_a, unreadable_b = shards[0][0], shards[2][0], shards[-1][0]
    _break(snapshot, bad_row, "2031-01-01,inf")
    set_manifest(snapshot, unreadable_a, sha256="0" * 64)
    (snapshot / "series" / f"{unreadable_b}.csv").unlink()
    warehouse = Warehouse(data_dir=str(tmp_path / "sharded"))
    with pytest.raises(SourceError) as err:
        ingest(facts, SnapshotSource(snapshot_dir=str(snapshot)), warehouse, shard_series=SHARD)
    assert sorted(err.value.failures) == sorted([unreadable_a, unreadable_b])
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM raw.observations").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM raw.fetch_log").fetchall() == [(0,)]


def test_the_ingest_reports_the_delivered_dates_over_every_shard(tmp_path: Path) -> None:
    snapshot = copy_snapshot(tmp_path / "snapshot")
    warehouse, (delivery, _, _) = _ingest(tmp_path, "sharded", snapshot, SHARD)
    with warehouse.connect() as con:
        low, high = con.execute("SELECT min(date), max(date) FROM raw.observations").fetchall()[0]
    assert (delivery.first_date, delivery.last_date) == (low, high)
    assert isinstance(low, dt.date) and delivery.preview is not None and delivery.preview.height == 10
