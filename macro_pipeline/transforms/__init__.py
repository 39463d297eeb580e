"""Pure polars transforms (polars in, polars out), testable without Dagster or DuckDB."""
