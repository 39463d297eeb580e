"""The pipeline's working database: a DuckDB file only the pipeline writes, separate from the published one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from macro_pipeline.catalog import validate_series_id
from macro_pipeline.schemas import TABLES, table
from macro_pipeline.settings import PUBLISHED_FILE_NAME
from macro_pipeline.sql import load_sql, qualified, quote_identifier, split_statements
from macro_pipeline.warehouse.ddl import create_table


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

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the working database, with every registry table created."""
        self.working_path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.working_path), config={"memory_limit": self.duckdb_memory_limit})
        try:
            _ensure_tables(con)
            yield con
        finally:
            con.close()

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

    def read_latest(self, where: str = "", params: list | None = None) -> pl.DataFrame:
        """The latest vintage of every observation (series_id, date, value, realtime_start), selected by DuckDB
        through the same raw.observations_latest view analysts get: the whole history never enters memory."""
        with self.connect() as con:
            return con.sql(f"SELECT series_id, date, value, realtime_start FROM raw.observations_latest {where} "
                           "ORDER BY series_id, date", params=params or None).pl()

    def replace(self, name: str, frame: pl.DataFrame) -> int:
        """Replace a table's rows with ``frame`` (registry column order) in one transaction; returns row count."""
        spec = table(name)
        frame = frame.select(spec.column_names())
        with self.connect() as con:
            con.begin()
            con.register("incoming", frame)
            con.execute(f"DELETE FROM {qualified(name)}")
            con.execute(f"INSERT INTO {qualified(name)} SELECT * FROM incoming")
            con.unregister("incoming")
            con.commit()
        return frame.height


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    existing = {f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
    for spec in TABLES:
        if spec.name in existing:
            continue
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(spec.schema)}")
        con.execute(create_table(spec))
    has_views = con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'raw' "
                            "AND view_name = 'observations_latest'").fetchall()[0][0]
    if not has_views:
        # the raw layer's view and as-of macro, exactly as published, so the pipeline reads what analysts read
        for statement in split_statements(load_sql("pipeline/raw_views")):
            con.execute(statement)
