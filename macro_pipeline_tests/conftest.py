"""Fixtures shared by every suite: private data folders, a Dagster home, a pipeline that has published once."""

from __future__ import annotations

import os
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


@pytest.fixture
def published_once(data_dir: Path, snapshot_dir: Path) -> Path:
    """The data folder after one successful run: returns the published file."""
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert outcome.success, outcome.failure_text
    return data_dir / "macro.duckdb"


@pytest.fixture
def subprocess_env(data_dir: Path, snapshot_dir: Path, dagster_home: Path) -> dict[str, str]:
    """Environment for running the real command line against the private folders."""
    env = dict(os.environ)
    env.update({"MACRO_PIPELINE_DATA_DIR": str(data_dir), "MACRO_PIPELINE_SNAPSHOT_DIR": str(snapshot_dir),
                "DAGSTER_HOME": str(dagster_home), "PYTHONUNBUFFERED": "1"})
    return env
