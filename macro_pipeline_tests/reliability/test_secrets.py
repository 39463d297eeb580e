"""The FRED API key is nowhere: not in logs, errors, Dagster's event log, metadata, run reports or any file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from macro_pipeline.definitions import defs
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.sources.fred_api import FredApiSource
from macro_pipeline.warehouse import Warehouse
from macro_pipeline_tests.fred_server import VALID_KEY, FredTestServer
from macro_pipeline_tests.integration.conftest_fred import FAST
from macro_pipeline_tests.support import REFERENCE_DIR, failure_text

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


@pytest.fixture
def server() -> Iterator[FredTestServer]:
    with FredTestServer() as fred:
        yield fred


def _materialize(instance: dg.DagsterInstance, source: FredApiSource, data_dir: Path) -> dg.ExecuteInProcessResult:
    definitions = defs()
    return dg.materialize(
        [*(definitions.assets or []), *(definitions.asset_checks or [])], instance=instance, raise_on_error=False,
        resources={"catalog": CatalogResource(reference_directory=str(REFERENCE_DIR)), "source": source,
                   "warehouse": Warehouse(data_dir=str(data_dir))})


def _strings_in_duckdb(path: Path) -> str:
    """Every string value of every table (DuckDB compresses strings on disk, so a byte grep is not enough)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute("SELECT database_name, schema_name, table_name, column_name FROM duckdb_columns() "
                              "WHERE data_type = 'VARCHAR' AND NOT internal").fetchall()
        texts = []
        for db, schema, table, column in columns:
            rows = con.execute(f'SELECT string_agg("{column}", chr(10)) FROM "{db}"."{schema}"."{table}"')
            texts.append(rows.fetchone()[0] or "")
        texts += [str(r) for r in con.execute("SELECT row_counts FROM meta.runs").fetchall()] \
            if path.name == "macro.duckdb" else []
        return "\n".join(texts)
    finally:
        con.close()


def test_the_key_appears_in_no_log_event_metadata_report_or_file(server: FredTestServer, tmp_path: Path,
                                                                  capfd: pytest.CaptureFixture,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    data_dir = tmp_path / "data"
    # faults whose error texts would carry the request URL (and so the key) if anything leaked it
    server.inject("echo", series_id="UNRATE", times=1)
    server.inject("html", series_id="GDP", times=10)
    server.inject("500", series_id="CPIAUCSL", times=2)
    server.inject("truncated", series_id="PAYEMS", times=1)
    caplog.set_level(logging.DEBUG)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        good = _materialize(instance, FredApiSource(api_key=VALID_KEY, root_url=server.root_url, **FAST), data_dir)
        assert good.success, failure_text(good)
        rejected = _materialize(instance, FredApiSource(api_key="0" * 32, root_url=server.root_url, **FAST),
                                data_dir)
        assert not rejected.success
        texts = [failure_text(good), failure_text(rejected)]
        for result in (good, rejected):
            for event in instance.all_logs(result.run_id):
                texts.append(event.message or "")
                texts.append(repr(event.dagster_event) if event.dagster_event else "")
    captured = capfd.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    assert "0" * 32 not in failure_text(rejected)  # even the rejected key is not repeated back
    assert "api_key" in failure_text(rejected).lower() or "key" in failure_text(rejected).lower()

    haystack = "\n".join(texts)
    assert "GDP" in haystack and "failed" in haystack  # the reports are there, and they say what failed
    assert VALID_KEY not in haystack
    for path in home.rglob("*"):
        if path.is_file():
            assert VALID_KEY.encode() not in path.read_bytes(), path
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert VALID_KEY.encode() not in path.read_bytes(), path
    for db in (data_dir / "macro.duckdb", data_dir / "work" / "pipeline.duckdb"):
        assert VALID_KEY not in _strings_in_duckdb(db), db
    series_report = _strings_in_duckdb(data_dir / "macro.duckdb")
    assert "GDP: failed" in series_report
