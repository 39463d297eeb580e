"""SnapshotSource on a private copy of data/fred_snapshot: delivers, verifies, and names what it cannot read."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil
from pathlib import Path

import polars as pl
import pytest

from macro_pipeline.catalog import CatalogError, load_catalog
from macro_pipeline.settings import PROJECT_ROOT
from macro_pipeline.sources import SnapshotSource, SourceError
from macro_pipeline.sources.snapshot import MANIFEST_COLUMNS, SnapshotError, read_manifest
from macro_pipeline.transforms.raw import DELIVERY_SCHEMA, check_delivery, empty_delivery

SNAPSHOT = PROJECT_ROOT / "data" / "fred_snapshot"
VINTAGE = dt.date(2026, 11, 26)
# the snapshot source carries each row's vintage completeness (sources/snapshot_vintages.py)
SNAPSHOT_DELIVERY_SCHEMA = pl.Schema({**DELIVERY_SCHEMA, "vintage_completeness": pl.String})


# ---------------------------------------------------------------------------------------------- helpers


@pytest.fixture
def snap(tmp_path) -> Path:
    root = tmp_path / "fred_snapshot"
    shutil.copytree(SNAPSHOT, root)
    return root


def fetch(root: Path, ids: list[str]):
    return SnapshotSource(snapshot_dir=str(root)).fetch(ids, empty_delivery())


def source_error(root: Path, ids: list[str]) -> SourceError:
    with pytest.raises(SourceError) as info:
        fetch(root, ids)
    return info.value


def edit_manifest(root: Path, series_id: str, **changes: str) -> None:
    path = root / "MANIFEST.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    hits = [r for r in rows if r["series_id"] == series_id]
    assert len(hits) == 1
    hits[0].update(changes)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def rewrite_series(root: Path, series_id: str, text: str) -> None:
    """Replace a series file and make the manifest agree (sha256 and rows), so only the content can fail."""
    path = root / "series" / f"{series_id}.csv"
    path.write_text(text, encoding="utf-8")
    data_rows = len(text.splitlines()) - 1
    edit_manifest(root, series_id, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), rows=str(data_rows))


# ---------------------------------------------------------------------------------------------- delivers


def test_delivers_rows_stamped_with_the_snapshot_date(snap):
    delivery = fetch(snap, ["WALCL", "UNRATE"])
    obs = delivery.observations
    assert obs.schema == SNAPSHOT_DELIVERY_SCHEMA
    manifest = read_manifest(snap)
    assert obs.filter(pl.col("series_id") == "WALCL").height == int(manifest["WALCL"]["rows"]) == 1237
    assert obs.filter(pl.col("series_id") == "UNRATE").height == int(manifest["UNRATE"]["rows"])
    assert set(obs["realtime_start"].to_list()) == {VINTAGE}
    assert set(obs["realtime_end"].to_list()) == {dt.date(9999, 12, 31)}
    assert delivery.source == "fred_snapshot 2026-11-26"
    walcl = obs.filter(pl.col("series_id") == "WALCL")
    assert walcl["date"].min() == dt.date(2002, 12, 18)
    assert walcl["date"].max() == dt.date(2026, 8, 26)
    assert walcl.filter(pl.col("date") == dt.date(2026, 7, 22))["value"].item() == 6747378.0  # float-formatted
    assert walcl.filter(pl.col("date") == dt.date(2026, 1, 7))["value"].item() == 6573602.0
    check_delivery(obs)


def test_outcomes_report_rows_and_manifest_notes(snap):
    delivery = fetch(snap, ["WALCL", "UNRATE"])
    manifest = read_manifest(snap)
    assert [(o.series_id, o.status, o.rows) for o in delivery.outcomes] == [
        ("WALCL", "fetched", 1237), ("UNRATE", "fetched", int(manifest["UNRATE"]["rows"]))]
    assert delivery.outcomes[0].detail == manifest["WALCL"]["notes"]
    assert delivery.notes == {"WALCL": manifest["WALCL"]["notes"], "UNRATE": manifest["UNRATE"]["notes"]}
    frame = delivery.outcome_frame()
    assert frame.columns == ["series_id", "status", "rows", "detail", "source_last_updated"]
    assert frame["rows"].to_list() == [1237, int(manifest["UNRATE"]["rows"])]


def test_missing_observations_stay_as_nulls(snap):
    # the manifest notes that APU000072610 1985-09 is empty, as on FRED
    obs = fetch(snap, ["APU000072610"]).observations
    row = obs.filter(pl.col("date") == dt.date(1985, 9, 1))
    assert row.height == 1
    assert row["value"].item() is None


def test_series_not_in_the_manifest_is_missing_not_an_error(snap):
    delivery = fetch(snap, ["B935RY2Q224SBEA", "GDP", "Y034RY2Q224SBEA"])
    status = {o.series_id: (o.status, o.rows) for o in delivery.outcomes}
    assert status == {"B935RY2Q224SBEA": ("missing", 0), "GDP": ("fetched", int(read_manifest(snap)["GDP"]["rows"])),
                      "Y034RY2Q224SBEA": ("missing", 0)}
    assert set(delivery.observations["series_id"].to_list()) == {"GDP"}
    assert "B935RY2Q224SBEA" not in delivery.notes


def test_only_missing_series_give_an_empty_typed_delivery(snap):
    delivery = fetch(snap, ["B935RY2Q224SBEA"])
    assert delivery.observations.height == 0
    assert delivery.observations.schema == SNAPSHOT_DELIVERY_SCHEMA


def test_every_catalog_series_is_fetched_or_missing(snap):
    catalog_ids = load_catalog().series_ids()
    delivery = fetch(snap, catalog_ids)
    assert [o.series_id for o in delivery.outcomes] == catalog_ids
    missing = sorted(o.series_id for o in delivery.outcomes if o.status == "missing")
    assert missing == ["B935RY2Q224SBEA", "B985RY2Q224SBEA", "Y034RY2Q224SBEA"]
    assert sum(o.rows for o in delivery.outcomes) == delivery.observations.height


def test_vintage_follows_the_readme_date(snap):
    readme = snap / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("2026-11-26", "2027-01-15"), encoding="utf-8")
    delivery = fetch(snap, ["GDP"])
    assert set(delivery.observations["realtime_start"].to_list()) == {dt.date(2027, 1, 15)}
    assert delivery.source == "fred_snapshot 2027-01-15"
    assert SnapshotSource(snapshot_dir=str(snap)).describe() == "fred_snapshot 2027-01-15"


# ---------------------------------------------------------------------------------------------- failures


def test_missing_file_names_the_series(snap):
    (snap / "series" / "WDTGAL.csv").unlink()
    err = source_error(snap, ["WALCL", "WDTGAL"])
    assert list(err.failures) == ["WDTGAL"]
    assert "series/WDTGAL.csv is missing" in err.failures["WDTGAL"]
    assert "- WDTGAL: file series/WDTGAL.csv is missing" in str(err)


def test_sha256_mismatch_names_the_series(snap):
    path = snap / "series" / "UNRATE.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\n2020-04-01,", "\n2020-04-01,1"), encoding="utf-8")
    err = source_error(snap, ["GDP", "UNRATE"])
    assert list(err.failures) == ["UNRATE"]
    assert "sha256 of series/UNRATE.csv is" in err.failures["UNRATE"]
    assert read_manifest(snap)["UNRATE"]["sha256"] in err.failures["UNRATE"]


def test_manifest_row_count_mismatch_names_the_series(snap):
    edit_manifest(snap, "GDP", rows="1")
    err = source_error(snap, ["GDP"])
    actual = len((snap / "series" / "GDP.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert err.failures == {"GDP": f"{actual} rows, MANIFEST.csv says 1"}


def test_non_numeric_value_names_the_series_and_line(snap):
    rewrite_series(snap, "DGS10", "date,value\n2026-01-02,4.19\n2026-01-05,n/a\n2026-01-06,4.17\n")
    err = source_error(snap, ["DGS10", "DGS2"])
    assert list(err.failures) == ["DGS10"]
    assert err.failures["DGS10"] == "1 unreadable rows: line 3: value is not a number ('n/a')"


def test_helper_keeps_a_valid_rewritten_file_readable(snap):
    # the helper itself: a rewritten, consistent file is delivered (so the failures above are the content's)
    rewrite_series(snap, "DGS10", "date,value\n2026-01-02,4.19\n2026-01-05,.\n")
    obs = fetch(snap, ["DGS10"]).observations
    assert obs.select("date", "value").rows() == [(dt.date(2026, 1, 2), 4.19), (dt.date(2026, 1, 5), None)]


def test_all_failures_are_reported_together_and_nothing_is_delivered(snap):
    (snap / "series" / "WALCL.csv").unlink()
    edit_manifest(snap, "GDP", rows="3")
    rewrite_series(snap, "SOFR", "date,value\n2026-01-02,x\n")
    err = source_error(snap, ["WALCL", "UNRATE", "GDP", "SOFR"])
    assert sorted(err.failures) == ["GDP", "SOFR", "WALCL"]
    assert str(err).splitlines()[0] == "3 series could not be read:"
    assert [line.split(":")[0] for line in str(err).splitlines()[1:]] == ["- GDP", "- SOFR", "- WALCL"]


def test_readme_without_a_snapshot_date_is_an_error(snap):
    (snap / "README.md").write_text("# FRED snapshot\n\nAssembled some time in 2026.\n", encoding="utf-8")
    with pytest.raises(SnapshotError, match="Snapshot date"):
        fetch(snap, ["GDP"])


def test_missing_readme_is_an_error(snap):
    (snap / "README.md").unlink()
    with pytest.raises(SnapshotError, match=r"README.md is missing"):
        fetch(snap, ["GDP"])


def test_missing_manifest_is_an_error(snap):
    (snap / "MANIFEST.csv").unlink()
    with pytest.raises(SnapshotError, match=r"MANIFEST.csv is missing"):
        fetch(snap, ["GDP"])


def test_manifest_with_another_header_is_an_error(snap):
    path = snap / "MANIFEST.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("sha256", "checksum", 1), encoding="utf-8")
    with pytest.raises(SnapshotError, match="header must be"):
        fetch(snap, ["GDP"])


@pytest.mark.parametrize("bad_id", ["../MANIFEST", "gdp", "GDP;DROP TABLE x"])
def test_bad_series_ids_are_refused_before_any_file_is_touched(snap, bad_id):
    with pytest.raises(CatalogError):
        fetch(snap, [bad_id])
