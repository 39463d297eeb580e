"""One run at a time per data folder, and a fresh DAGSTER_HOME initialised once: two real processes each time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from macro_pipeline.run_lock import OWNER_NAME
from macro_pipeline_tests.support import query

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def _start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "macro_pipeline", "run", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_second_run_on_the_same_data_folder_is_refused_at_once(published_once: Path, data_dir: Path,
                                                                 subprocess_env: dict[str, str]) -> None:
    first = _start(subprocess_env, "--force")  # a folder published before: --force makes the run do the work
    try:
        _wait_for(data_dir / OWNER_NAME, first)
        second = subprocess.run([sys.executable, "-m", "macro_pipeline", "run"], env=subprocess_env,
                                capture_output=True, text=True, timeout=120)
        first_output, _ = first.communicate(timeout=300)
    finally:
        first.kill()
    output = second.stdout + second.stderr
    assert second.returncode == 2, output
    assert re.search(rf"another run \(pid {first.pid}, started at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) holds "
                     rf"the data folder {re.escape(str(data_dir))}", output), output
    assert "Nothing ran; the published file is unchanged." in output and "Traceback" not in output
    # the first run is unaffected
    assert first.returncode == 0, first_output
    assert query(data_dir / "macro.duckdb", "SELECT count(*) FROM meta.runs")[0][0] == 2
    assert not (data_dir / OWNER_NAME).exists()


def test_a_second_run_told_to_wait_runs_after_the_first(published_once: Path, data_dir: Path,
                                                        subprocess_env: dict[str, str]) -> None:
    first = _start(subprocess_env, "--force")
    try:
        _wait_for(data_dir / OWNER_NAME, first)
        # --force: the inputs are unchanged, so without it the second run would rightly find the file up to date
        second = _start(subprocess_env, "--wait", "600", "--force")
        second_output, _ = second.communicate(timeout=600)
        first_output, _ = first.communicate(timeout=300)
    finally:
        first.kill()
    assert first.returncode == 0, first_output
    assert second.returncode == 0, second_output
    runs = query(data_dir / "macro.duckdb", "SELECT started_at, finished_at FROM meta.runs ORDER BY started_at")
    assert len(runs) == 3  # the folder's own publish, then the two runs
    assert runs[2][0] >= runs[1][1]  # the second run started after the first had published


def test_two_first_runs_on_a_fresh_dagster_home_leave_it_usable(tmp_path: Path, snapshot_dir: Path,
                                                               subprocess_env: dict[str, str]) -> None:
    home = tmp_path / "fresh_dagster_home"  # does not exist yet: both runs create it at once
    envs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        envs.append({**subprocess_env, "DAGSTER_HOME": str(home), "MACRO_PIPELINE_DATA_DIR": str(tmp_path / name)})
    runs = [_start(env) for env in envs]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # the instance is not left with two alembic heads: a third run on it works and sees both earlier runs
    third = subprocess.run([sys.executable, "-c", (
        "import dagster as dg; i = dg.DagsterInstance.get(); print(len(i.get_runs()))")],
        env=envs[0], capture_output=True, text=True, timeout=120)
    assert third.returncode == 0, third.stderr
    assert third.stdout.strip().splitlines()[-1] == "2"
    assert sorted(os.listdir(home / "history")) == ["runs", "runs.db"]
