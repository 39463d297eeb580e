"""Ingest: fetch every catalog series from the configured source into the bitemporal raw store."""

import dataclasses
import datetime as dt
from dataclasses import dataclass

import dagster as dg
import polars as pl

from macro_pipeline.catalog import Catalog, validate_series_id
from macro_pipeline.defs.metadata import definition_metadata, failure_metadata, markdown_table, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.schemas.raw import OPEN_END
from macro_pipeline.schemas.raw import Delivery as DeliveryModel
from macro_pipeline.sources import ObservationSource, SourceError
from macro_pipeline.sources.base import Delivery
from macro_pipeline.sql import load_sql
from macro_pipeline.transforms.raw import DELIVERY_KEY, DeliveryValidationError, check_delivery
from macro_pipeline.transforms.staging import stage_observations
from macro_pipeline.transforms.validation import ValidationReport, validate, with_duplicate_check
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import VintageConflictError, merge_delivery, stored_summary

RAW_OBSERVATIONS = dg.AssetKey(["raw", "observations"])


@dataclass(frozen=True)
class Merged:
    inserted: int
    superseded: int
    loaded_at: dt.datetime
    # live source: series refused alone (id -> reason); values the source withdrew (id -> warning)
    refused: dict[str, str] = dataclasses.field(default_factory=dict)
    withdrawn: dict[str, str] = dataclasses.field(default_factory=dict)


