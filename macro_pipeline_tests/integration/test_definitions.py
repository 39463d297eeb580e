"""The code location: it loads, every asset is documented and typed, and the graph matches its snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from macro_pipeline.definitions import defs

LAYER_GROUPS = {"raw", "staging", "reference", "config", "marts", "catalog", "published"}


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


def _graph(definitions: dg.Definitions) -> dict:
    """Every asset spec (group, kinds, deps, description, owners, tags, column names), check, job and schedule."""
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        schema = node.metadata.get("dagster/column_schema")
        assets[key.to_user_string()] = {
            "group": node.group_name, "kinds": sorted(node.kinds), "owners": sorted(node.owners),
            "deps": sorted(p.to_user_string() for p in node.parent_keys), "tags": dict(sorted(node.tags.items())),
            "description": node.description,
            "columns": [c.name for c in schema.columns] if isinstance(schema, dg.TableSchema) else None}
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name)):
        spec = graph.get_check_spec(check_key)
        checks[f"{check_key.asset_key.to_user_string()}:{check_key.name}"] = {
            "blocking": spec.blocking, "description": spec.description}
    return {
        "assets": assets, "checks": checks,
        "jobs": sorted(j.name for j in definitions.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": sorted(f"{s.name} {s.cron_schedule} {s.execution_timezone}"
                            for s in (definitions.resolve_schedule_def(d.name) for d in definitions.schedules or [])),
        "sensors": sorted(s.name for s in definitions.sensors or []),
    }


@pytest.mark.parametrize("source", ["snapshot", "fred"])
def test_asset_specs_match_the_reviewed_snapshot(source: str, monkeypatch: pytest.MonkeyPatch, snapshot) -> None:
    """An unintended change to an asset, check, job or schedule shows up here, in both source modes; to accept
    an intended one, run pytest with --snapshot-update and commit macro_pipeline_tests/**/__snapshots__/."""
    monkeypatch.setenv("MACRO_PIPELINE_SOURCE", source)
    assert _graph(defs()) == snapshot


def test_every_asset_has_description_group_kinds_owner_and_column_schema(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.description and len(node.description) > 60, name
        assert node.group_name in LAYER_GROUPS and node.group_name == key.path[0], name
        assert node.kinds, name
        assert node.owners, name
        assert isinstance(node.metadata.get("dagster/column_schema"), dg.TableSchema), name


def test_blocking_checks_guard_staging_and_the_published_tables(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    blocking = {c.asset_key.to_user_string() for c in graph.asset_check_keys
                if graph.get_check_spec(c).blocking}
    assert {"staging/observations", "published/indicators", "published/claims_scorecard",
            "catalog/series"} <= blocking
    # a mart's checks do not block the publish: a failed mart keeps its last good table and only its claim is
    # not judged (see macro_pipeline/defs/marts.py); every mart has its model check
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts and not any(graph.get_check_spec(c).blocking for c in graph.asset_check_keys
                             if c.asset_key in marts)
    for key in marts:
        assert dg.AssetCheckKey(key, f"{key.path[1]}_is_valid") in graph.asset_check_keys


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
