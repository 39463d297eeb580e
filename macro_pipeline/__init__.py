"""macro_pipeline: a Dagster pipeline and DuckDB warehouse that measures a macro thesis from public data."""

__version__ = "0.1.0"
