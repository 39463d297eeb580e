"""Run history that cannot be lost: meta.runs lives in the working database and survives an unreadable published file.

Before, the publish read the history from the previous published file and took any error as "no history": an
analyst holding the file open read-write made meta.runs go from N rows to 1."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from macro_pipeline_tests.support import query, run_pipeline, sha256_file

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# holds the published file the way an analyst's session or another program would, until told to stop
HOLDER = textwrap.dedent("""
    import fcntl, os, sys, time
    path, mode, ready, stop = sys.argv[1:5]
    if mode == "duckdb_read_write":
        import duckdb
        con = duckdb.connect(path)  # the default of duckdb.connect and of the duckdb CLI: read-write
        con.execute("SELECT count(*) FROM meta.runs").fetchall()
    else:
        handle = open(path, "r+b")
        fcntl.lockf(handle, fcntl.LOCK_EX)
    open(ready, "w").write("ready")
    while not os.path.exists(stop):
        time.sleep(0.05)
""")


def _run_ids(published: Path) -> list[str]:
    return [r[0] for r in query(published, "SELECT run_id FROM meta.runs ORDER BY started_at")]


def _publish_warning(result: dg.ExecuteInProcessResult) -> str:
    materialization = result.asset_materializations_for_node("published__macro_duckdb")[0]
    return materialization.metadata["history_warning"].value


def _hold(published: Path, mode: str, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    ready, stop = tmp_path / f"{mode}.ready", tmp_path / f"{mode}.stop"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(published), mode, str(ready), str(stop)],
                              stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert holder.poll() is None, holder.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return holder, stop


@pytest.mark.parametrize("mode", ["duckdb_read_write", "fcntl_lock"])
def test_a_file_held_during_a_run_keeps_every_earlier_run(published_once: Path, data_dir: Path, snapshot_dir: Path,
                                                          tmp_path: Path, mode: str) -> None:
    assert run_pipeline(data_dir, snapshot_dir).success
    earlier = _run_ids(published_once)
    assert len(earlier) == 2
    holder, stop = _hold(published_once, mode, tmp_path)
    try:
        outcome = run_pipeline(data_dir, snapshot_dir)
    finally:
        stop.write_text("stop")
        holder.wait(timeout=30)
    assert outcome.success, outcome.failure_text
    runs = _run_ids(published_once)
    assert runs[:2] == earlier and len(runs) == 3 and runs[2] == outcome.result.run_id
    warning = _publish_warning(outcome.result)
    assert "could not be read" in warning and "taken from the working database (2 runs)" in warning


def test_a_truncated_published_file_keeps_every_earlier_run(published_once: Path, data_dir: Path,
                                                            snapshot_dir: Path) -> None:
    earlier = _run_ids(published_once)
    with open(published_once, "r+b") as handle:
        handle.truncate(published_once.stat().st_size // 3)
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert outcome.success, outcome.failure_text
    assert _run_ids(published_once) == [*earlier, outcome.result.run_id]
    assert "could not be read" in _publish_warning(outcome.result)


def test_the_first_run_after_an_upgrade_seeds_the_history_from_the_published_file(
        published_once: Path, data_dir: Path, snapshot_dir: Path) -> None:
    assert run_pipeline(data_dir, snapshot_dir).success
    earlier = _run_ids(published_once)
    # a working database from before the history moved there: it has no runs (here: none at all)
    for path in (data_dir / "work").iterdir():
        path.unlink()
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert outcome.success, outcome.failure_text
    assert _run_ids(published_once) == [*earlier, outcome.result.run_id]
    assert _publish_warning(outcome.result) == ""


def test_an_unreadable_file_without_a_working_history_stops_the_run_and_keeps_the_file(
        published_once: Path, data_dir: Path, snapshot_dir: Path) -> None:
    for path in (data_dir / "work").iterdir():
        path.unlink()
    published_once.write_bytes(published_once.read_bytes()[:4096])  # truncated: its history cannot be read
    before = sha256_file(published_once)
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert not outcome.success
    assert "the run history in the previous published file" in outcome.failure_text
    assert "move the file aside to start a new history" in outcome.failure_text
    assert sha256_file(published_once) == before
