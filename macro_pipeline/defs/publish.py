"""Publish: the catalog tables, the indicator set, and the atomic replacement of the analyst file."""

import datetime as dt

import dagster as dg
import polars as pl

from macro_pipeline.defs.ingest import RAW_OBSERVATIONS
from macro_pipeline.defs.metadata import OWNERS, check_result, column_schema, definition_metadata, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.defs.staging import STAGING_OBSERVATIONS
from macro_pipeline.schemas import CatalogClaims, CatalogSeries, Indicators, catalog_tables_frame, table, tables
from macro_pipeline.transforms.catalog_tables import claims_table, series_table
from macro_pipeline.transforms.freshness import parse_release_lags
from macro_pipeline.transforms.indicators import indicator_rows
from macro_pipeline.transforms.validation import validate
from macro_pipeline.warehouse import Warehouse, publish_file
from macro_pipeline.warehouse.exports import write_exports
from macro_pipeline.warehouse.publish import RunRecord

CATALOG_SERIES = dg.AssetKey(["catalog", "series"])
CATALOG_CLAIMS = dg.AssetKey(["catalog", "claims"])
CATALOG_TABLES = dg.AssetKey(["catalog", "tables"])
PUBLISHED_INDICATORS = dg.AssetKey(["published", "indicators"])
PUBLISHED_FILE = dg.AssetKey(["published", "macro_duckdb"])
PUBLISHED_EXPORTS = dg.AssetKey(["published", "exports"])
_CATALOG = {"group_name": "catalog", "kinds": {"duckdb", "polars"}, "owners": OWNERS}
_PUBLISHED = {"group_name": "published", "kinds": {"duckdb", "polars"}, "owners": OWNERS}
# tables the publish writes itself (meta.runs) or that the marts fill as they run (meta.marts): not assets
_NOT_ASSETS = ("meta.runs", "meta.marts")


def _indicator_marts() -> list[str]:
    """Every mart an indicator is declared on (catalog/indicators.csv, the one place indicators are listed)."""
    return sorted(set(table("published.indicators").upstream))


@dg.asset(key=CATALOG_SERIES, deps=[RAW_OBSERVATIONS], tags={"layer": "catalog"}, **_CATALOG,
          metadata=definition_metadata("catalog.series"),
          check_specs=[dg.AssetCheckSpec("every_delivered_series_has_data", asset=CATALOG_SERIES, blocking=True,
                                         description="Each series the source did not report missing has "
                                                     "observations; the table fits its model."),
                       dg.AssetCheckSpec("series_are_on_time", asset=CATALOG_SERIES,
                                         description="No series' next observation is overdue on the run's vintage "
                                                     "date (end of the next period + its release lag, "
                                                     "catalog/release_lags.csv). Warns, naming the late series.")])
