"""Marts: one Dagster asset per mart declared with the mart kit (``macro_pipeline.mart_kit``), built here.

Each asset reads its declared inputs, runs the pure transform, validates the result and writes the table only when
it passes. A mart that fails (or whose inputs have no data) is recorded in ``meta.marts`` with the reason and keeps
its last good table, and its checks fail; the other marts and the publish go on, so one broken claim never holds
back the others. A mart never builds on an input that failed: it fails too, naming the input.
"""


import datetime as dt
from collections.abc import Mapping
from typing import Any

import dagster as dg
import polars as pl

from macro_pipeline.defs.metadata import OWNERS, definition_metadata, markdown_table, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.mart_kit import (
    STATUS_BUILT,
    STATUS_FAILED,
    STATUS_INSUFFICIENT,
    FileTable,
    Input,
    Mart,
    MartOutcome,
    MartSpec,
    ReleaseNotes,
    Series,
    build_mart,
    empty_table,
    registered_marts,
)
from macro_pipeline.transforms.staging import in_base_units
from macro_pipeline.warehouse import Warehouse

MART_GROUP = "marts"


def input_asset_key(source: Input) -> dg.AssetKey:
    """The asset that produces an input: staging or raw observations, a file table, another mart."""
    if isinstance(source, Series):
        return dg.AssetKey(["staging", "observations"] if source.vintage == "latest" else ["raw", "observations"])
    if isinstance(source, ReleaseNotes):
        return dg.AssetKey(["raw", "observations"])
    return dg.AssetKey(source.table.split("."))


def read_input(source: Input, catalog: CatalogResource, warehouse: Warehouse) -> Any:
    """The value a transform receives for one declared input."""
    if isinstance(source, Series):
        if source.vintage == "latest":
            staged = warehouse.read_series("staging.observations", source.series_ids)
            return staged.select("series_id", "date", pl.col("base_value").alias("value"),
                                 pl.col("base_unit_id").alias("unit_id"), "realtime_start")
        facts = catalog.load()
        return in_base_units(warehouse.read_first_release(source.series_ids), facts.series, facts.units)
    if isinstance(source, ReleaseNotes):
        log = warehouse.read("raw.fetch_log")
        return {r["series_id"]: r["detail"] for r in log.iter_rows(named=True) if r["detail"]}
    if isinstance(source, FileTable):
        return warehouse.read_file_table(source.table)
    if isinstance(source, Mart):
        return warehouse.read(source.name)
    raise TypeError(f"unknown mart input {source!r}")


def _input_problems(spec: MartSpec, warehouse: Warehouse) -> tuple[str, str] | None:
    """(status, reason) when an input of this mart failed or has no data, else None."""
    marts = warehouse.read("meta.marts")
    inputs = warehouse.read("meta.inputs")
    for source in spec.inputs.values():
        if isinstance(source, Mart):
            row = marts.filter(pl.col("table_name") == source.name)
            if row.height and row["status"][0] != STATUS_BUILT:
                return row["status"][0], f"input {source.name} {row['status'][0]}: {row['reason'][0]}"
        elif isinstance(source, FileTable):
            row = inputs.filter(pl.col("table_name") == source.table)
            if not row.height:
                return STATUS_FAILED, f"input {source.table} has not been loaded"
            if row["status"][0] != "loaded":
                return STATUS_FAILED, f"input {source.table} failed: {row['reason'][0]}"
    return None


def _record(spec: MartSpec, outcome_status: str, reason: str | None, rows: int, run_id: str,
            warehouse: Warehouse) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    previous = warehouse.read("meta.marts").filter(pl.col("table_name") == spec.name)
    if outcome_status == STATUS_FAILED:
        built_run_id = previous["built_run_id"][0] if previous.height else None
        built_at = previous["built_at"][0] if previous.height else None
    else:
        built_run_id, built_at = run_id, now
    warehouse.upsert("meta.marts", pl.DataFrame([{
        "table_name": spec.name, "claim_ids": list(spec.claim_ids), "status": outcome_status, "reason": reason,
        "run_id": run_id, "attempted_at": now, "rows": rows, "built_run_id": built_run_id, "built_at": built_at}],
        schema={"table_name": pl.String, "claim_ids": pl.List(pl.String), "status": pl.String, "reason": pl.String,
                "run_id": pl.String, "attempted_at": pl.Datetime("us"), "rows": pl.Int64,
                "built_run_id": pl.String, "built_at": pl.Datetime("us")}), key="table_name")


def _metadata_value(value: Any) -> Any:
    if isinstance(value, pl.DataFrame):
        return dg.MetadataValue.md(markdown_table(value, 20))
    return value


