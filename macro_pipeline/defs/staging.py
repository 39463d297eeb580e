"""Staging: the current vintage of every series, typed, joined with its catalog entry and validated."""

import bisect
import datetime as dt
from dataclasses import dataclass

import dagster as dg
import polars as pl

from macro_pipeline.catalog import Catalog, validate_series_id
from macro_pipeline.defs.ingest import RAW_OBSERVATIONS
from macro_pipeline.defs.metadata import check_result, definition_metadata, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.transforms.staging import combined_report, stage_observations, staging_batches
from macro_pipeline.transforms.validation import ValidationReport
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import record_staging, rules_fingerprint, series_changed_since_staging

STAGING_OBSERVATIONS = dg.AssetKey(["staging", "observations"])
# a full staging reads, joins and validates about this many latest rows at a time (whole series, consistency groups
# together): peak memory follows the batch, not the catalog. The embedded snapshot (57 k rows) is one batch; bench
# P2's 10,000 series (25.2 M rows) are eleven.
STAGING_BATCH_ROWS = 2_500_000


@dataclass(frozen=True)
class StagingSummary:
    """What the staging asset reports of staging.observations (or of the rows it refused to write)."""

    rows: int
    series: int
    first_date: dt.date | None
    last_date: dt.date | None
    preview: pl.DataFrame

    @classmethod
    def of(cls, frame: pl.DataFrame) -> "StagingSummary":
        dates = frame["date"].drop_nulls()
        return cls(frame.height, frame["series_id"].n_unique(), dates.min() if dates.len() else None,
                   dates.max() if dates.len() else None, frame.head(10))

    def metadata(self) -> dict[str, object]:
        meta = {**table_metadata("staging.observations", self.preview), "dagster/row_count": self.rows,
                "series": self.series}
        if self.first_date is not None:
            meta.update(first_date=str(self.first_date), last_date=str(self.last_date))
        return meta


def stage_latest(facts: Catalog, warehouse: Warehouse) -> tuple[StagingSummary, ValidationReport]:
    """What the staging asset does, as a plain function (bench P2 times it): the latest vintage of every series,
    validated; staging.observations is replaced only when every row passes.

    Incremental: when the catalog's series and units and the code are those of the last successful staging and
    the raw store only gained rows since, only the series that gained rows are read, validated and replaced
    (every staging rule looks at one series at a time); the others' rows are already validated in
    staging.observations. Anything else restages everything, in batches of about STAGING_BATCH_ROWS rows (whole
    series; a consistency group's series together) written to a build table that replaces the table only when
    every batch passed."""
    rules = rules_fingerprint(facts)
    with warehouse.connect() as con:
        changed = series_changed_since_staging(con, rules)
        counts = dict(con.execute(
            "SELECT series_id, count(*) FROM raw.observations WHERE realtime_end = DATE '9999-12-31' "
            "GROUP BY series_id").fetchall()) if changed is None else {}
    # the consistency groups (catalog consistency.csv): a cross-series rule checks a group's series together
    groups = [] if facts.consistency is None else [list(ids) for ids in facts.consistency["series_ids"].to_list()]
    batches = staging_batches(counts, groups, STAGING_BATCH_ROWS)
    stored_ids = sorted(counts)
    if changed is None and len(batches) <= 1:
        latest = warehouse.read_latest()
        staged, report = stage_observations(latest, facts.series, facts.units, consistency=facts.consistency)
        del latest
        if report.ok:
            warehouse.replace("staging.observations", staged)
        summary = StagingSummary.of(staged)
        del staged
    elif changed is None:
        # every series again, a batch at a time into a build table swapped in only if every batch passed
        reports = []
        with warehouse.batched_replace("staging.observations") as build:
            for ids in batches:
                latest = warehouse.read_latest(*_batch_filter(ids, stored_ids))
                part, part_report = stage_observations(latest, facts.series, facts.units,
                                                       consistency=facts.consistency)
                del latest
                reports.append(part_report)
                if all(r.ok for r in reports):
                    build.append(part)
                del part
            report = combined_report(reports)
            if report.ok:
                build.commit()
        # refused: the rows and series that were checked (nothing was written)
        summary = _summary_of_staging(warehouse) if report.ok else StagingSummary(
            sum(counts.values()), len(counts), None, None, warehouse.read("staging.observations", "WHERE false"))
    else:
        if changed:
            # a cross-series rule (catalog consistency.csv) is checked on every series of a group one of them is in
            touched = [set(ids) for ids in groups if set(ids) & set(changed)]
            ids = [validate_series_id(s) for s in sorted(set(changed).union(*touched))]
            latest = warehouse.read_latest(f"WHERE series_id IN ({', '.join('?' * len(ids))})", ids)
            part, report = stage_observations(latest, facts.series, facts.units, consistency=facts.consistency)
            if report.ok:
                warehouse.replace_series("staging.observations", part, ids)
        else:
            report = ValidationReport("StagingValidation", pl.DataFrame())
        summary = _summary_of_staging(warehouse)
    if report.ok:
        with warehouse.connect() as con:
            record_staging(con, rules)
    return summary, report


def _batch_filter(ids: list[str], stored_ids: list[str]) -> tuple[str, list[str]]:
    """The WHERE clause (ids bound) reading one batch's latest rows. A batch that is every stored series from its
    first id to its last (a batch without a consistency group pulled in) is read by the range alone: DuckDB skips
    the row groups outside it (the store is in series order as the sources deliver it) and returns the rows in
    store order, so they need no sort. An IN list becomes a join, whose rows come back out of order (2 s of sorting
    at 25 M rows); it is added only when the range holds series of other batches."""
    ids = [validate_series_id(s) for s in ids]
    low, high = min(ids), max(ids)
    in_range = stored_ids[bisect.bisect_left(stored_ids, low):bisect.bisect_right(stored_ids, high)]
    if len(in_range) == len(set(ids)):
        return "WHERE series_id BETWEEN ? AND ?", [low, high]
    return f"WHERE series_id BETWEEN ? AND ? AND series_id IN ({', '.join('?' * len(ids))})", [low, high, *ids]


def _summary_of_staging(warehouse: Warehouse) -> StagingSummary:
    with warehouse.connect() as con:
        rows, series, first, last = con.execute(
            "SELECT count(*), count(DISTINCT series_id), min(date), max(date) FROM staging.observations").fetchall()[0]
    preview = warehouse.read("staging.observations", "ORDER BY series_id, date LIMIT 10")
    return StagingSummary(rows, series, first, last, preview)


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
    with warehouse.transient():  # millions of rows at scale: DuckDB's buffers freed after each use
        summary, report = stage_latest(catalog.load(), warehouse)
    if not report.ok:
        context.log.error(report.summary())
    return dg.MaterializeResult(
        metadata={**summary.metadata(), "written": report.ok,
                  "units": "per series: see unit_id and catalog.series"},
        check_results=[check_result(report)])