def catalog_series(catalog: CatalogResource, warehouse: Warehouse) -> dg.MaterializeResult:
    """Every catalog series with its title, units, frequency, seasonal adjustment, claims, source and license, and
    this run's coverage: first and last date, number of observations, and status (loaded, missing: the source
    does not have it, or failed: the last fetch failed and the last good vintage is kept); and its freshness:
    when its next observation is due (end of the next period + its release lag, catalog/release_lags.csv) and
    whether it is late on the run's vintage date (a WARN check lists the late series)."""
    facts = catalog.load()
    latest = warehouse.read_latest()
    outcomes = warehouse.read("raw.fetch_log")
    lags = parse_release_lags(catalog.file("release_lags.csv").read_text(encoding="utf-8"), facts.series)
    table = series_table(facts.series, latest, outcomes, lags)
    report = validate(CatalogSeries, table)
    # a series the source delivered must have data; missing and failed ones are flagged, not fatal
    empty_delivered = table.filter((pl.col("n_obs") == 0) & pl.col("series_id").is_in(
        outcomes.filter(pl.col("status").is_in(["fetched", "unchanged"]))["series_id"].implode()))
    warehouse.replace("catalog.series", table)
    missing = table.filter(pl.col("status") != "loaded")
    passed = report.ok and empty_delivered.is_empty()
    late = table.filter(pl.col("late").fill_null(False))
    return dg.MaterializeResult(
        metadata={**table_metadata("catalog.series", table, "last_date"),
                  "series_loaded": table.height - missing.height,
                  "series_not_loaded": ", ".join(f"{r['series_id']} ({r['status']})" for r in missing.to_dicts()),
                  "series_late": late.height},
        check_results=[dg.AssetCheckResult(
            check_name="every_delivered_series_has_data",
            passed=passed, severity=dg.AssetCheckSeverity.ERROR,
            description=None if passed else
            f"{report.summary()}; delivered but empty: {empty_delivered['series_id'].to_list()}"),
            dg.AssetCheckResult(
                check_name="series_are_on_time", passed=late.is_empty(), severity=dg.AssetCheckSeverity.WARN,
                description=None if late.is_empty() else f"{late.height} late: " + ", ".join(
                    f"{r['series_id']} (last {r['last_date']}, due {r['next_due_date']})"
                    for r in late.iter_rows(named=True)),
                metadata={"late_series": ", ".join(late["series_id"].to_list()) or "(none)"})])


@dg.asset(key=CATALOG_CLAIMS, tags={"layer": "catalog"}, **_CATALOG, metadata=definition_metadata("catalog.claims"))
def catalog_claims(catalog: CatalogResource, warehouse: Warehouse) -> dg.MaterializeResult:
    """The thesis' twelve claims (C1-C12), what the data would have to show for each, and the published
    indicators and catalog series that measure it. A claim without indicators yet has an empty list."""
    facts = catalog.load()
    table = claims_table(facts.claims, facts.indicators, facts.series)
    validate(CatalogClaims, table)
    warehouse.replace("catalog.claims", table)
    return dg.MaterializeResult(metadata=table_metadata("catalog.claims", table))


@dg.asset(key=CATALOG_TABLES, tags={"layer": "catalog"}, **_CATALOG, metadata=definition_metadata("catalog.tables"))
def catalog_tables(warehouse: Warehouse) -> dg.MaterializeResult:
    """Every published table with its description, grain, upstream tables and columns, from the table
    registry (macro_pipeline/schemas)."""
    table = catalog_tables_frame()
    warehouse.replace("catalog.tables", table)
    return dg.MaterializeResult(metadata=table_metadata("catalog.tables", table))


def publish_assets() -> list[dg.AssetsDefinition]:
    """The indicator set and the analyst file, whose upstream assets depend on the declared marts."""
    return [_published_indicators(_indicator_marts()), _published_macro_duckdb(), published_exports]


def _published_indicators(indicator_marts: list[str]) -> dg.AssetsDefinition:
    return dg.asset(key=PUBLISHED_INDICATORS, deps=[dg.AssetKey(name.split(".")) for name in indicator_marts],
                    tags={"layer": "published"}, **_PUBLISHED,
                    metadata=definition_metadata("published.indicators"),
                    check_specs=[dg.AssetCheckSpec(
                        "indicators_are_valid", asset=PUBLISHED_INDICATORS, blocking=True,
                        description="One finite value per indicator and date, each with a claim, unit, source and "
                                    "as-of date.")])(published_indicators)


def published_indicators(catalog: CatalogResource, warehouse: Warehouse) -> dg.MaterializeResult:
    """The publishable indicator set: every value of every indicator declared in catalog/indicators.csv, with its
    claim, unit, source and the vintage date of its inputs."""
    facts = catalog.load()
    # the indicators of this run's catalog (the resource's: a test or a fork may declare more) read their marts
    marts = {name: warehouse.read(name) for name in sorted(set(facts.indicators["source_table"]))}
    with warehouse.connect() as con:
        as_of = con.execute("SELECT max(realtime_start) FROM staging.observations").fetchall()[0][0]
    rows = indicator_rows(facts.indicators, marts, as_of)
    report = validate(Indicators, rows)
    if report.ok:
        warehouse.replace("published.indicators", rows)
    per_indicator = rows.group_by("indicator_id").len().sort("indicator_id")
    return dg.MaterializeResult(
        metadata={**table_metadata("published.indicators", rows, "date"),
                  "rows_per_indicator": dg.MetadataValue.json(dict(per_indicator.iter_rows()))},
        check_results=[check_result(report)])


