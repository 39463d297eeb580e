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


_KIT = "macro_pipeline mart kit (macro_pipeline/mart_kit.py)"


class MartRuns(pa.DataFrameModel):
    """One row per declared mart: how its last build went, and which build the published table comes from."""

    table_name: str = pa.Field(unique=True, description="the mart's table (schema.table)",
                               metadata={"unit": "text", "source": _KIT})
    claim_ids: pl.List(pl.Utf8) = pa.Field(description="claims (C1..C12) the mart serves",
                                           metadata={"unit": "text", "source": _KIT})
    status: str = pa.Field(isin=["built", "failed", "insufficient data"],
                           description="built (this attempt wrote the table); failed (the transform or a check "
                                       "failed: the table is left as its last successful build wrote it, or "
                                       "empty if there was none); insufficient data (a required input has no "
                                       "data: the table is empty)", metadata={"unit": "text", "source": _KIT})
    reason: str = pa.Field(nullable=True, description="why the mart failed or has insufficient data",
                           metadata={"unit": "text", "source": _KIT})
    run_id: str = pa.Field(description="Dagster run of the last attempt", metadata={"unit": "text",
                                                                                   "source": "Dagster"})
    attempted_at: pl.Datetime = pa.Field(description="time of the last attempt (UTC)",
                                         metadata={"unit": "timestamp UTC", "source": _KIT})
    rows: int = pa.Field(ge=0, description="rows the table holds now", metadata={"unit": "count", "source": _KIT})
    built_run_id: str = pa.Field(nullable=True, description="Dagster run whose build the table holds (null: never "
                                 "built)", metadata={"unit": "text", "source": "Dagster"})
    built_at: pl.Datetime = pa.Field(nullable=True, description="time of that build (UTC)",
                                     metadata={"unit": "timestamp UTC", "source": _KIT})

    class Config:
        description = ("One row per declared mart: status of its last build (built, failed, insufficient data) "
                       "with the reason, and which run built the table as it stands. A failed mart keeps its last "
                       "successful table; the scorecard names it.")


class InputStatus(pa.DataFrameModel):
    """Per parsed reference or catalog file (reference.*, config.*): whether its last load passed, so a mart never
    reads a stale copy of an input that failed (working database only)."""

    table_name: str = pa.Field(unique=True, description="reference.<name> or config.<name>",
                               metadata={"unit": "text", "source": "the file's asset"})
    status: str = pa.Field(isin=["loaded", "failed"], description="loaded, or failed (the table is not used)",
                           metadata={"unit": "text", "source": "the file's asset"})
    reason: str = pa.Field(nullable=True, description="the error naming file, row and column",
                           metadata={"unit": "text", "source": "the file's asset"})
    run_id: str = pa.Field(description="Dagster run of the load", metadata={"unit": "text", "source": "Dagster"})

    class Config:
        description = "Status of the last load of each reference and catalog file (working database only)."
