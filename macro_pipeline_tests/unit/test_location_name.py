"""One code location name everywhere: run history and schedule state are keyed by it, so a second name orphans them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from macro_pipeline_tests.integration.test_ui import LOCATION

ROOT = Path(__file__).parents[2]


def test_workspace_pyproject_and_tests_name_the_location_alike() -> None:
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text(encoding="utf-8"))
    [entry] = workspace["load_from"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = {
        "workspace.yaml location_name": entry["python_module"]["location_name"],
        "[tool.dagster] code_location_name": pyproject["tool"]["dagster"]["code_location_name"],
        "[tool.dg.project] code_location_name": pyproject["tool"]["dg"]["project"]["code_location_name"],
        "the UI tests": LOCATION,
    }
    assert set(names.values()) == {"macro_pipeline"}, names


def test_workspace_pyproject_and_dg_load_the_same_module() -> None:
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text(encoding="utf-8"))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    modules = {workspace["load_from"][0]["python_module"]["module_name"],
               pyproject["tool"]["dagster"]["module_name"],
               pyproject["tool"]["dg"]["project"]["code_location_target_module"]}
    assert modules == {"macro_pipeline.definitions"}
