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
from macro_pipeline.sources.base import Delivery, SeriesOutcome
from macro_pipeline.sql import load_sql
from macro_pipeline.transforms.raw import DELIVERY_KEY, DELIVERY_SCHEMA, DeliveryValidationError, check_delivery
from macro_pipeline.transforms.staging import combined_report, stage_observations, staging_batches
from macro_pipeline.transforms.validation import ValidationReport, validate, with_duplicate_check
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import (
    UNDO_COLUMNS,
    MergeResult,
    VintageConflictError,
    merge_into,
    stored_summary,
    undo_merges,
)

RAW_OBSERVATIONS = dg.AssetKey(["raw", "observations"])


# the ingest fetches, checks and merges this many series at a time (a consistency group's series together): peak
# memory follows the shard, not the catalog (bench P2: 10,000 synthetic series of 2,520 rows are ten shards; the
# embedded snapshot is one). A shard is a self-contained unit (ingest_shard), the unit a partitioned raw asset
# would run on its own; here every shard of a run is merged in one transaction, so a refused shard stores nothing.
INGEST_SHARD_SERIES = 1_000
_UNDO = "temp.main.ingest_undo"  # the periods this ingest's committed shards closed (raw_store.undo_merges)


@dataclass(frozen=True)
class Merged:
    inserted: int
    superseded: int
    loaded_at: dt.datetime
    # live source: series refused alone (id -> reason); values the source withdrew (id -> warning)
    refused: dict[str, str] = dataclasses.field(default_factory=dict)
    withdrawn: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass
class Ingested:
    """What one ingest delivered, over all its shards (the rows themselves are merged shard by shard, never held
    together): per-series outcomes, the delivered row count and date range, and a preview of the first rows."""

    source: str
    outcomes: list[SeriesOutcome]
    rows: int = 0
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    preview: pl.DataFrame | None = None
    shards: int = 0

    def add(self, observations: pl.DataFrame) -> None:
        if observations.is_empty():
            return
        self.rows += observations.height
        low, high = observations.select(pl.col("date").min().alias("low"), pl.col("date").max().alias("high")).row(0)
        self.first_date = low if self.first_date is None or low < self.first_date else self.first_date
        self.last_date = high if self.last_date is None or high > self.last_date else self.last_date
        if self.preview is None:
            self.preview = observations.head(10)

    def fetch_log(self, inserted_by_series: dict[str, int], loaded_at: dt.datetime) -> pl.DataFrame:
        return Delivery(pl.DataFrame(), self.outcomes, self.source).fetch_log(inserted_by_series, loaded_at)


def ingest_shards(series_ids: list[str], groups: list[list[str]], shard_series: int) -> list[list[str]]:
    """The catalog's series in shards of at most ``shard_series`` (more only for a consistency group larger than
    that), a group's series always together, each shard in catalog order. A catalog that fits is one shard."""
    if len(series_ids) <= shard_series:
        return [list(series_ids)]
    position = {series_id: i for i, series_id in enumerate(series_ids)}
    shards = staging_batches(dict.fromkeys(series_ids, 1), [[s for s in g if s in position] for g in groups],
                             shard_series)
    return [sorted(shard, key=position.__getitem__) for shard in shards]


@dataclass
class _ShardOutcome:
    delivery: Delivery
    merged: MergeResult | None = None
    refused: dict[str, str] = dataclasses.field(default_factory=dict)
    withdrawn: dict[str, str] = dataclasses.field(default_factory=dict)


def ingest_shard(con, facts: Catalog, source: ObservationSource, warehouse: Warehouse, series_ids: list[str],
                 stored: pl.DataFrame, loaded_at: dt.datetime, merge: bool = True,
                 stored_ids: set[str] | None = None, undo_table: str | None = None) -> _ShardOutcome:
    """Fetch, check and merge one shard of series into ``con``'s open transaction (the caller commits). Raises
    SourceError, DeliveryValidationError or VintageConflictError with nothing of the shard merged. A shard is
    self-contained: it is the unit a partitioned raw asset would run on its own."""
    delivery = source.fetch(series_ids, stored)
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
    if not merge:
        return _ShardOutcome(delivery)
    withdrawn = _withdrawn_values(delivery, con)
    merged = merge_into(con, delivery.observations, delivery.source, loaded_at,
                        stored_ids=set(stored["series_id"].to_list()) if stored_ids is None else stored_ids,
                        undo_table=undo_table)
    return _ShardOutcome(delivery, merged, refused, withdrawn)


