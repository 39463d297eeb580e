"""The code location: a table of contents of assets, checks, jobs, schedules and resources."""

from __future__ import annotations

import dagster as dg

from macro_pipeline import settings
import macro_pipeline.defs
from macro_pipeline.defs.jobs import build_warehouse_job, build_warehouse_schedule
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.progress import progress_logger
from macro_pipeline.sources import SnapshotSource
from macro_pipeline.warehouse import Warehouse


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=dg.load_assets_from_package_module(macro_pipeline.defs),
        asset_checks=dg.load_asset_checks_from_package_module(macro_pipeline.defs),
        jobs=[build_warehouse_job],
        schedules=[build_warehouse_schedule],
        resources={
            "catalog": CatalogResource(),
            "source": SnapshotSource(snapshot_dir=str(settings.snapshot_dir())),
            "warehouse": Warehouse(data_dir=str(settings.data_dir())),
        },
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
        executor=dg.in_process_executor,
    )
