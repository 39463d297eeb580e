"""Model of the run log published with each file."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl


class Runs(pa.DataFrameModel):
    """One row per successful publish of this file, oldest first; carried over from the previous file."""

    run_id: str = pa.Field(unique=True, description="Dagster run id", metadata={"source": "Dagster"})
    started_at: pl.Datetime = pa.Field(description="run start (UTC)", metadata={"unit": "timestamp UTC"})
    finished_at: pl.Datetime = pa.Field(description="publish time (UTC)", metadata={"unit": "timestamp UTC"})
    source: str = pa.Field(description="observation source and vintage, e.g. 'fred_snapshot 2026-11-26'",
                           metadata={"source": "the source resource"})
    status: str = pa.Field(isin=["published"], description="'published' (failed runs publish nothing)",
                           metadata={"source": "pipeline"})
    row_counts: str = pa.Field(description="rows per published table", metadata={
        "source": "pipeline", "duckdb_type": "MAP(VARCHAR, BIGINT)"})
    series_report: str = pa.Field(description="per series: loaded, unchanged, missing or failed, with the error",
                                  metadata={"source": "the source resource"})

    class Config:
        description = "One row per publish: run id, times (UTC), source and vintage, row counts, series report."