def ingest(facts: Catalog, source: ObservationSource, warehouse: Warehouse,
           shard_series: int | None = None) -> tuple[Ingested, Merged, int]:
    """What the raw asset does, as a plain function (bench P2 times it): shard by shard, fetch, check the delivery
    against the raw and the staging rules and merge it; then write the fetch log. Each shard is committed on its
    own and every committed shard is taken back on any error: on SourceError, DeliveryValidationError or
    VintageConflictError nothing is stored (a process killed between two shards leaves the earlier shards' checked
    rows stored without a fetch-log entry: the next run fetches and merges them again, adding nothing). The error is
    the one a single delivery of every series would raise (the shards after a failing one are still fetched and
    checked, not merged): every unreadable series first, else every failing row, else the first conflict."""
    with warehouse.connect() as con:
        stored = stored_summary(con)
    shards = ingest_shards(facts.series_ids(), [] if facts.consistency is None else
                           [list(ids) for ids in facts.consistency["series_ids"].to_list()],
                           shard_series or INGEST_SHARD_SERIES)
    stored_ids = set(stored["series_id"].to_list())
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ingested: Ingested | None = None
    refusals: dict[str, list[ValidationReport]] = {}  # model -> the failing shards' reports
    conflicts: list[VintageConflictError] = []
    source_errors: list[SourceError] = []
    inserted = superseded = 0
    inserted_by_series: dict[str, int] = {}
    refused: dict[str, str] = {}
    withdrawn: dict[str, str] = {}
    with warehouse.connect() as con:
        # each shard is committed on its own: DuckDB keeps a transaction's new rows in memory (~70 bytes a row,
        # not bounded by memory_limit; 18 GB for 250 M rows), so one transaction over every shard would make
        # memory follow the catalog again. A later refusal takes the committed shards back (undo_merges).
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_UNDO} ({UNDO_COLUMNS})")
        try:
            for shard in shards:
                # after a failure nothing more is merged: a shard is only fetched and checked, for the error
                merge = not (source_errors or refusals or conflicts)
                con.begin()
                try:
                    outcome = ingest_shard(con, facts, source, warehouse, shard, stored, loaded_at, merge=merge,
                                           stored_ids=stored_ids, undo_table=_UNDO)
                    con.commit()
                except SourceError as err:
                    con.rollback()
                    if source.isolates_failing_series:
                        # the live source raises only when FRED as a whole failed (deadline, breaker): its own
                        # message says so, and asking again for the next shards would only wait again
                        raise
                    source_errors.append(err)
                    continue
                except DeliveryValidationError as err:
                    con.rollback()
                    refusals.setdefault(err.report.model, []).append(err.report)
                    continue
                except VintageConflictError as err:
                    # one delivery is checked whole before its merge finds a conflict: so is every shard here
                    con.rollback()
                    conflicts.append(err)
                    continue
                except BaseException:
                    con.rollback()
                    raise
                delivery = outcome.delivery
                if outcome.merged is None:
                    continue
                if ingested is None:
                    ingested = Ingested(delivery.source, [])
                ingested.outcomes += delivery.outcomes
                ingested.add(delivery.observations)
                ingested.shards += 1
                inserted += outcome.merged.inserted
                superseded += outcome.merged.superseded
                inserted_by_series.update(outcome.merged.inserted_by_series)
                refused.update(outcome.refused)
                withdrawn.update(outcome.withdrawn)
                del delivery, outcome
            if source_errors:
                # one failing shard: its own error as it was raised; several: every series they name, in one
                raise source_errors[0] if len(source_errors) == 1 else SourceError(
                    {sid: why for err in source_errors for sid, why in err.failures.items()})
            if refusals:
                # the raw rules first, as check_delivery runs before the staging pre-check of a delivery
                model = "Delivery" if "Delivery" in refusals else next(iter(refusals))
                raise DeliveryValidationError(combined_report(refusals[model]))
            if conflicts:
                raise conflicts[0]
        except BaseException:
            if ingested is not None:
                undo_merges(con, loaded_at, _UNDO)
            raise
        finally:
            con.execute(f"DROP TABLE IF EXISTS {_UNDO}")
        stored_rows = con.execute("SELECT count(*) FROM raw.observations").fetchall()[0][0]
    assert ingested is not None
    warehouse.replace("raw.fetch_log", ingested.fetch_log(inserted_by_series, loaded_at))
    return ingested, Merged(inserted, superseded, loaded_at, refused, withdrawn), stored_rows


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
    fetch_log = warehouse.read("raw.fetch_log")
    by_status = dict(fetch_log.group_by("status").len().iter_rows())
    context.log.info(f"{delivery.source}: {delivery.rows} rows delivered in {delivery.shards} shard(s), "
                     f"{merged.inserted} new vintages stored, {merged.superseded} superseded; series by status "
                     f"{by_status}")
    missing = fetch_log.filter(pl.col("status") == "missing")
    return dg.MaterializeResult(metadata={
        "refused_series": dg.MetadataValue.json(refused),
        "withdrawn_values": dg.MetadataValue.json(withdrawn),
        **table_metadata("raw.observations", delivery.preview if delivery.preview is not None else
                         pl.DataFrame(schema=DELIVERY_SCHEMA)),
        **({"first_date": str(delivery.first_date), "last_date": str(delivery.last_date)} if delivery.rows else {}),
        "dagster/row_count": stored_rows,
        "source": delivery.source,
        "rows_delivered": delivery.rows,
        "shards": delivery.shards,
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


def _withdrawn_values(delivery: Delivery, con) -> dict[str, str]:
    """Series where the delivery has no value ('.' on FRED) for a date whose stored latest value is a number.

    Decision: such a row is stored as FRED publishes it (a later vintage whose value is null: FRED does withdraw
    values, e.g. a discontinued component), never refused and never filled in; the earlier value stays readable
    through raw.observations_as_of. It is reported, per series, as a warning in the run's log, the asset's
    metadata and the series' fetch report (raw.fetch_log, catalog.series.status_detail)."""
    nulls = delivery.observations.filter(pl.col("value").is_null()).select("series_id", "date", "realtime_start")
    if nulls.is_empty():
        return {}
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
