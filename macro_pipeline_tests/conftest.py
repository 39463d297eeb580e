"""Fixtures shared by every suite: private data folders, a Dagster home, a pipeline that has published once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from macro_pipeline_tests.support import copy_snapshot, run_pipeline


@pytest.fixture
def dagster_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throwaway DAGSTER_HOME with telemetry off and the community pop-up marked seen."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    (home / ".nux").mkdir()
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n", encoding="utf-8")
    yield home


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    """A private copy of the embedded snapshot that a test may break."""
    return copy_snapshot(tmp_path / "fred_snapshot")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def _published_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One successful run from a private copy of the embedded snapshot, made once per test session. It draws the
    chart book too, so the command-line runs of the tests that start from a copy reuse its PNGs, as a user's
    second run does, instead of drawing all of them again (~8 s a run)."""
    root = tmp_path_factory.mktemp("published_template")
    data = root / "data"
    data.mkdir()
    outcome = run_pipeline(data, copy_snapshot(root / "fred_snapshot"), chart_book=True)
    assert outcome.success, outcome.failure_text
    return data


@pytest.fixture
def published_once(data_dir: Path, snapshot_dir: Path, _published_template: Path) -> Path:
    """The data folder after one successful run: returns the published file. Each test gets its own copy of a
    folder built once per session (a run takes ~20 s; the copy is byte for byte what that run left, and the
    test's snapshot copy is the same embedded snapshot the run read)."""
    shutil.copytree(_published_template, data_dir, dirs_exist_ok=True)
    return data_dir / "macro.duckdb"


@pytest.fixture
def subprocess_env(data_dir: Path, snapshot_dir: Path, dagster_home: Path) -> dict[str, str]:
    """Environment for running the real command line against the private folders."""
    env = dict(os.environ)
    env.update({"MACRO_PIPELINE_DATA_DIR": str(data_dir), "MACRO_PIPELINE_SNAPSHOT_DIR": str(snapshot_dir),
                "DAGSTER_HOME": str(dagster_home), "PYTHONUNBUFFERED": "1"})
    return env
