"""Marts: derived tables that answer the thesis' claims, one module-level asset each."""

import dagster as dg

from macro_pipeline.defs.metadata import check_result, definition_metadata, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.defs.staging import STAGING_OBSERVATIONS
from macro_pipeline.schemas import NetLiquidity
from macro_pipeline.transforms import liquidity
from macro_pipeline.transforms.validation import validate
from macro_pipeline.warehouse import Warehouse

NET_LIQUIDITY = dg.AssetKey(["marts", "net_liquidity"])


@dg.asset(key=NET_LIQUIDITY, deps=[STAGING_OBSERVATIONS], group_name="marts", kinds={"duckdb", "polars"},
          tags={"layer": "marts", "claim": "C8"}, owners=["team:data-engineering"],
          metadata=definition_metadata("marts.net_liquidity"),
          check_specs=[dg.AssetCheckSpec("net_liquidity_is_consistent", asset=NET_LIQUIDITY, blocking=True,
                                         description="Net liquidity equals assets - TGA - RRP on every "
                                                     "complete week; one row per Wednesday.")])
def net_liquidity(context: dg.AssetExecutionContext, catalog: CatalogResource,
                  warehouse: Warehouse) -> dg.MaterializeResult:
    """Weekly US net liquidity for claim C8, in billions of U.S. dollars.

    Fed total assets (WALCL) less the Treasury General Account (WDTGAL) less overnight reverse repos
    (RRPONTSYD), each on the H.4.1 Wednesday. Weeks without a reverse-repo figure that day have no net value
    rather than a carried-forward one. The 13-week change is split into the Fed's balance sheet (QE/QT) and the
    Treasury/RRP part the thesis says will lead in 2026. Sources: Federal Reserve H.4.1, New York Fed, via FRED.
    """
    facts = catalog.load()
    staging = warehouse.read_series("staging.observations", liquidity.INPUT_SERIES)
    mart = liquidity.net_liquidity(staging, facts.series)
    report = validate(NetLiquidity, mart)
    if report.ok:
        warehouse.replace("marts.net_liquidity", mart)
    complete = mart.filter(mart["complete"])
    context.log.info(f"net liquidity: {mart.height} weeks, {complete.height} complete")
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.net_liquidity", mart, "week_date", units="billions of U.S. dollars"),
                  "complete_weeks": complete.height, "written": report.ok,
                  "input_series": ", ".join(liquidity.INPUT_SERIES),
                  "latest_net_liquidity_usd_bn": float(complete["net_liquidity_usd_bn"][-1]) if complete.height
                  else None},
        check_results=[check_result(report)])
