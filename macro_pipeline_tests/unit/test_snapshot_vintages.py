"""The snapshot's earlier releases (data/fred_snapshot/vintages) on a private copy: delivered beside the snapshot's
own rows with their release dates and completeness, verified against the vintages manifest, checked like any
row, and merged into a real raw store whatever order the vintages arrive in."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import random
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.settings import PROJECT_ROOT
from macro_pipeline.sources import SnapshotSource, SourceError
from macro_pipeline.sources.snapshot_vintages import VINTAGE_MANIFEST_COLUMNS
from macro_pipeline.transforms.raw import DELIVERY_KEY, check_delivery, empty_delivery
from macro_pipeline.transforms.staging import stage_observations
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import merge_delivery

SNAPSHOT = PROJECT_ROOT / "data" / "fred_snapshot"
SNAPSHOT_DATE = dt.date(2026, 11, 26)
OPEN = dt.date(9999, 12, 31)
LOADED = dt.datetime(2026, 11, 26, 12, 0, 0)
GDP_2024Q1 = dt.date(2024, 1, 1)


@pytest.fixture
def snap(tmp_path) -> Path:
    root = tmp_path / "fred_snapshot"
    shutil.copytree(SNAPSHOT, root)
    return root


def fetch(root: Path, ids: list[str]):
    return SnapshotSource(snapshot_dir=str(root)).fetch(ids, empty_delivery())


def source_error(root: Path, ids: list[str]) -> str:
    with pytest.raises(SourceError) as info:
        fetch(root, ids)
    return str(info.value)


def vintage_manifest(root: Path) -> dict[str, dict[str, str]]:
    text = (root / "vintages" / "MANIFEST.csv").read_text(encoding="utf-8")
    return {r["series_id"]: r for r in csv.DictReader(io.StringIO(text))}


def rewrite_vintages(root: Path, series_id: str, text: str, **manifest_changes: str) -> None:
    """Replace a vintage file and make the manifest agree (sha256, rows, release dates) unless told otherwise."""
    path = root / "vintages" / f"{series_id}.csv"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()[1:]
    rows = vintage_manifest(root)
    rows[series_id].update({"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "rows": str(len(lines)),
                            "vintages": str(len({line.split(",")[1] for line in lines})), **manifest_changes})
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=VINTAGE_MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows.values())
    (root / "vintages" / "MANIFEST.csv").write_text(buf.getvalue(), encoding="utf-8")


def file_rows(series_id: str) -> list[tuple[str, str, str]]:
    text = (SNAPSHOT / "vintages" / f"{series_id}.csv").read_text(encoding="utf-8")
    return [tuple(line.split(",")) for line in text.splitlines()[1:]]


# ---------------------------------------------------------------------------------------------- delivered


def test_vintages_are_delivered_beside_the_snapshot_rows_with_release_dates_and_completeness(snap):
    delivery = fetch(snap, ["GDPC1", "PAYEMS", "UNRATE"])
    obs = delivery.observations
    q1 = obs.filter((pl.col("series_id") == "GDPC1") & (pl.col("date") == GDP_2024Q1)).sort("realtime_start")
    starts = [dt.date(2024, 4, 25), dt.date(2024, 5, 30), dt.date(2024, 6, 27), dt.date(2024, 7, 25),
              dt.date(2024, 8, 29), dt.date(2024, 9, 26), dt.date(2026, 3, 13), SNAPSHOT_DATE]
    assert q1["realtime_start"].to_list() == starts
    assert q1["value"].to_list()[:3] == [22768.866, 22749.846, 22758.752]
    # each listed release holds until the day before the next one; the snapshot's own row stays open
    assert q1["realtime_end"].to_list() == [s - dt.timedelta(days=1) for s in starts[1:]] + [OPEN]
    assert q1["vintage_completeness"].to_list() == ["sparse"] * 7 + ["complete"]
    payems = obs.filter(pl.col("series_id") == "PAYEMS")
    assert set(payems["vintage_completeness"]) == {"complete"}
    assert set(obs.filter(pl.col("series_id") == "UNRATE")["realtime_start"]) == {SNAPSHOT_DATE}
    manifest = vintage_manifest(snap)
    assert obs.filter(pl.col("realtime_start") < SNAPSHOT_DATE).height == (
        int(manifest["GDPC1"]["rows"]) + int(manifest["PAYEMS"]["rows"]))
    # outcomes count what was delivered, and the notes carry the vintages' caveats
    assert sum(o.rows for o in delivery.outcomes) == obs.height
    assert "sparse" in delivery.notes["GDPC1"] and "vintages/GDPC1.csv" in delivery.notes["GDPC1"]


def test_a_series_without_vintages_or_a_snapshot_without_the_folder_is_one_complete_vintage(snap):
    shutil.rmtree(snap / "vintages")
    obs = fetch(snap, ["GDPC1"]).observations
    assert set(obs["realtime_start"]) == {SNAPSHOT_DATE}
    assert set(obs["vintage_completeness"]) == {"complete"}


def test_vintages_of_a_series_not_requested_are_not_delivered(snap):
    obs = fetch(snap, ["UNRATE"]).observations
    assert set(obs["series_id"]) == {"UNRATE"}


# ---------------------------------------------------------------------------------------------- refused


def test_a_vintage_file_that_does_not_match_its_sha256_refuses_the_delivery(snap):
    path = snap / "vintages" / "PAYEMS.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("157347", "157348", 1), encoding="utf-8")
    message = source_error(snap, ["PAYEMS"])
    assert "vintages/PAYEMS.csv" in message and "sha256" in message and "vintages/MANIFEST.csv says" in message


def test_a_row_count_or_release_count_that_differs_from_the_manifest_is_refused(snap):
    text = "date,realtime_start,value\n2024-01-01,2024-02-02,157700\n2024-01-01,2024-03-08,157500\n"
    rewrite_vintages(snap, "PAYEMS", text, rows="3")
    assert "2 rows, vintages/MANIFEST.csv says 3" in source_error(snap, ["PAYEMS"])
    rewrite_vintages(snap, "PAYEMS", text, vintages="1")
    assert "2 release dates, vintages/MANIFEST.csv says 1" in source_error(snap, ["PAYEMS"])


def test_unreadable_vintage_lines_are_named(snap):
    rewrite_vintages(snap, "PAYEMS", "date,realtime_start,value\n2024-01-01,2024-02-02,157700\n"
                                     "2024-01-01,soon,157500\n2024-02-01,2024-03-08,abc\n")
    message = source_error(snap, ["PAYEMS"])
    assert "line 3: realtime_start is not an ISO date ('soon')" in message
    assert "line 4: value is not a number ('abc')" in message


def test_a_wrong_header_is_refused(snap):
    rewrite_vintages(snap, "PAYEMS", "date,value,realtime_start\n2024-01-01,157700,2024-02-02\n")
    assert "header is ['date', 'value', 'realtime_start']" in source_error(snap, ["PAYEMS"])


def test_a_vintage_released_on_or_after_the_snapshot_date_is_refused(snap):
    rewrite_vintages(snap, "PAYEMS", "date,realtime_start,value\n2024-01-01,2026-11-26,157700\n")
    assert "released on or after the snapshot date 2026-11-26" in source_error(snap, ["PAYEMS"])


def test_a_completeness_that_is_neither_sparse_nor_complete_is_refused(snap):
    rewrite_vintages(snap, "PAYEMS", (SNAPSHOT / "vintages" / "PAYEMS.csv").read_text(encoding="utf-8"),
                     completeness="mostly there")
    assert "completeness must start with one of ('complete', 'sparse')" in source_error(snap, ["PAYEMS"])


def test_vintage_rows_pass_the_same_delivery_checks_as_other_rows(snap):
    # a quarter dated mid-month and an implausible level in an old release: the staging rules see both
    rows = file_rows("GDPC1")
    bad = [*rows[:2], ("2024-01-15", "2024-04-25", "22768.866"), ("2024-04-01", "2024-07-25", "-5")]
    rewrite_vintages(snap, "GDPC1", "date,realtime_start,value\n" + "\n".join(",".join(r) for r in bad) + "\n")
    catalog = load_catalog()
    delivery = fetch(snap, ["GDPC1"])
    check_delivery(delivery.observations)
    _, report = stage_observations(delivery.observations, catalog.series, catalog.units, key=DELIVERY_KEY)
    assert not report.ok
    failures = report.failures
    assert failures.filter(pl.col("check") == "date fits the series' frequency")["date"].to_list() == [
        dt.date(2024, 1, 15)]
    assert failures.filter(pl.col("check") == "value within the unit's plausible range")["value"].to_list() == [-5.0]


def test_two_vintage_rows_of_one_release_and_date_are_a_duplicate(snap):
    rewrite_vintages(snap, "PAYEMS", "date,realtime_start,value\n2024-01-01,2024-02-02,157700\n"
                                     "2024-01-01,2024-02-02,157701\n")
    from macro_pipeline.transforms.raw import DeliveryValidationError

    with pytest.raises(DeliveryValidationError, match="unique"):
        check_delivery(fetch(snap, ["PAYEMS"]).observations)


# ---------------------------------------------------------------------------------------------- merged


def stored_rows(con, series_id: str) -> list[tuple]:
    return con.execute("SELECT date, value, realtime_start, realtime_end, vintage_completeness FROM "
                       "raw.observations WHERE series_id = ? ORDER BY date, realtime_start", [series_id]).fetchall()


def as_of(con, series_id: str, day: dt.date) -> list[tuple]:
    return con.execute("SELECT date, value, realtime_start, vintage_completeness, known_to_hold_on_date FROM "
                       "raw.observations_as_of(?) WHERE series_id = ? ORDER BY date", [day, series_id]).fetchall()


def test_snapshot_rows_stored_first_then_the_vintages_give_the_same_store_as_one_delivery(snap, tmp_path):
    full = fetch(snap, ["GDPC1", "PAYEMS"]).observations
    with Warehouse(data_dir=str(tmp_path / "one")).connect() as con:
        merge_delivery(con, full, "snap", LOADED)
        expected = {s: stored_rows(con, s) for s in ("GDPC1", "PAYEMS")}
    # a data folder that already holds the snapshot's own vintage receives the older releases later
    own_only = full.filter(pl.col("realtime_start") == SNAPSHOT_DATE).with_columns(
        pl.lit(OPEN).alias("realtime_end"))
    with Warehouse(data_dir=str(tmp_path / "two")).connect() as con:
        merge_delivery(con, own_only, "snap", LOADED)
        merged = merge_delivery(con, full, "snap", LOADED)
        assert merged.inserted == full.height - own_only.height and merged.superseded == 0
        assert {s: stored_rows(con, s) for s in ("GDPC1", "PAYEMS")} == expected
        assert merge_delivery(con, full, "snap", LOADED).inserted == 0  # a rerun adds nothing


def test_payroll_releases_arriving_in_any_order_answer_every_date_as_the_full_load(snap, tmp_path):
    full = fetch(snap, ["PAYEMS"]).observations
    releases = sorted(full["realtime_start"].unique().to_list())
    probes = sorted({d for r in releases for d in (r, r + dt.timedelta(days=9))})
    with Warehouse(data_dir=str(tmp_path / "one")).connect() as con:
        merge_delivery(con, full, "snap", LOADED)
        expected = {d: as_of(con, "PAYEMS", d) for d in probes}
    shuffled = list(releases)
    random.Random(14).shuffle(shuffled)
    for name, order in (("newest_first", releases[::-1]), ("shuffled", shuffled)):
        with Warehouse(data_dir=str(tmp_path / name)).connect() as con:
            for release in order:  # each release alone, open-ended, as a source that knows nothing later
                one = full.filter(pl.col("realtime_start") == release).with_columns(pl.lit(OPEN).alias("realtime_end"))
                merge_delivery(con, one, "snap", LOADED)
            overlaps = con.execute(
                "SELECT count(*) FROM raw.observations a JOIN raw.observations b USING (series_id, date) "
                "WHERE a.realtime_start < b.realtime_start AND a.realtime_end >= b.realtime_start").fetchone()[0]
            assert overlaps == 0, name
            got = {d: as_of(con, "PAYEMS", d) for d in probes}
            assert {d: [(r[0], r[1], r[3]) for r in rows] for d, rows in got.items()} == {
                d: [(r[0], r[1], r[3]) for r in rows] for d, rows in expected.items()}, name


def test_as_of_between_two_listed_releases_of_a_sparse_source_says_so(snap, tmp_path):
    with Warehouse(data_dir=str(tmp_path)).connect() as con:
        merge_delivery(con, fetch(snap, ["GDPC1", "PAYEMS"]).observations, "snap", LOADED)
        q1 = {day: next(r for r in as_of(con, "GDPC1", day) if r[0] == GDP_2024Q1)[1:]
              for day in (dt.date(2024, 5, 30), dt.date(2024, 6, 15), dt.date(2026, 12, 1))}
        # on a listed release the value is known; between two listed releases it may have changed unseen
        assert q1[dt.date(2024, 5, 30)] == (22749.846, dt.date(2024, 5, 30), "sparse", True)
        assert q1[dt.date(2024, 6, 15)] == (22749.846, dt.date(2024, 5, 30), "sparse", False)
        assert q1[dt.date(2026, 12, 1)] == (23082.119, SNAPSHOT_DATE, "complete", True)
        # before the first listed release the quarter is unknown: no row, nothing carried back
        assert [r for r in as_of(con, "GDPC1", dt.date(2024, 4, 24)) if r[0] == GDP_2024Q1] == []
        # a complete source between two releases: the value held, and says so
        dec = next(r for r in as_of(con, "PAYEMS", dt.date(2025, 1, 20)) if r[0] == dt.date(2024, 12, 1))
        assert dec[1:] == (159_536.0, dt.date(2025, 1, 10), "complete", True)  # the manifest's pre-benchmark level


def test_a_data_folder_without_the_completeness_column_is_upgraded(snap, tmp_path):
    folder = tmp_path / "old"
    path = folder / "work" / "pipeline.duckdb"
    path.parent.mkdir(parents=True)
    old = duckdb.connect(str(path))
    old.execute("CREATE SCHEMA raw")
    old.execute("CREATE TABLE raw.observations (series_id VARCHAR NOT NULL, date DATE NOT NULL, value DOUBLE, "
                "realtime_start DATE NOT NULL, realtime_end DATE NOT NULL, source VARCHAR NOT NULL, "
                "loaded_at TIMESTAMP NOT NULL)")
    old.execute("INSERT INTO raw.observations VALUES ('GDPC1', DATE '2024-01-01', 23082.119, DATE '2026-11-26', "
                "DATE '9999-12-31', 'fred_snapshot 2026-11-26', TIMESTAMP '2026-11-26 00:00:00')")
    # the raw views as the previous version wrote them, without the completeness columns
    old.execute("CREATE VIEW raw.observations_first_release AS SELECT series_id, date, value, realtime_start, "
                "source FROM raw.observations")
    old.execute("CREATE MACRO raw.observations_as_of(as_of_date) AS TABLE SELECT series_id, date, value, "
                "realtime_start, source FROM raw.observations WHERE realtime_start <= CAST(as_of_date AS DATE)")
    old.close()
    warehouse = Warehouse(data_dir=str(folder))
    assert warehouse.working_path == path
    with warehouse.connect() as con:
        assert con.execute("SELECT vintage_completeness FROM raw.observations").fetchall() == [("complete",)]
        merge_delivery(con, fetch(snap, ["GDPC1"]).observations, "snap", LOADED)
        q1 = [r for r in as_of(con, "GDPC1", dt.date(2024, 6, 15)) if r[0] == GDP_2024Q1]
        assert q1 == [(GDP_2024Q1, 22749.846, dt.date(2024, 5, 30), "sparse", False)]
