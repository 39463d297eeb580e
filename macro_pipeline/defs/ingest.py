"""Ingest: fetch every catalog series from the configured source into the bitemporal raw store."""

import datetime as dt
from dataclasses import dataclass

import dagster as dg
import polars as pl

from macro_pipeline.catalog import Catalog
from macro_pipeline.defs.metadata import definition_metadata, failure_metadata, markdown_table, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.sources import ObservationSource, SourceError
from macro_pipeline.sources.base import Delivery
from macro_pipeline.transforms.raw import DELIVERY_KEY, DeliveryValidationError, check_delivery
from macro_pipeline.transforms.staging import stage_observations
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import VintageConflictError, merge_delivery, stored_summary

RAW_OBSERVATIONS = dg.AssetKey(["raw", "observations"])


@dataclass(frozen=True)
class Merged:
    inserted: int
    superseded: int
    loaded_at: dt.datetime


def ingest(facts: Catalog, source: ObservationSource, warehouse: Warehouse) -> tuple[Delivery, Merged, int]:
    """What the raw asset does, as a plain function (bench P2 times it): fetch, check the delivery against the
    raw and the staging rules, merge it, write the fetch log. Raises SourceError, DeliveryValidationError or
    VintageConflictError with nothing stored."""
    with warehouse.connect() as con:
        stored = stored_summary(con)
    delivery = source.fetch(facts.series_ids(), stored)
    observations = delivery.observations
    check_delivery(observations)
    _, report = stage_observations(observations, facts.series, facts.units, key=DELIVERY_KEY)
    if not report.ok:
        raise DeliveryValidationError(report)
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        merged = merge_delivery(con, observations, delivery.source, loaded_at)
        stored_rows = con.execute("SELECT count(*) FROM raw.observations").fetchall()[0][0]
    warehouse.replace("raw.fetch_log", delivery.fetch_log(merged.inserted_by_series, loaded_at))
    return delivery, Merged(merged.inserted, merged.superseded, loaded_at), stored_rows


@dg.asset(key=RAW_OBSERVATIONS, group_name="raw", kinds={"duckdb", "polars"},
          tags={"layer": "raw"}, owners=["team:data-engineering"],
          metadata=definition_metadata("raw.observations"))
def raw_observations(context: dg.AssetExecutionContext, catalog: CatalogResource, source: ObservationSource,
                     warehouse: Warehouse) -> dg.MaterializeResult:
    """Every observation of every catalog series, with every vintage seen.

    Fetches all series of the catalog (macro_pipeline/catalog/series.csv) from the configured source (the embedded
    FRED snapshot by default). The delivery is checked before anything is stored: unreadable files, duplicate
    dates, non-finite or implausible values and dates off the series' frequency fail the run, naming the series
    and rows, and leave the store as it was. A rerun adds nothing; a changed value is stored as a new vintage.
    Series the source does not have are reported as missing, never invented.
    """
    facts = catalog.load()
    context.log.info(f"fetching {len(facts.series_ids())} catalog series from {type(source).__name__}")
    try:
        delivery, merged, stored_rows = ingest(facts, source, warehouse)
    except SourceError as err:
        raise dg.Failure(description=str(err), metadata={"failed_series": ", ".join(sorted(err.failures))}) from None
    except DeliveryValidationError as err:
        raise dg.Failure(description=f"the delivery was refused, nothing was stored. {err}",
                         metadata=failure_metadata(err.report)) from None
    except VintageConflictError as err:
        raise dg.Failure(description=str(err)) from None
    observations = delivery.observations
    fetch_log = warehouse.read("raw.fetch_log")
    by_status = dict(fetch_log.group_by("status").len().iter_rows())
    context.log.info(f"{delivery.source}: {observations.height} rows delivered, {merged.inserted} new vintages "
                     f"stored, {merged.superseded} superseded; series by status {by_status}")
    missing = fetch_log.filter(pl.col("status") == "missing")
    return dg.MaterializeResult(metadata={
        **table_metadata("raw.observations", observations, "date"),
        "dagster/row_count": stored_rows,
        "source": delivery.source,
        "rows_delivered": observations.height,
        "rows_inserted": merged.inserted,
        "rows_superseded": merged.superseded,
        "series_by_status": dg.MetadataValue.json(by_status),
        "missing_series": dg.MetadataValue.md(markdown_table(missing.select("series_id", "detail"), 50)),
        "units": "as published per series (see catalog.series)",
    })
