"""DuckDB: the pipeline's working database and the atomically published analyst file."""

from macro_pipeline.warehouse.publish import PublishError, publish_file
from macro_pipeline.warehouse.working import Warehouse

__all__ = ["PublishError", "Warehouse", "publish_file"]