def _check_results(spec: MartSpec, outcome: MartOutcome) -> list[dg.AssetCheckResult]:
    results = []
    for name, severity in [(spec.check_name, "error"), *[(c.name, c.severity) for c in spec.checks]]:
        checked = outcome.checks.get(name)
        if checked is None:  # not evaluated: the mart stopped before (insufficient data or a failed transform)
            passed = outcome.status == STATUS_INSUFFICIENT and name == spec.check_name
            results.append(dg.AssetCheckResult(
                check_name=name, passed=passed,
                severity=dg.AssetCheckSeverity.ERROR if severity == "error" else dg.AssetCheckSeverity.WARN,
                description=f"not evaluated: {outcome.status}: {outcome.reason}",
                metadata={"status": outcome.status}))
            continue
        meta = {k: _metadata_value(v) for k, v in checked.metadata.items()}
        if name == spec.check_name and outcome.failures is not None:
            meta["failing_rows"] = dg.MetadataValue.md(markdown_table(outcome.failures, 50))
        results.append(dg.AssetCheckResult(
            check_name=name, passed=checked.passed,
            severity=dg.AssetCheckSeverity.ERROR if severity == "error" else dg.AssetCheckSeverity.WARN,
            description=checked.description, metadata=meta))
    return results


def materialize_mart(spec: MartSpec, context: dg.AssetExecutionContext, catalog: CatalogResource,
                     warehouse: Warehouse) -> dg.MaterializeResult:
    """The body every mart asset shares: inputs, transform, validation, write, status, metadata."""
    problem = _input_problems(spec, warehouse)
    inputs: dict[str, Any] = {}
    if problem:
        outcome = MartOutcome(spec, empty_table(spec), problem[0], problem[1], {})
    else:
        inputs = {name: read_input(source, catalog, warehouse) for name, source in spec.inputs.items()}
        outcome = build_mart(spec, inputs)
    if outcome.status == STATUS_FAILED:
        context.log.error(f"{spec.name} failed (claims {', '.join(spec.claim_ids)}): {outcome.reason}; its last "
                          "good table is kept and the other marts still publish")
        rows = warehouse.read(spec.name).height
    else:
        rows = warehouse.replace(spec.name, outcome.frame)
        if outcome.status == STATUS_INSUFFICIENT:
            context.log.warning(f"{spec.name}: insufficient data: {outcome.reason}")
    _record(spec, outcome.status, outcome.reason, rows, context.run.run_id, warehouse)
    extra: Mapping[str, Any] = {}
    if outcome.status == STATUS_BUILT and spec.summary is not None:
        extra = spec.summary(outcome.frame, **inputs)
    return dg.MaterializeResult(
        metadata={**table_metadata(spec.name, outcome.frame, spec.date_column, units=spec.units),
                  "dagster/row_count": rows,
                  "status": outcome.status, "reason": outcome.reason or "",
                  "written": outcome.status != STATUS_FAILED,
                  "claims": ", ".join(spec.claim_ids),
                  "input_series": ", ".join(spec.input_series()) or "(none)",
                  **{k: _metadata_value(v) for k, v in extra.items()}},
        check_results=_check_results(spec, outcome))


def mart_asset(spec: MartSpec) -> dg.AssetsDefinition:
    """The Dagster asset of one declared mart: key marts/<table>, its deps, checks and column schema."""
    key = dg.AssetKey(spec.name.split("."))
    check_specs = [dg.AssetCheckSpec(spec.check_name, asset=key,
                                     description=f"Fits its model ({spec.model.__name__}: types, ranges, the "
                                                 f"model's own rules) and is unique on {list(spec.key)}. A failure "
                                                 "keeps the last good table and marks the mart failed.")]
    check_specs += [dg.AssetCheckSpec(c.name, asset=key, description=c.description) for c in spec.checks]

    @dg.asset(key=key, group_name=MART_GROUP, kinds={"duckdb", "polars"}, owners=OWNERS,
              tags={"layer": "marts", "claim": "-".join(spec.claim_ids)},
              deps=list(dict.fromkeys(input_asset_key(s) for s in spec.inputs.values())),
              description=spec.description, metadata=definition_metadata(spec.name), check_specs=check_specs)
    def _mart(context: dg.AssetExecutionContext, catalog: CatalogResource,
              warehouse: Warehouse) -> dg.MaterializeResult:
        return materialize_mart(spec, context, catalog, warehouse)

    return _mart


def mart_assets() -> list[dg.AssetsDefinition]:
    return [mart_asset(spec) for spec in registered_marts()]
