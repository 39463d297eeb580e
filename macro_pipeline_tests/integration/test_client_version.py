"""The oldest DuckDB client the README promises opens the published file (storage version v1.2.0).

The test extra carries the DuckDB 1.5 CLI (test_pipeline opens the file with it on every run). A DuckDB 1.2 Python
package cannot be installed beside DuckDB 2, so the check with the oldest client runs when
MACRO_PIPELINE_TEST_OLDEST_DUCKDB_PYTHON names a Python that has it (a throwaway venv: `pip install
'duckdb==1.2.*'`); it was run so for this change, and with DuckDB 1.1.3 it fails as the README says."""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from macro_pipeline.settings import PROJECT_ROOT
from macro_pipeline.warehouse.publish import STORAGE_VERSION

OLDEST_PYTHON_ENV = "MACRO_PIPELINE_TEST_OLDEST_DUCKDB_PYTHON"
READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    runs = con.execute("SELECT count(*) FROM meta.runs").fetchall()[0][0]
    latest = con.execute("SELECT count(*) FROM raw.observations_latest").fetchall()[0][0]
    as_of = con.execute("SELECT count(*) FROM raw.observations_as_of(DATE '9999-12-31')").fetchall()[0][0]
    comment = con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = 'meta' AND table_name = 'runs'")
    print(duckdb.__version__, runs, latest, as_of, bool(comment.fetchall()[0][0]))
""")


def oldest_claimed_version() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"with DuckDB (\d+\.\d+) and later \(the file is written in storage version (v[\d.]+)", readme)
    assert found, "the README states the oldest DuckDB client and the storage version"
    assert found.group(2) == STORAGE_VERSION
    return found.group(1)


def test_the_readme_claims_the_client_the_storage_version_needs():
    assert oldest_claimed_version() == ".".join(STORAGE_VERSION.removeprefix("v").split(".")[:2])
    assert "any DuckDB client from 1.x" not in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get(OLDEST_PYTHON_ENV), reason=f"{OLDEST_PYTHON_ENV} is not set")
def test_the_oldest_duckdb_client_claimed_opens_the_published_file(published_once: Path):
    done = subprocess.run([os.environ[OLDEST_PYTHON_ENV], "-c", READER, str(published_once)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    version, runs, latest, as_of, commented = done.stdout.split()
    assert version.startswith(oldest_claimed_version() + "."), version
    assert int(runs) == 1 and int(latest) > 50_000 and int(as_of) == int(latest) and commented == "True"
