"""The pipeline's working database: a DuckDB file only the pipeline writes, separate from the published one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from pydantic import PrivateAttr

from macro_pipeline.catalog import validate_series_id
from macro_pipeline.schemas import TableSpec, table, tables
from macro_pipeline.settings import PUBLISHED_FILE_NAME
from macro_pipeline.sql import load_sql, qualified, quote_identifier, split_statements
from macro_pipeline.warehouse.ddl import create_table
from macro_pipeline.warehouse.migrations import migrate_history_tables

# schemas of the tables that are not in the registry: parsed reference and catalog files, each written whole by
# its own asset (their columns come from the file and its parser)
FILE_TABLE_SCHEMAS = ("reference", "config")


class Warehouse(dg.ConfigurableResource):
    """Paths of the published file (``<data_dir>/macro.duckdb``) and the working database
    (``<data_dir>/work/pipeline.duckdb``), and table I/O on the working database."""

    data_dir: str
    # DuckDB's own buffers in the working database; past this it spills to disk. Without a cap, merging a
    # 25 M-row delivery took the process to 6.8 GB (bench P2); with 2 GB it peaks at 4.9 GB, no slower.
    duckdb_memory_limit: str = "2GB"

    @property
    def published_path(self) -> Path:
        return Path(self.data_dir) / PUBLISHED_FILE_NAME

    @property
    def working_path(self) -> Path:
        return Path(self.data_dir) / "work" / "pipeline.duckdb"

    # In a run, one connection to the working database is held from the first read to the publish step, and each
    # read or write takes a cursor on it: opening the file, replaying its log, checking every registry table and
    # checkpointing on close cost ~20 ms a time, ~500 times a run (half of a run's 18 s, measured with cProfile).
    _hold_open: bool = PrivateAttr(default=False)
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._hold_open = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.release()

    def release(self) -> None:
        """Close the held connection (checkpointing the file) and open one per use from now on: the publish step
        reads the working database from connections of its own, which DuckDB refuses while another is open in
        this process with different settings."""
        self._hold_open = False
        held, self._held = self._held, None
        if held is not None:
            held.close()

    @contextlib.contextmanager
    def transient(self) -> Iterator[None]:
        """Inside the block each use opens and closes the file, as outside a run. For the bulk steps (raw and
        staging): a held database keeps the pages it read in its buffers (up to ``duckdb_memory_limit``) while
        polars validates millions of rows beside them; closed after each use, DuckDB frees them at once. After
        the block the next use holds a connection again (if the run held one)."""
        holding = self._hold_open
        self.release()
        try:
            yield
        finally:
            self._hold_open = holding

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the working database, with every registry table created."""
        if self._held is None:
            self.working_path.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(self.working_path), config={"memory_limit": self.duckdb_memory_limit})
            try:
                _ensure_tables(con)
            except BaseException:
                con.close()
                raise
            if not self._hold_open:
                try:
                    yield con
                finally:
                    con.close()
                return
            self._held = con
        cursor = self._held.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def read(self, name: str, where: str = "", params: list | None = None) -> pl.DataFrame:
        spec = table(name)
        cols = ", ".join(quote_identifier(c) for c in spec.column_names())
        with self.connect() as con:
            return con.sql(f"SELECT {cols} FROM {qualified(name)} {where}", params=params or None).pl()

    def read_series(self, name: str, series_ids: list[str] | tuple[str, ...]) -> pl.DataFrame:
        """Rows of ``name`` for the given series only; ids are validated and bound, never spliced into SQL."""
        ids = [validate_series_id(series_id) for series_id in series_ids]
        if not ids:
            return self.read(name, "WHERE false")
        return self.read(name, f"WHERE series_id IN ({', '.join('?' * len(ids))})", ids)

    def read_first_release(self, series_ids: list[str] | tuple[str, ...]) -> pl.DataFrame:
        """The first vintage the store holds of each observation of these series (raw.observations_first_release,
        the view analysts get): series_id, date, value, realtime_start."""
        ids = [validate_series_id(series_id) for series_id in series_ids] or [""]
        with self.connect() as con:
            return con.sql("SELECT series_id, date, value, realtime_start FROM raw.observations_first_release "
                           f"WHERE series_id IN ({', '.join('?' * len(ids))}) ORDER BY series_id, date",
                           params=ids).pl()

    def read_latest(self, where: str = "", params: list | None = None) -> pl.DataFrame:
        """The latest vintage of every observation (series_id, date, value, realtime_start), selected by DuckDB:
        the whole history never enters memory.

        These are the open rows (realtime_end = 9999-12-31): the merge keeps exactly one open row per (series_id,
        date), its latest vintage, so this is what the raw.observations_latest view (a row_number() window over
        the whole history) gives analysts, at a quarter of the cost at 25 M rows (tested to agree, bench P2)."""
        from macro_pipeline.transforms.validation import sorted_by

        with self.connect() as con:
            # no ORDER BY: a filtered scan keeps the insertion order, which is key order for a store the sources
            # filled (then sorted_by only checks it: 3 s instead of 8.5 s at 25 M rows)
            latest = con.sql("SELECT series_id, date, value, realtime_start FROM (SELECT series_id, date, value, "
                             "realtime_start FROM raw.observations WHERE realtime_end = DATE '9999-12-31') "
                             f"{where}", params=params or None).pl()
        return sorted_by(latest, ("series_id", "date"))

    def replace(self, name: str, frame: pl.DataFrame) -> int:
        """Replace a table's rows with ``frame`` (registry column order) in one transaction; returns row count.

        A derived table is rebuilt from its model's DDL (``CREATE OR REPLACE``), so a changed column never breaks
        an existing data folder; a history table (raw.observations, meta.runs) keeps its table and is never
        rebuilt (its shape changes only through ``warehouse.migrations``)."""
        spec = table(name)
        frame = frame.select(spec.column_names())
        with self.connect() as con:
            con.begin()
            if spec.history:
                con.execute(f"DELETE FROM {qualified(name)}")
            else:
                con.execute(_create_or_replace(spec))
            _insert_frame(con, qualified(name), frame)
            con.commit()
        return frame.height

    def upsert(self, name: str, frame: pl.DataFrame, key: str) -> None:
        """Replace the rows of ``name`` whose ``key`` is in ``frame`` (status tables written one row at a time)."""
        spec = table(name)
        frame = frame.select(spec.column_names())
        cols = ", ".join(quote_identifier(c) for c in spec.column_names())
        with self.connect() as con:
            con.begin()
            con.register("incoming", frame)
            con.execute(f"DELETE FROM {qualified(name)} WHERE {quote_identifier(key)} IN "
                        f"(SELECT {quote_identifier(key)} FROM incoming)")
            con.execute(f"INSERT INTO {qualified(name)} ({cols}) SELECT {cols} FROM incoming")
            con.unregister("incoming")
            con.commit()

    def replace_file_table(self, name: str, frame: pl.DataFrame) -> int:
        """Replace a parsed reference or catalog file's table (``reference.<x>`` / ``config.<x>``) whole."""
        schema, _, _ = name.partition(".")
        if schema not in FILE_TABLE_SCHEMAS:
            raise ValueError(f"{name}: file tables live in the schemas {FILE_TABLE_SCHEMAS}")
        with self.connect() as con:
            con.begin()
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}")
            con.register("incoming", frame)
            con.execute(f"CREATE OR REPLACE TABLE {qualified(name)} AS SELECT * FROM incoming")
            con.unregister("incoming")
            con.commit()
        return frame.height

    def read_file_table(self, name: str) -> pl.DataFrame:
        schema, _, _ = name.partition(".")
        if schema not in FILE_TABLE_SCHEMAS:
            raise ValueError(f"{name}: file tables live in the schemas {FILE_TABLE_SCHEMAS}")
        with self.connect() as con:
            return con.sql(f"SELECT * FROM {qualified(name)}").pl()


    @contextlib.contextmanager
    def batched_replace(self, name: str) -> Iterator[BatchedReplace]:
        """Replace a derived table with frames written a batch at a time (a full staging, batch by batch): they go
        to a build table beside it, which ``commit()`` swaps in, in one transaction. Leaving the block without
        ``commit()`` (a batch failed validation, or an error) drops the build table: the table is as it was."""
        spec = table(name)
        if spec.history:
            raise ValueError(f"{name} is a history table: it is never replaced")
        build = BatchedReplace(self, spec)
        with self.connect() as con:
            con.execute(build.create_sql())
        try:
            yield build
        finally:
            if not build.committed:
                with self.connect() as con:
                    con.execute(f"DROP TABLE IF EXISTS {build.qualified_build}")

    def replace_series(self, name: str, frame: pl.DataFrame, series_ids: list[str]) -> int:
        """Replace the rows of the given series in a table with ``frame`` in one transaction (ids bound)."""
        spec = table(name)
        frame = frame.select(spec.column_names())
        ids = [validate_series_id(s) for s in series_ids]
        with self.connect() as con:
            con.begin()
            if ids:
                con.execute(f"DELETE FROM {qualified(name)} WHERE series_id IN ({', '.join('?' * len(ids))})", ids)
            _insert_frame(con, qualified(name), frame)
            con.commit()
        return frame.height


