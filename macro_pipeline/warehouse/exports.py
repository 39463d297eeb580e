"""Exports of the published file: Parquet for every published table, CSV for the indicators and the scorecard,
written beside the file (``exports/``) with the guarantee of ``warehouse.beside``."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from macro_pipeline.schemas import export_files, tables
from macro_pipeline.sql import qualified, quote_identifier
from macro_pipeline.warehouse.beside import install_build, start_build

EXPORTS_FOLDER = "exports"


def exports_path(published: Path) -> Path:
    return published.parent / EXPORTS_FOLDER


def write_exports(published: Path, build_id: str) -> dict[str, int]:
    """Every export of the published file (opened read-only, as an analyst opens it), installed atomically per
    file. Returns file name -> rows. List columns (e.g. indicator_ids) go to CSV as ';'-separated text."""
    target = exports_path(published)
    build = start_build(target, build_id)
    rows: dict[str, int] = {}
    try:
        con = duckdb.connect(str(published), read_only=True)
        try:
            for spec in tables():
                if not spec.published:
                    continue
                count = con.execute(f"SELECT count(*) FROM {qualified(spec.name)}").fetchall()[0][0]
                for name in export_files(spec.name):
                    if name.endswith(".parquet"):
                        select, options = f"SELECT * FROM {qualified(spec.name)}", "FORMAT parquet, COMPRESSION zstd"
                    else:
                        cols = ", ".join(
                            f"array_to_string({quote_identifier(c.name)}, ';') AS {quote_identifier(c.name)}"
                            if c.duckdb_type.endswith("[]") else quote_identifier(c.name) for c in spec.columns)
                        select, options = f"SELECT {cols} FROM {qualified(spec.name)}", "FORMAT csv, HEADER true"
                    path = str(build / name).replace("'", "''")
                    con.execute(f"COPY ({select}) TO '{path}' ({options})")
                    rows[name] = count
        finally:
            con.close()
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    install_build(target, build)
    return rows