def _published_macro_duckdb() -> dg.AssetsDefinition:
    # every published table is an asset keyed by its name, except the two the run itself writes
    deps = [dg.AssetKey([t.schema, t.table]) for t in tables() if t.published and t.name not in _NOT_ASSETS]
    return dg.asset(key=PUBLISHED_FILE, deps=[*deps, STAGING_OBSERVATIONS], tags={"layer": "published"},
                    **_PUBLISHED, metadata={"dagster/column_schema": column_schema(table("meta.runs")),
                                            "path": "data/macro.duckdb"})(published_macro_duckdb)


def published_macro_duckdb(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """The analyst file data/macro.duckdb, replaced atomically: a new file is built beside it (DuckDB storage
    v1.2.0, readable by 1.x clients), opened read-only and checked, then renamed into place. A failed or killed
    run leaves the previous file as it was; readers holding it are never blocked."""
    fetch_log = warehouse.read("raw.fetch_log")
    source = fetch_log["source"][0] if fetch_log.height else "unknown"
    report = "; ".join(f"{r['series_id']}: {r['status']}" + (f" ({r['detail']})" if r["status"] in
                       ("missing", "failed") and r["detail"] else "") for r in fetch_log.to_dicts())
    run = RunRecord(run_id=context.run.run_id,
                    started_at=_run_start(context), source=source, series_report=report)
    warehouse.release()  # publish_file opens the working database itself (read-only, beside the new file)
    result = publish_file(warehouse.working_path, warehouse.published_path, run)
    context.log.info(f"published {result.path} ({result.bytes / 1e6:.1f} MB): {result.row_counts}")
    if result.history_warning:
        context.log.warning(f"run history: {result.history_warning}")
    return dg.MaterializeResult(metadata={
        "history_warning": result.history_warning or "",
        "runs_recovered_from_previous_file": result.runs_recovered,
        "path": dg.MetadataValue.path(str(result.path)),
        "bytes": result.bytes,
        "row_counts": dg.MetadataValue.json(result.row_counts),
        "source": source,
        "storage_version": "v1.2.0",
    })


@dg.asset(key=PUBLISHED_EXPORTS, deps=[PUBLISHED_FILE], tags={"layer": "published"}, group_name="published",
          kinds={"parquet", "csv"}, owners=OWNERS,
          metadata={"dagster/column_schema": dg.TableSchema(columns=[
              dg.TableColumn("<schema.table>.parquet", "file", description="every published table"),
              dg.TableColumn("<schema.table>.csv", "file",
                             description="published.indicators and published.claims_scorecard")]),
              "path": "data/exports/"})
def published_exports(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Exports beside the published file (data/exports/): Parquet of every published table and CSV of
    published.indicators and published.claims_scorecard (list columns as ';'-separated text), read from the file
    just published. Each is written in a temporary folder, fsynced and renamed over its old version, so a reader
    gets a whole old or a whole new file, never part of one. catalog.tables lists them (files_beside)."""
    rows = write_exports(warehouse.published_path, context.run.run_id)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(warehouse.published_path.parent /
                                                                            "exports")),
                                          "files": len(rows), "rows_per_file": dg.MetadataValue.json(rows)})


def _run_start(context: dg.AssetExecutionContext) -> dt.datetime:
    record = context.instance.get_run_record_by_id(context.run.run_id)
    started = record.start_time if record and record.start_time else None
    if started is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return dt.datetime.fromtimestamp(started, dt.UTC).replace(tzinfo=None)