class BatchedReplace:
    """The build table of ``Warehouse.batched_replace``: ``append`` a batch, then ``commit`` the whole."""

    def __init__(self, warehouse: Warehouse, spec: TableSpec) -> None:
        self.warehouse, self.spec = warehouse, spec
        self.build_name = f"{spec.table}__build"
        self.qualified_build = f"{quote_identifier(spec.schema)}.{quote_identifier(self.build_name)}"
        self.rows = 0
        self.committed = False

    def create_sql(self) -> str:
        # the model's DDL under the build table's name (same columns, types and constraints)
        return _create_or_replace(self.spec, self.qualified_build)

    def append(self, frame: pl.DataFrame) -> None:
        frame = frame.select(self.spec.column_names())
        with self.warehouse.connect() as con:
            _insert_frame(con, self.qualified_build, frame)
        self.rows += frame.height

    def commit(self) -> int:
        # the build table has the model's DDL: renamed in place of the table rather than copied into it (a copy of
        # 25 M staged rows took 4.8 s); views over the table bind by name, so they read the new one
        with self.warehouse.connect() as con:
            con.begin()
            con.execute(f"DROP TABLE IF EXISTS {qualified(self.spec.name)}")
            con.execute(f"ALTER TABLE {self.qualified_build} RENAME TO {quote_identifier(self.spec.table)}")
            con.commit()
        self.committed = True
        return self.rows


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing registry tables; migrate history tables; rebuild (empty) a derived table whose stored
    columns no longer match its model, so reading it never fails on a data folder an older version built."""
    stored: dict[str, list[str]] = {}
    for schema, name, column in con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index").fetchall():
        stored.setdefault(f"{schema}.{name}", []).append(column)
    specs = tables()
    migrated = migrate_history_tables(con, [s for s in specs if s.history and s.name in stored], stored)
    for spec in specs:
        if spec.name in stored and (spec.history or stored[spec.name] == spec.column_names()):
            continue
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(spec.schema)}")
        con.execute(_create_or_replace(spec))
    has_views = con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'raw' "
                            "AND view_name = 'observations_first_release'").fetchall()[0][0]
    if not has_views or migrated:
        # the raw layer's views and as-of macro, exactly as published, so the pipeline reads what analysts read
        # (recreated after a migration: a view written before a new column does not show it)
        for statement in split_statements(load_sql("pipeline/raw_views")):
            con.execute(statement)


def _create_or_replace(spec: TableSpec, target: str | None = None) -> str:
    return create_table(spec, target).replace("CREATE TABLE", "CREATE OR REPLACE TABLE", 1)


def _insert_frame(con: duckdb.DuckDBPyConnection, target: str, frame: pl.DataFrame) -> None:
    """Insert a frame already in the table's column names and order into ``target`` (a quoted, qualified name)."""
    cols = ", ".join(quote_identifier(c) for c in frame.columns)
    con.register("incoming", frame)
    try:
        con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM incoming")
    finally:
        con.unregister("incoming")
