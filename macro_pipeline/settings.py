"""Where things live. Read when definitions are built or a command runs, never at import."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"

DATA_DIR_ENV = "MACRO_PIPELINE_DATA_DIR"
SNAPSHOT_DIR_ENV = "MACRO_PIPELINE_SNAPSHOT_DIR"
PUBLISHED_FILE_NAME = "macro.duckdb"


def data_dir() -> Path:
    """Folder of the published file (macro.duckdb) and the working database (work/); default <project>/data."""
    return Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT / "data")


def snapshot_dir() -> Path:
    """Folder of the embedded FRED snapshot; default <project>/data/fred_snapshot."""
    return Path(os.environ.get(SNAPSHOT_DIR_ENV) or PROJECT_ROOT / "data" / "fred_snapshot")
