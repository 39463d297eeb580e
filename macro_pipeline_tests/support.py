"""Helpers shared by the test suites: a private copy of the snapshot, in-process runs, and failure texts."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR
from macro_pipeline.settings import PROJECT_ROOT

SNAPSHOT_DIR = PROJECT_ROOT / "data" / "fred_snapshot"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_snapshot(target: Path) -> Path:
    shutil.copytree(SNAPSHOT_DIR, target)
    return target


def copy_catalog(target: Path) -> Path:
    shutil.copytree(PACKAGED_CATALOG_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def copy_reference(target: Path) -> Path:
    shutil.copytree(REFERENCE_DIR, target)
    return target


def write_series(snapshot_dir: Path, series_id: str, text: str, *, update_manifest: bool = True) -> None:
    """Replace a series file and, like a well-formed snapshot, record its sha256 and row count in the manifest."""
    (snapshot_dir / "series" / f"{series_id}.csv").write_text(text, encoding="utf-8")
    if update_manifest:
        rows = max(len(text.strip().splitlines()) - 1, 0)
        set_manifest(snapshot_dir, series_id, sha256=hashlib.sha256(text.encode()).hexdigest(), rows=str(rows))


def set_manifest(snapshot_dir: Path, series_id: str, **fields: str) -> None:
    path = snapshot_dir / "MANIFEST.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        if row["series_id"] == series_id:
            row.update(fields)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def read_series(snapshot_dir: Path, series_id: str) -> str:
    return (snapshot_dir / "series" / f"{series_id}.csv").read_text(encoding="utf-8")


def set_snapshot_date(snapshot_dir: Path, date: str) -> None:
    readme = snapshot_dir / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("Snapshot date: 2026-11-26", f"Snapshot date: {date}"), encoding="utf-8")


@dataclass
class RunOutcome:
    success: bool
    failure_text: str
    result: dg.ExecuteInProcessResult


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """Everything a user is told about a failed run: step errors (with causes) and failed check descriptions."""
    parts = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error is not None:
                parts.append(error.message)
                error = error.cause
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            parts.append(event.event_specific_data.description or "")
    return "\n".join(parts)


def run_pipeline(data_dir: Path, snapshot_dir: Path, catalog_dir: Path | None = None,
                 reference_dir: Path | None = None, chart_book: bool = False) -> RunOutcome:
    """Materialize the whole graph in process, as build_warehouse_job does, against private folders. The chart
    book (12 s of PNG rendering, two thirds of a run) is left out unless asked for: the tests of other behaviour
    do not read it, and tests/integration/test_chart_book.py and the command-line tests build it."""
    from macro_pipeline.definitions import defs
    from macro_pipeline.defs.resources import CatalogResource
    from macro_pipeline.sources import SnapshotSource
    from macro_pipeline.warehouse import Warehouse

    definitions = defs()
    assets = list(definitions.assets or [])
    checks = list(definitions.asset_checks or [])
    selection = dg.AssetSelection.all(include_sources=False)
    if not chart_book:
        selection = selection - dg.AssetSelection.assets(dg.AssetKey(["published", "chart_book"]))
    result = dg.materialize(
        [*assets, *checks], selection=selection,
        resources={
            "catalog": CatalogResource(directory=str(catalog_dir or ""),
                                       reference_directory=str(reference_dir or REFERENCE_DIR)),
            "source": SnapshotSource(snapshot_dir=str(snapshot_dir)),
            "warehouse": Warehouse(data_dir=str(data_dir)),
        },
        raise_on_error=False,
    )
    return RunOutcome(result.success, failure_text(result), result)


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run a query on a DuckDB file opened read-only, as an analyst would, and close it again."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
