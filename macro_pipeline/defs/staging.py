"""Staging: the current vintage of every series, typed, joined with its catalog entry and validated."""

import dagster as dg

from macro_pipeline.defs.ingest import RAW_OBSERVATIONS
from macro_pipeline.defs.metadata import check_result, definition_metadata, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.transforms.staging import stage_observations
from macro_pipeline.warehouse import Warehouse

STAGING_OBSERVATIONS = dg.AssetKey(["staging", "observations"])


@dg.asset(key=STAGING_OBSERVATIONS, deps=[RAW_OBSERVATIONS], group_name="staging", kinds={"duckdb", "polars"},
          tags={"layer": "staging"}, owners=["team:data-engineering"],
          metadata=definition_metadata("staging.observations"),
          check_specs=[dg.AssetCheckSpec("observations_are_valid", asset=STAGING_OBSERVATIONS, blocking=True,
                                         description="Pandera: unique dates, finite values in the unit's "
                                                     "plausible range, dates on the series' frequency, none after "
                                                     "its vintage. Failing rows are listed; nothing downstream "
                                                     "runs.")])
def staging_observations(context: dg.AssetExecutionContext, catalog: CatalogResource,
                         warehouse: Warehouse) -> dg.MaterializeResult:
    """The latest known vintage of every observation, one row per (series_id, date), with its unit and date rule.

    Validated against the catalog (pandera): a series whose stored data break a rule fails the blocking check
    with its rows listed, and the marts do not run. The table is replaced only when every row passes, so a
    failed check never leaves half-checked data behind.
    """
    facts = catalog.load()
    latest = warehouse.read_latest()
    staged, report = stage_observations(latest, facts.series, facts.units, consistency=facts.consistency)
    if report.ok:
        warehouse.replace("staging.observations", staged)
    else:
        context.log.error(report.summary())
    return dg.MaterializeResult(
        metadata={**table_metadata("staging.observations", staged, "date"),
                  "series": staged["series_id"].n_unique(), "written": report.ok,
                  "units": "per series: see unit_id and catalog.series"},
        check_results=[check_result(report)])
