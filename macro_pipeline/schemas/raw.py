"""Models of the raw layer: what a source delivers, and the bitemporal store it is merged into."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import SERIES_ID_PATTERN

OPEN_END = "9999-12-31"


def _fred(description: str, unit: str | None = None) -> dict:
    return {"description": description, "metadata": {"unit": unit, "source": "the series' publisher, via FRED"}}


class _ObservationColumns(pa.DataFrameModel):
    """The columns a delivery and the raw store share. It declares no checks: pandera (0.35) loses a check's
    name when a subclass builds its schema from the parent's checks, so checks live only in leaf models."""

    series_id: str = pa.Field(str_matches=SERIES_ID_PATTERN, **_fred("FRED series id"))
    date: pl.Date = pa.Field(**_fred("observation date (a month, quarter or year is dated on its first day)"))
    value: float = pa.Field(nullable=True, **_fred("observation value in the series' units; null where the "
                                                   "source publishes no value ('.' on FRED)", "see catalog.series"))
    realtime_start: pl.Date = pa.Field(**_fred("first day this value was the known one (the vintage date)"))
    realtime_end: pl.Date = pa.Field(**_fred(f"last day this value was the known one; {OPEN_END} while current"))


class Delivery(_ObservationColumns):
    """Observations as a source delivered them in one run, before they are merged into raw.observations."""

    # optional: the snapshot's vintages carry it; a delivery without it is merged as 'complete'
    vintage_completeness: str | None = pa.Field(isin=["complete", "sparse"], **_fred(
        "'complete' or 'sparse' (see raw.observations)"))

    class Config:
        description = "One source delivery: unique per (series_id, date, realtime_start), values finite or null."
        # uniqueness is checked by check_delivery on the sorted key: pandera's hash check was P2's memory peak
        unique = None

    @pa.dataframe_check(name="value is finite or null")
    def value_is_finite(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value").is_finite().fill_null(True))

    @pa.dataframe_check(name="realtime_start <= realtime_end")
    def realtime_ordered(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("realtime_start") <= pl.col("realtime_end"))


class RawObservations(_ObservationColumns):
    """Every observation of every catalog series, with every vintage seen (bitemporal). A changed value is a new
    row with a later realtime_start, never an overwrite; raw.observations_latest gives the current vintage and
    raw.observations_as_of(D) the series as known on date D."""

    source: str = pa.Field(**_fred("where the row came from, e.g. 'fred_snapshot 2026-11-26' or 'fred_api'"))
    loaded_at: pl.Datetime = pa.Field(**_fred("when the pipeline stored the row (UTC)"))
    vintage_completeness: str = pa.Field(
        isin=["complete", "sparse"],
        description="whether the row's source lists every release of its window ('complete'; also the snapshot's "
                    "own vintage and FRED) or only some ('sparse': e.g. the snapshot's GDPC1 vintages, first/second/"
                    "third/latest estimates only), so the value is known to hold on its realtime_start only and may "
                    "have changed in an unlisted release before realtime_end",
        metadata={"unit": "text", "source": "the source's manifest (data/fred_snapshot/vintages/MANIFEST.csv)",
                  # rows stored before the column existed came from complete sources (snapshot, FRED)
                  "migration_default": "'complete'"})

    class Config:
        description = ("Every observation of every catalog series with every vintage seen (bitemporal): a changed "
                       "value is a new row with a later realtime_start, never an overwrite.")
        unique = ["series_id", "date", "realtime_start"]


class FetchLog(pa.DataFrameModel):
    """What the source reported for every catalog series in the latest run (working database only)."""

    series_id: str = pa.Field(str_matches=SERIES_ID_PATTERN, description="FRED series id")
    status: str = pa.Field(isin=["fetched", "unchanged", "missing", "failed"],
                           description="fetched, unchanged, missing (source lacks it) or failed (error kept)")
    rows: int = pa.Field(ge=0, description="rows delivered")
    inserted: int = pa.Field(ge=0, description="rows that were new vintages")
    detail: str = pa.Field(nullable=True, description="error text or source note")
    source_last_updated: str = pa.Field(nullable=True, description="the source's revision stamp of the series "
                                                                   "(FRED last_updated) at this fetch")
    source: str = pa.Field(description="source label of the run")
    fetched_at: pl.Datetime = pa.Field(description="when the fetch ended (UTC)")

    class Config:
        description = "Per-series report of the latest fetch."
        unique = ["series_id"]
