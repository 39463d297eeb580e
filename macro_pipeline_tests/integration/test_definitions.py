"""The code location: it loads, every asset is documented and typed, and the graph matches its snapshot."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import pytest

from macro_pipeline.definitions import defs

GRAPH_SNAPSHOT = Path(__file__).parents[1] / "snapshots" / "graph.json"


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


def _graph(definitions: dg.Definitions) -> dict:
    graph = definitions.resolve_asset_graph()
    return {
        "assets": sorted(key.to_user_string() for key in graph.get_all_asset_keys()),
        "groups": {key.to_user_string(): graph.get(key).group_name for key in sorted(graph.get_all_asset_keys())},
        "deps": {key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
                 for key in sorted(graph.get_all_asset_keys())},
        "checks": sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys),
        "jobs": sorted(j.name for j in definitions.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": sorted(f"{s.name} {s.cron_schedule} {s.execution_timezone}"
                            for s in (definitions.resolve_schedule_def(d.name) for d in definitions.schedules or [])),
        "sensors": sorted(s.name for s in definitions.sensors or []),
    }


def test_graph_matches_the_reviewed_snapshot(definitions: dg.Definitions) -> None:
    """An unintended change to assets, checks, jobs or schedules shows up here; to accept an intended one, run
    with UPDATE_GRAPH_SNAPSHOT=1 and commit macro_pipeline_tests/snapshots/graph.json."""
    current = _graph(definitions)
    if os.environ.get("UPDATE_GRAPH_SNAPSHOT"):
        GRAPH_SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(GRAPH_SNAPSHOT.read_text())


def test_every_asset_has_description_group_kinds_owner_and_column_schema(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.description and len(node.description) > 60, name
        assert node.group_name in {"ingest", "staging", "marts", "publish"}, name
        assert node.kinds, name
        assert node.owners, name
        assert isinstance(node.metadata.get("dagster/column_schema"), dg.TableSchema), name


def test_blocking_checks_guard_staging_marts_and_indicators(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    blocking = {c.asset_key.to_user_string() for c in graph.asset_check_keys
                if graph.get_check_spec(c).blocking}
    assert {"staging/observations", "marts/net_liquidity", "published/indicators", "catalog/series"} <= blocking


def test_jobs_run_in_process(definitions: dg.Definitions) -> None:
    for job in definitions.resolve_all_job_defs():
        if not job.name.startswith("__"):
            assert job.executor_def.name == "in_process", job.name


def test_code_location_loads_through_workspace_yaml(tmp_path: Path) -> None:
    """What dagster-webserver does: load workspace.yaml and list the location without errors."""
    import subprocess
    import sys

    root = Path(__file__).parents[2]
    done = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-w",
                           str(root / "workspace.yaml")], cwd=root, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "DAGSTER_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
