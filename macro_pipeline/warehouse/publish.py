"""Publishing the analyst file: build a new DuckDB file beside the old one, check it, rename it into place.

The file is written in DuckDB storage version v1.2.0 so DuckDB 1.2 and later clients can open it. A run that
fails or is killed before the rename leaves the previous file untouched; readers that hold the old file keep it.

Run history: ``meta.runs`` lives in the working database, which only the pipeline opens; the published table is
written from it. Before each build the history of the previous published file is merged in (the first run after
an upgrade seeds it; a run killed between the rename and its own record is recovered). A previous file that
cannot be read (held read-write by an analyst, locked, truncated) is reported, never taken as "no history": with
a history in the working database the run goes on with a warning; without one it stops, since publishing would
lose the earlier runs.
"""

from __future__ import annotations

import contextlib
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
    # why the previous published file could not lend its history (the history came from the working database)
    history_warning: str | None = None
    runs_recovered: int = 0


@dataclass(frozen=True)
class HistoryMerge:
    """What merging the previous published file's meta.runs into the working database found."""

    runs_in_working: int
    runs_recovered: int
    warning: str | None


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
    history = merge_previous_history(working, published)
    build = build_path_for(published, run.run_id)
    finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        row_counts = _build(working, build, run, finished_at)
        _verify(build, row_counts)
        _fsync(build)
        os.replace(build, published)
        _fsync(published.parent)
    except BaseException:
        build.unlink(missing_ok=True)
        Path(f"{build}.wal").unlink(missing_ok=True)
        raise
    _record_run(working, run, finished_at, row_counts)
    return PublishResult(published, row_counts, published.stat().st_size, history.warning, history.runs_recovered)


def merge_previous_history(working: Path, published: Path) -> HistoryMerge:
    """Copy into the working database's meta.runs every run the previous published file lists and it lacks.

    Raises PublishError when the previous file exists but cannot be read and the working database has no
    history of its own: publishing then would silently drop every earlier run.
    """
    con = duckdb.connect(str(working))
    try:
        own = con.execute("SELECT count(*) FROM meta.runs").fetchall()[0][0]
        if not published.exists():
            return HistoryMerge(own, 0, None)
        try:
            previous = _read_previous_runs(con, published)
        except duckdb.Error as err:
            problem = _first_line(err)
            if own == 0:
                raise PublishError(
                    f"the run history in the previous published file {published} cannot be read ({problem}); "
                    "publishing now would start a new history. Close the program that holds it (a duckdb session "
                    "opened without -readonly, duckdb.connect without read_only=True) and run again, or move the "
                    "file aside to start a new history.") from None
            runs = f"{own} run{'s' if own != 1 else ''}"
            return HistoryMerge(own, 0, f"the previous published file {published} could not be read ({problem}); "
                                        f"its run history was taken from the working database ({runs})")
        if previous is None:
            runs = f"{own} run{'s' if own != 1 else ''}"
            return HistoryMerge(own, 0, f"the previous published file {published} has no meta.runs table; "
                                        f"the history starts from the working database ({runs})")
        con.register("previous_runs", previous)
        recovered = con.execute("INSERT INTO meta.runs SELECT * FROM previous_runs WHERE run_id NOT IN "
                                "(SELECT run_id FROM meta.runs)").fetchall()[0][0]
        con.unregister("previous_runs")
        return HistoryMerge(own + recovered, recovered, None)
    finally:
        con.close()


def _read_previous_runs(con: duckdb.DuckDBPyConnection, published: Path):
    """The previous file's meta.runs as an Arrow table (None: the file has no such table); raises duckdb.Error."""
    con.execute(f"ATTACH {_path_literal(published)} AS previous (READ_ONLY)")
    try:
        has_runs = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' "
                               "AND schema_name = 'meta' AND table_name = 'runs'").fetchall()[0][0]
        if not has_runs:
            return None
        # read in full here: a truncated file fails now, not halfway through the insert
        return con.sql("SELECT * FROM previous.meta.runs").to_arrow_table()
    finally:
        with contextlib.suppress(duckdb.Error):  # the original error says what is wrong with the file
            con.execute("DETACH previous")


def _record_run(working: Path, run: RunRecord, finished_at: dt.datetime, row_counts: dict[str, int]) -> None:
    """Add the published run to the working database's history (the file is already in place)."""
    con = duckdb.connect(str(working))
    try:
        con.execute("DELETE FROM meta.runs WHERE run_id = ?", [run.run_id])
        con.execute(_INSERT_RUN, _run_values(run, finished_at, row_counts))
    finally:
        con.close()


_INSERT_RUN = "INSERT INTO meta.runs VALUES (?, ?, ?, ?, 'published', map(?::VARCHAR[], ?::BIGINT[]), ?)"


def _run_values(run: RunRecord, finished_at: dt.datetime, row_counts: dict[str, int]) -> list:
    return [run.run_id, run.started_at, finished_at, run.source, list(row_counts), list(row_counts.values()),
            run.series_report]


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _build(working: Path, build: Path, run: RunRecord, finished_at: dt.datetime) -> dict[str, int]:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_path_literal(working)} AS work (READ_ONLY)")
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
        row_counts["meta.runs"] = _write_runs(con, run, finished_at, row_counts)
        for stmt in split_statements(load_sql("pipeline/raw_views")):
            con.execute(stmt)
        con.execute("CHECKPOINT pub")
        con.execute("USE memory")
        con.execute("DETACH pub")
    finally:
        con.close()
    return row_counts


def _write_runs(con: duckdb.DuckDBPyConnection, run: RunRecord, finished_at: dt.datetime,
                row_counts: dict[str, int]) -> int:
    # the history is the working database's (merged with the previous file's by merge_previous_history)
    con.execute("INSERT INTO meta.runs SELECT * FROM work.meta.runs WHERE run_id <> ? ORDER BY started_at",
                [run.run_id])
    counts = dict(row_counts)
    counts["meta.runs"] = con.execute("SELECT count(*) FROM meta.runs").fetchall()[0][0] + 1
    row_counts["meta.runs"] = counts["meta.runs"]
    con.execute(_INSERT_RUN, _run_values(run, finished_at, counts))
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
