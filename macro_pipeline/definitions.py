"""The code location: a table of contents of assets, checks, jobs, schedules, sensors and resources."""

import dagster as dg

from macro_pipeline import settings
from macro_pipeline.defs.chart_book import published_chart_book
from macro_pipeline.defs.ingest import raw_observations
from macro_pipeline.defs.jobs import build_warehouse_job, build_warehouse_schedule, ui_test_schedules
from macro_pipeline.defs.live import (
    fred_source_from_env,
    fred_updates_sensor,
    live_refresh_job,
    live_refresh_schedule,
)
from macro_pipeline.defs.marts import mart_assets
from macro_pipeline.defs.publish import catalog_claims, catalog_series, catalog_tables, publish_assets
from macro_pipeline.defs.reference import config_assets, reference_assets
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.defs.revisions import revision_assets
from macro_pipeline.defs.schedules import frequency_jobs_and_schedules, with_freshness_policies
from macro_pipeline.defs.scorecard import scorecard_asset
from macro_pipeline.defs.staging import staging_observations
from macro_pipeline.progress import progress_logger
from macro_pipeline.sources import SnapshotSource
from macro_pipeline.warehouse import Warehouse


@dg.definitions
def defs() -> dg.Definitions:
    # the source is chosen here, when the location loads (MACRO_PIPELINE_SOURCE), never at import
    live = settings.source_kind() == "fred"
    source = fred_source_from_env() if live else SnapshotSource(snapshot_dir=str(settings.snapshot_dir()))
    # release-aware runs: a job and a stopped schedule per data frequency, rebuilding only the marts it feeds
    frequency_jobs, frequency_schedules = frequency_jobs_and_schedules()
    return dg.Definitions(
        # by layer: raw, staging, the cited files, the marts declared with the mart kit, catalog and published
        # (freshness policies applied once for the whole graph, from the release lags of the series)
        assets=with_freshness_policies([
            raw_observations, staging_observations, *reference_assets(), *config_assets(), *mart_assets(),
            catalog_series, catalog_claims, catalog_tables, *revision_assets, *publish_assets(), scorecard_asset(),
            published_chart_book]),
        jobs=[build_warehouse_job, *frequency_jobs, *([live_refresh_job] if live else [])],
        schedules=[build_warehouse_schedule, *frequency_schedules, *([live_refresh_schedule] if live else []),
                   *ui_test_schedules()],
        sensors=[fred_updates_sensor] if live else [],
        resources={
            "catalog": CatalogResource(reference_directory=str(settings.reference_dir())),
            "source": source,
            "warehouse": Warehouse(data_dir=str(settings.data_dir())),
        },
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
        executor=dg.in_process_executor,
    )
