"""The published file under stress: a reader holding it during a publish, and a failed run command.

Kills at random moments of build and publish are in macro_pipeline_tests/reliability/test_kill_and_disk.py."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from macro_pipeline_tests.support import run_pipeline, sha256_file

pytestmark = [pytest.mark.integration, pytest.mark.slow]

READER = textwrap.dedent("""
    import sys, time, duckdb
    path, ready, go = sys.argv[1], sys.argv[2], sys.argv[3]
    con = duckdb.connect(path, read_only=True)
    first = con.execute("SELECT count(*), max(finished_at) FROM meta.runs").fetchall()
    open(ready, "w").write("ready")
    while not __import__("os").path.exists(go):
        time.sleep(0.05)
    # the same connection, after the publish: still the old, complete file
    again = con.execute("SELECT count(*), max(finished_at) FROM meta.runs").fetchall()
    rows = con.execute("SELECT count(*) FROM raw.observations").fetchall()
    con.close()
    fresh = duckdb.connect(path, read_only=True)
    new = fresh.execute("SELECT count(*) FROM meta.runs").fetchall()
    fresh.close()
    print(first == again, first[0][0], new[0][0], rows[0][0])
""")


def test_reader_holding_the_file_is_not_blocked_and_sees_the_old_file(published_once: Path, data_dir: Path,
                                                                      snapshot_dir: Path, tmp_path: Path) -> None:
    ready, go = tmp_path / "ready", tmp_path / "go"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published_once), str(ready), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert reader.poll() is None, reader.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        outcome = run_pipeline(data_dir, snapshot_dir)  # publishes while the reader holds the file open
        assert outcome.success, outcome.failure_text
        go.write_text("go")
        out, err = reader.communicate(timeout=60)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    same_as_before, runs_seen_by_holder, runs_seen_by_new_reader, raw_rows = out.split()
    assert same_as_before == "True" and runs_seen_by_holder == "1" and runs_seen_by_new_reader == "2"
    assert int(raw_rows) > 50_000


def _run_command(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "macro_pipeline", "run", "--force"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_failed_run_exits_non_zero_and_says_the_file_was_kept(published_once: Path, snapshot_dir: Path,
                                                              subprocess_env: dict[str, str]) -> None:
    (snapshot_dir / "series" / "UNRATE.csv").write_text("date,value\n2020-01-01,abc\n")
    before = sha256_file(published_once)
    proc = _run_command(subprocess_env)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert "UNRATE" in output and "published file unchanged" in output
    assert sha256_file(published_once) == before

