"""Where things live. Read when definitions are built or a command runs, never at import."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"

DATA_DIR_ENV = "MACRO_PIPELINE_DATA_DIR"
SNAPSHOT_DIR_ENV = "MACRO_PIPELINE_SNAPSHOT_DIR"
REFERENCE_DIR_ENV = "MACRO_PIPELINE_REFERENCE_DIR"
SOURCE_ENV = "MACRO_PIPELINE_SOURCE"
FRED_ROOT_URL_ENV = "MACRO_PIPELINE_FRED_ROOT_URL"
FRED_VINTAGES_ENV = "MACRO_PIPELINE_FRED_VINTAGES"
FRED_API_KEY_ENV = "FRED_API_KEY"  # read by Dagster's EnvVar when a run starts, never here
PUBLISHED_FILE_NAME = "macro.duckdb"


def data_dir() -> Path:
    """Folder of the published file (macro.duckdb) and the working database (work/); default <project>/data."""
    return Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT / "data")


def snapshot_dir() -> Path:
    """Folder of the embedded FRED snapshot; default <project>/data/fred_snapshot."""
    return Path(os.environ.get(SNAPSHOT_DIR_ENV) or PROJECT_ROOT / "data" / "fred_snapshot")


def reference_dir() -> Path:
    """Folder of the cited reference tables; default <project>/data/reference."""
    return Path(os.environ.get(REFERENCE_DIR_ENV) or PROJECT_ROOT / "data" / "reference")


def source_kind() -> str:
    """'fred' or 'snapshot' from MACRO_PIPELINE_SOURCE (default snapshot); anything else is a configuration error."""
    kind = (os.environ.get(SOURCE_ENV) or "snapshot").strip().lower()
    if kind not in ("fred", "snapshot"):
        raise ValueError(f"{SOURCE_ENV} must be 'fred' or 'snapshot', not {kind!r}")
    return kind


def fred_root_url(default: str) -> str:
    """FRED API root from MACRO_PIPELINE_FRED_ROOT_URL (a mirror or a test server), else ``default``."""
    return os.environ.get(FRED_ROOT_URL_ENV) or default


def fred_vintages() -> bool:
    """Whether the live source fetches every FRED vintage (MACRO_PIPELINE_FRED_VINTAGES=1) or the latest only."""
    value = (os.environ.get(FRED_VINTAGES_ENV) or "0").strip().lower()
    if value not in ("0", "1", "true", "false", "yes", "no"):
        raise ValueError(f"{FRED_VINTAGES_ENV} must be 1 or 0, not {value!r}")
    return value in ("1", "true", "yes")
