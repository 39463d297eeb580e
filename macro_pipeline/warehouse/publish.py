"""Publishing the analyst file: build a new DuckDB file beside the old one, check it, rename it into place.

The file is written in DuckDB storage version v1.2.0 so the 1.x clients analysts use can open it. A run that
fails or is killed before the rename leaves the previous file untouched; readers that hold the old file keep it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from macro_pipeline.schemas import TableSpec, tables
from macro_pipeline.sql import load_sql, qualified, quote_identifier, split_statements
from macro_pipeline.warehouse.ddl import comments, create_table
from macro_pipeline.warehouse.precision import rounded_select_list

STORAGE_VERSION = "v1.2.0"
BUILD_SUFFIX = ".building"


class PublishError(RuntimeError):
    """The new file failed its checks; the published file was not touched."""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: dt.datetime
    source: str
    series_report: str


@dataclass(frozen=True)
class PublishResult:
    path: Path
    row_counts: dict[str, int]
    bytes: int


def build_path_for(published: Path, run_id: str) -> Path:
    return published.with_name(f".{published.name}.{run_id}{BUILD_SUFFIX}")


def remove_stale_builds(published: Path) -> list[Path]:
    """Delete half-built files that killed runs left behind (never the published file)."""
    stale = sorted(published.parent.glob(f".{published.name}.*{BUILD_SUFFIX}*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _published_specs() -> list[TableSpec]:
    return [t for t in tables() if t.published]


def publish_file(working: Path, published: Path, run: RunRecord) -> PublishResult:
    """Build, verify and atomically install the analyst file from the working database."""
    published.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(published)
    build = build_path_for(published, run.run_id)
    try:
        row_counts = _build(working, published, build, run)
        _verify(build, row_counts)
        _fsync(build)
        os.replace(build, published)
        _fsync(published.parent)
    except BaseException:
        build.unlink(missing_ok=True)
        Path(f"{build}.wal").unlink(missing_ok=True)
        raise
    return PublishResult(published, row_counts, published.stat().st_size)


def _build(working: Path, published: Path, build: Path, run: RunRecord) -> dict[str, int]:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_path_literal(working)} AS work (READ_ONLY)")
        has_previous = published.exists() and _attach_previous(con, published)
        con.execute(f"ATTACH {_path_literal(build)} AS pub (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE pub")
        row_counts: dict[str, int] = {}
        for spec in _published_specs():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(spec.schema)}")
            con.execute(create_table(spec))
            for stmt in comments(spec):
                con.execute(stmt)
            if spec.name == "meta.runs":
                continue
            cols = ", ".join(quote_identifier(c) for c in spec.column_names())
            # values rounded to the precision their unit declares (warehouse/precision.py)
            con.execute(f"INSERT INTO {qualified(spec.name)} ({cols}) SELECT {rounded_select_list(spec)} "
                        f"FROM work.{qualified(spec.name)}")
            row_counts[spec.name] = con.execute(f"SELECT count(*) FROM {qualified(spec.name)}").fetchall()[0][0]
        row_counts["meta.runs"] = _write_runs(con, has_previous, run, row_counts)
        for stmt in split_statements(load_sql("pipeline/raw_views")):
            con.execute(stmt)
        con.execute("CHECKPOINT pub")
        con.execute("USE memory")
        con.execute("DETACH pub")
    finally:
        con.close()
    return row_counts


def _attach_previous(con: duckdb.DuckDBPyConnection, published: Path) -> bool:
    try:
        con.execute(f"ATTACH {_path_literal(published)} AS previous (READ_ONLY)")
        con.execute("SELECT count(*) FROM previous.meta.runs").fetchone()
        return True
    except duckdb.Error:
        # an unreadable or pre-meta file cannot lend its history; the new file starts a new one
        return False


def _write_runs(con: duckdb.DuckDBPyConnection, has_previous: bool, run: RunRecord,
                row_counts: dict[str, int]) -> int:
    if has_previous:
        con.execute("INSERT INTO meta.runs SELECT * FROM previous.meta.runs WHERE run_id <> ? ORDER BY started_at",
                    [run.run_id])
    counts = dict(row_counts)
    counts["meta.runs"] = con.execute("SELECT count(*) FROM meta.runs").fetchall()[0][0] + 1
    con.execute(
        "INSERT INTO meta.runs VALUES (?, ?, ?, ?, 'published', map(?::VARCHAR[], ?::BIGINT[]), ?)",
        [run.run_id, run.started_at, dt.datetime.now(dt.UTC).replace(tzinfo=None), run.source,
         list(counts), list(counts.values()), run.series_report])
    return counts["meta.runs"]


def _verify(build: Path, expected: dict[str, int]) -> None:
    """Open the new file read-only, as an analyst would, and check every table, comment, view and macro."""
    con = duckdb.connect(str(build), read_only=True)
    try:
        for spec in _published_specs():
            got = con.execute(f"SELECT count(*) FROM {qualified(spec.name)}").fetchall()[0][0]
            if got != expected[spec.name]:
                raise PublishError(f"{spec.name}: {got} rows in the new file, expected {expected[spec.name]}")
            uncommented = con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "AND coalesce(comment, '') = ''", [spec.schema, spec.table]).fetchall()
            if uncommented:
                raise PublishError(f"{spec.name}: columns without a COMMENT: {[u[0] for u in uncommented]}")
        con.execute("SELECT count(*) FROM raw.observations_latest").fetchone()
        con.execute("SELECT count(*) FROM raw.observations_as_of(DATE '9999-12-31')").fetchone()
    finally:
        con.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _path_literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
