"""Revisions: indicators as first published vs now, from every vintage raw.observations holds.

Publish-layer assets rather than marts: the mart kit's ``Series`` input gives the latest or the first-release value
of each observation, while a growth rate or a gain per release needs every vintage (a quarter's growth from one
release's own levels). The transforms are pure (``transforms/revisions.py``); these assets read, validate, write.
A failure keeps the last good table and fails a non-blocking check: the other claims still publish.
"""

import dagster as dg
import polars as pl

from macro_pipeline.defs.ingest import RAW_OBSERVATIONS
from macro_pipeline.defs.metadata import OWNERS, check_result, definition_metadata, table_metadata
from macro_pipeline.schemas.revisions import IndicatorRevisions, PayrollGainsRevisions
from macro_pipeline.transforms.revisions import (
    GDP_LEVEL_SERIES,
    PAYROLL_SERIES,
    indicator_revisions,
    payroll_gains_revisions,
)
from macro_pipeline.transforms.validation import validate
from macro_pipeline.warehouse import Warehouse

INDICATOR_REVISIONS = dg.AssetKey(["published", "indicator_revisions"])
PAYROLL_GAINS_REVISIONS = dg.AssetKey(["published", "payroll_gains_revisions"])
GDP_EX_AI = dg.AssetKey(["marts", "gdp_ex_ai"])
VINTAGED_SERIES = (GDP_LEVEL_SERIES, PAYROLL_SERIES)
_PUBLISHED = {"group_name": "published", "kinds": {"duckdb", "polars"}, "owners": OWNERS,
              "tags": {"layer": "published"}}


def _check(key: dg.AssetKey, name: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=key, blocking=False,
                             description="The table fits its model; on failure the last good table is kept.")


def _vintages(warehouse: Warehouse) -> pl.DataFrame:
    return warehouse.read_series("raw.observations", VINTAGED_SERIES).select(
        "series_id", "date", "value", "realtime_start")


def _write(context: dg.AssetExecutionContext, warehouse: Warehouse, name: str, model, build,
           date_column: str) -> dg.MaterializeResult:
    try:
        frame = build()
    except Exception as err:  # noqa: BLE001 - any failure keeps the last good table; the check says why
        context.log.error(f"{name} was not rebuilt (the last good table is kept): {err}")
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.ERROR, description=f"not rebuilt: {err}")])
    report = validate(model, frame)
    if report.ok:
        warehouse.replace(name, frame)
    return dg.MaterializeResult(metadata=table_metadata(name, frame, date_column),
                                check_results=[check_result(report)])


@dg.asset(key=INDICATOR_REVISIONS, deps=[RAW_OBSERVATIONS, GDP_EX_AI], **_PUBLISHED,
          metadata=definition_metadata("published.indicator_revisions"),
          check_specs=[_check(INDICATOR_REVISIONS, "indicator_revisions_are_valid")])
def published_indicator_revisions(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Indicators built on vintaged inputs as first published vs now (claims C6, C7): real GDP growth per quarter
    from each GDPC1 release's own levels, the C6 ex-AI growth with each release's GDP growth (AI contributions:
    latest vintage only), monthly payroll gains, calendar-year sums and the annual benchmark revisions (PAYEMS).
    First, third-estimate or first-benchmark, and latest values with their release dates."""
    def build() -> pl.DataFrame:
        return indicator_revisions(_vintages(warehouse), warehouse.read("marts.gdp_ex_ai"))

    return _write(context, warehouse, "published.indicator_revisions", IndicatorRevisions, build, "date")


@dg.asset(key=PAYROLL_GAINS_REVISIONS, deps=[RAW_OBSERVATIONS], **_PUBLISHED,
          metadata=definition_metadata("published.payroll_gains_revisions"),
          check_specs=[_check(PAYROLL_GAINS_REVISIONS, "payroll_gains_revisions_are_valid")])
def published_payroll_gains_revisions(context: dg.AssetExecutionContext,
                                      warehouse: Warehouse) -> dg.MaterializeResult:
    """Monthly nonfarm payroll gains (PAYEMS) as first printed vs latest, one row per month with a known first
    print: the source of the C7 revision indicators."""
    def build() -> pl.DataFrame:
        return payroll_gains_revisions(_vintages(warehouse))

    return _write(context, warehouse, "published.payroll_gains_revisions", PayrollGainsRevisions, build, "month")


revision_assets = [published_indicator_revisions, published_payroll_gains_revisions]