def ingest(facts: Catalog, source: ObservationSource, warehouse: Warehouse) -> tuple[Delivery, Merged, int]:
    """What the raw asset does, as a plain function (bench P2 times it): fetch, check the delivery against the
    raw and the staging rules, merge it, write the fetch log. Raises SourceError, DeliveryValidationError or
    VintageConflictError with nothing stored."""
    with warehouse.connect() as con:
        stored = stored_summary(con)
    delivery = source.fetch(facts.series_ids(), stored)
    if source.isolates_failing_series:
        # the live source: a series whose rows break a rule is refused alone, the others are stored
        refused = _refuse_failing_series(delivery, facts, warehouse, stored)
    else:
        # the snapshot: its manifest is the contract, so one bad file refuses the whole delivery
        refused = {}
        check_delivery(delivery.observations)
        _, report = stage_observations(delivery.observations, facts.series, facts.units, key=DELIVERY_KEY,
                                       consistency=facts.consistency)
        if not report.ok:
            raise DeliveryValidationError(report)
    withdrawn = _withdrawn_values(delivery, warehouse)
    observations = delivery.observations
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        merged = merge_delivery(con, observations, delivery.source, loaded_at)
        stored_rows = con.execute("SELECT count(*) FROM raw.observations").fetchall()[0][0]
    warehouse.replace("raw.fetch_log", delivery.fetch_log(merged.inserted_by_series, loaded_at))
    return delivery, Merged(merged.inserted, merged.superseded, loaded_at, refused, withdrawn), stored_rows


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
    Series the source does not have are reported as missing, never invented. From the live FRED source a series
    whose delivery breaks a rule is refused alone: flagged failed with the reason (catalog.series, the run
    report), its last good vintage kept, every other series stored. The snapshot stays strict: its manifest is
    the contract, so one bad file refuses the whole delivery.
    """
    facts = catalog.load()
    context.log.info(f"fetching {len(facts.series_ids())} catalog series from {type(source).__name__}")
    try:
        with warehouse.transient():  # millions of rows at scale: DuckDB's buffers freed after each use
            delivery, merged, stored_rows = ingest(facts, source, warehouse)
    except SourceError as err:
        raise dg.Failure(description=str(err), metadata={"failed_series": ", ".join(sorted(err.failures))}) from None
    except DeliveryValidationError as err:
        raise dg.Failure(description=f"the delivery was refused, nothing was stored. {err}",
                         metadata=failure_metadata(err.report)) from None
    except VintageConflictError as err:
        raise dg.Failure(description=str(err)) from None
    refused, withdrawn = merged.refused, merged.withdrawn
    for series_id, text in withdrawn.items():
        context.log.warning(f"{series_id}: {text}")
    for series_id, reason in refused.items():
        context.log.warning(f"{series_id}: delivery refused, last good vintage kept: {reason}")
    observations = delivery.observations
    fetch_log = warehouse.read("raw.fetch_log")
    by_status = dict(fetch_log.group_by("status").len().iter_rows())
    context.log.info(f"{delivery.source}: {observations.height} rows delivered, {merged.inserted} new vintages "
                     f"stored, {merged.superseded} superseded; series by status {by_status}")
    missing = fetch_log.filter(pl.col("status") == "missing")
    return dg.MaterializeResult(metadata={
        "refused_series": dg.MetadataValue.json(refused),
        "withdrawn_values": dg.MetadataValue.json(withdrawn),
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


def _refuse_failing_series(delivery: Delivery, facts: Catalog, warehouse: Warehouse,
                           stored: pl.DataFrame) -> dict[str, str]:
    """Drop from ``delivery`` every series whose rows break a rule, in place, and flag it failed; return
    series id -> reason. The rules are the delivery's (duplicates, non-finite values), the staging rules on the
    series as it would read after the merge (stored latest values with the delivered ones over them, so a step
    from a stored value to a delivered one is checked too), and the vintage rule (a stored vintage restated
    with another value). A failure that names no series refuses the whole delivery."""
    observations = delivery.observations.sort(*DELIVERY_KEY)
    reports = [with_duplicate_check(validate(DeliveryModel, observations), observations, DELIVERY_KEY)]
    delivered_ids = observations["series_id"].unique().to_list()
    stored_latest = None
    if delivered_ids:
        ids = [validate_series_id(series_id) for series_id in delivered_ids]
        stored_latest = warehouse.read_latest(f"WHERE series_id IN ({', '.join('?' * len(ids))})", ids)
    current = observations.filter(pl.col("realtime_end") == dt.date.fromisoformat(OPEN_END))
    if stored_latest is not None:
        kept = stored_latest.join(current.select("series_id", "date"), on=["series_id", "date"], how="anti")
        current = pl.concat([current.select(kept.columns), kept]).sort("series_id", "date")
    _, staged = stage_observations(current, facts.series, facts.units, consistency=facts.consistency)
    reports.append(staged)
    reasons: dict[str, str] = {}
    for report in reports:
        if report.ok:
            continue
        if report.failures["series_id"].null_count():
            raise dg.Failure(description=f"the delivery was refused, nothing was stored. {report.summary()}",
                             metadata=failure_metadata(report))
        for series_id in report.series_ids():
            one = ValidationReport(report.model, report.failures.filter(pl.col("series_id") == series_id))
            reasons.setdefault(series_id, " ".join(line.strip() for line in one.summary(max_rows=3).splitlines()))
    observations = observations.filter(~pl.col("series_id").is_in(list(reasons)))
    with warehouse.connect() as con:
        con.register("delivery", observations)
        conflicts = con.sql(load_sql("pipeline/merge_conflicts")).pl()
        con.unregister("delivery")
    for row in conflicts.to_dicts():
        reasons.setdefault(row["series_id"], f"restates vintage {row['realtime_start']} of {row['date']} with "
                                             f"{row['delivered_value']} (stored {row['stored_value']})")
    stamps = dict(zip(stored["series_id"], stored["source_last_updated"], strict=True)) if stored.height else {}
    delivery.observations = observations.filter(~pl.col("series_id").is_in(list(reasons)))
    # a refused series keeps the stamp of its last good fetch, so the next refresh asks for it again
    delivery.outcomes = [dataclasses.replace(o, status="failed", rows=0, source_last_updated=stamps.get(o.series_id),
                                             detail=f"delivery refused, last good vintage kept: {reasons[o.series_id]}")
                         if o.series_id in reasons else o for o in delivery.outcomes]
    return reasons


def _withdrawn_values(delivery: Delivery, warehouse: Warehouse) -> dict[str, str]:
    """Series where the delivery has no value ('.' on FRED) for a date whose stored latest value is a number.

    Decision: such a row is stored as FRED publishes it (a later vintage whose value is null: FRED does withdraw
    values, e.g. a discontinued component), never refused and never filled in; the earlier value stays readable
    through raw.observations_as_of. It is reported, per series, as a warning in the run's log, the asset's
    metadata and the series' fetch report (raw.fetch_log, catalog.series.status_detail)."""
    nulls = delivery.observations.filter(pl.col("value").is_null()).select("series_id", "date", "realtime_start")
    if nulls.is_empty():
        return {}
    with warehouse.connect() as con:
        con.register("delivered_nulls", nulls)
        found = con.sql(
            "SELECT n.series_id, n.date, l.value FROM delivered_nulls AS n JOIN raw.observations_latest AS l "
            "ON l.series_id = n.series_id AND l.date = n.date AND l.realtime_start < n.realtime_start "
            "WHERE l.value IS NOT NULL ORDER BY n.series_id, n.date").pl()
        con.unregister("delivered_nulls")
    withdrawn: dict[str, str] = {}
    for (series_id,), rows in found.group_by("series_id", maintain_order=True):
        shown = ", ".join(f"{r['date']} (was {r['value']:g})" for r in rows.head(5).to_dicts())
        more = f" and {rows.height - 5} more" if rows.height > 5 else ""
        withdrawn[series_id] = (f"the source withdrew {rows.height} known value{'s' if rows.height > 1 else ''} "
                                f"(now no value, FRED '.'), stored as delivered: {shown}{more}")
    delivery.outcomes = [dataclasses.replace(o, detail="; ".join(x for x in (o.detail, withdrawn[o.series_id]) if x))
                         if o.series_id in withdrawn else o for o in delivery.outcomes]
    return withdrawn
