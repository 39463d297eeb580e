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
FRED_DEADLINE_ENV = "MACRO_PIPELINE_FRED_DEADLINE_SECONDS"
FRED_API_KEY_ENV = "FRED_API_KEY"  # read by Dagster's EnvVar when a run starts, never here
PUBLISHED_FILE_NAME = "macro.duckdb"
# a whole live refresh (every request, retry and backoff) ends within this budget; a cold run makes ~150 requests
DEFAULT_FRED_DEADLINE_SECONDS = 600.0
SOURCES = {"snapshot": "the embedded FRED snapshot, offline; the default", "fred": "the live FRED API"}
BUILD_JOB = "build_warehouse_job"
LIVE_JOB = "live_refresh_job"


class SettingsError(ValueError):
    """A setting is wrong; the message names the setting, what it holds and what it may hold."""


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
    if kind not in SOURCES:
        allowed = ", ".join(f"{name} ({what})" for name, what in SOURCES.items())
        raise SettingsError(f"{SOURCE_ENV}={kind!r} is not a source; allowed: {allowed}")
    return kind


def fred_root_url(default: str) -> str:
    """FRED API root from MACRO_PIPELINE_FRED_ROOT_URL (a mirror or a test server), else ``default``."""
    return os.environ.get(FRED_ROOT_URL_ENV) or default


def fred_vintages() -> bool:
    """Whether the live source fetches every FRED vintage (MACRO_PIPELINE_FRED_VINTAGES=1) or the latest only."""
    value = (os.environ.get(FRED_VINTAGES_ENV) or "0").strip().lower()
    if value not in ("0", "1", "true", "false", "yes", "no"):
        raise SettingsError(f"{FRED_VINTAGES_ENV}={value!r} is not allowed; use 1 (every vintage) or 0 (latest only)")
    return value in ("1", "true", "yes")


def fred_deadline_seconds() -> float:
    """The time budget of one live refresh (MACRO_PIPELINE_FRED_DEADLINE_SECONDS, default 600)."""
    text = (os.environ.get(FRED_DEADLINE_ENV) or "").strip()
    if not text:
        return DEFAULT_FRED_DEADLINE_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{FRED_DEADLINE_ENV}={text!r} is not allowed; use a number of seconds above 0 "
                            f"(default {DEFAULT_FRED_DEADLINE_SECONDS:g})")
    return value


# the per-frequency rebuild jobs of defs/schedules.py (FREQUENCY_SCHEDULES: '<stem>_job'); a test keeps both in step
FREQUENCY_JOBS = ["daily_markets_job", "weekly_h41_job", "monthly_releases_job", "quarterly_gdp_job"]


def jobs_for(source: str) -> list[str]:
    """The jobs the code location has for a source."""
    return [BUILD_JOB, *FREQUENCY_JOBS, *([LIVE_JOB] if source == "fred" else [])]


def check_run_settings(job_name: str, create_data_dir: bool = False) -> list[str]:
    """Every problem with the settings of a command-line run, before anything runs (empty: all good).

    The data folder must exist unless it is the default one or ``create_data_dir`` is set: a typo in
    MACRO_PIPELINE_DATA_DIR must not publish into a new folder nobody reads.
    """
    problems: list[str] = []
    try:
        source = source_kind()
    except SettingsError as err:
        problems.append(str(err))
        source = None
    if source is not None and job_name not in jobs_for(source):
        if source != "fred" and job_name in jobs_for("fred"):
            problems.append(f"job {job_name!r} needs {SOURCE_ENV}=fred (the live FRED API); "
                            f"with {SOURCE_ENV}={source} the jobs are: {', '.join(jobs_for(source))}")
        else:
            problems.append(f"unknown job {job_name!r}; the jobs are: {', '.join(jobs_for(source))}"
                            + ("" if source == "fred" else f" (and {LIVE_JOB} with {SOURCE_ENV}=fred)"))
    if source == "fred":
        if not (os.environ.get(FRED_API_KEY_ENV) or "").strip():
            problems.append(f"{SOURCE_ENV}=fred needs {FRED_API_KEY_ENV}: set it to your FRED API key "
                            "(32 characters; free at https://fred.stlouisfed.org/docs/api/api_key.html)")
        for check in (fred_vintages, fred_deadline_seconds):
            try:
                check()
            except SettingsError as err:
                problems.append(str(err))
    elif source == "snapshot":
        folder = snapshot_dir()
        if not (folder / "MANIFEST.csv").is_file():
            problems.append(f"{SNAPSHOT_DIR_ENV}: {folder} is not a FRED snapshot folder (no MANIFEST.csv)")
    if not reference_dir().is_dir():
        problems.append(f"{REFERENCE_DIR_ENV}: the reference folder {reference_dir()} does not exist")
    folder = data_dir()
    is_default = not os.environ.get(DATA_DIR_ENV)
    if folder.exists() and not folder.is_dir():
        problems.append(f"{DATA_DIR_ENV}: {folder} is not a folder")
    elif not folder.exists() and not is_default and not create_data_dir:
        problems.append(f"{DATA_DIR_ENV}: the data folder {folder} does not exist; create it, correct the "
                        "setting, or pass --create to have this run create it")
    return problems
