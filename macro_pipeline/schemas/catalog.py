"""Models of the published catalog tables: series, claims and tables."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import SERIES_ID_PATTERN

_CAT = {"source": "macro_pipeline/catalog/series.csv"}
_STATS = {"source": "computed from raw.observations (latest vintage)"}
_LAGS = "computed from last_date, frequency and macro_pipeline/catalog/release_lags.csv"


class CatalogSeries(pa.DataFrameModel):
    """Every series the product uses, with its units, frequency, claims and how much data this run had. A series
    the source could not deliver is listed with status 'missing' and n_obs 0, never dropped."""

    series_id: str = pa.Field(str_matches=SERIES_ID_PATTERN, description="FRED series id", metadata=_CAT)
    title: str = pa.Field(description="title as published", metadata=_CAT)
    units: str = pa.Field(description="units as published", metadata=_CAT)
    unit_id: str = pa.Field(description="unit code (units.csv) used for range checks", metadata=_CAT)
    unit_scale: float = pa.Field(description="multiplier from the published unit to base units (1e9 = billions)",
                                 metadata=_CAT)
    frequency: str = pa.Field(description="D, W, M, Q, SA or A", metadata=_CAT)
    date_rule: str = pa.Field(description="which dates the frequency allows", metadata=_CAT)
    seasonal_adjustment: str = pa.Field(description="SA, SAAR or NSA", metadata=_CAT)
    kind: str = pa.Field(description="stock, flow, rate, index or price", metadata=_CAT)
    aggregation: str = pa.Field(description="how to aggregate to a lower frequency: average, end_of_period, sum",
                                metadata=_CAT)
    max_step_ratio: float = pa.Field(nullable=True, description="largest plausible ratio between consecutive "
                                                                "values (catches a unit change such as x1000); "
                                                                "null: not checked", metadata=_CAT)
    claim_ids: pl.List(pl.Utf8) = pa.Field(description="claims (C1..C12) the series serves", metadata=_CAT)
    source: str = pa.Field(description="publisher and channel", metadata=_CAT)
    license_note: str = pa.Field(description="terms of reuse", metadata=_CAT)
    status: str = pa.Field(isin=["loaded", "missing", "failed"],
                           description="loaded; missing (the source does not have it); failed (last fetch failed, "
                                       "last good vintage kept)", metadata=_STATS)
    status_detail: str = pa.Field(nullable=True, description="why a series is missing or failed; source notes",
                                  metadata=_STATS)
    first_date: pl.Date = pa.Field(nullable=True, description="first observation date", metadata=_STATS)
    last_date: pl.Date = pa.Field(nullable=True, description="last observation date", metadata=_STATS)
    n_obs: int = pa.Field(ge=0, description="observations with a value, latest vintage",
                          metadata={**_STATS, "unit": "count"})
    vintage_date: pl.Date = pa.Field(nullable=True, description="latest realtime_start of the series",
                                     metadata=_STATS)
    release_lag_days: int = pa.Field(nullable=True, ge=0, description="days after the end of a period its "
                                     "observation is typically published (frequency default or per-series "
                                     "override)", metadata={"source": _LAGS, "unit": "days"})
    next_due_date: pl.Date = pa.Field(nullable=True, description="when the observation after last_date is due: "
                                      "end of its period + release_lag_days (null without data)",
                                      metadata={"source": _LAGS, "unit": "date"})
    late: bool = pa.Field(nullable=True, description="the next observation is overdue on the run's vintage date "
                          "(max realtime_start of the inputs): next_due_date is before it; null without data",
                          metadata={"source": _LAGS, "unit": "boolean"})

    class Config:
        description = "Every catalog series with units, frequency, claims, source, license and data coverage."
        unique = ["series_id"]


class CatalogClaims(pa.DataFrameModel):
    """The twelve claims of the thesis and the indicators that measure each."""

    claim_id: str = pa.Field(unique=True, description="C1..C12", metadata={"source": "shared thesis.md"})
    claim: str = pa.Field(description="the claim, as the essay makes it", metadata={"source": "thesis.md"})
    what_would_support_it: str = pa.Field(description="what the data would have to show",
                                          metadata={"source": "thesis.md"})
    indicator_ids: pl.List(pl.Utf8) = pa.Field(description="published indicators that measure the claim (may be "
                                                           "empty while none is built)",
                                               metadata={"source": "catalog/indicators.csv"})
    series_ids: pl.List(pl.Utf8) = pa.Field(description="catalog series serving the claim",
                                            metadata={"source": "catalog/series.csv"})

    class Config:
        description = "The thesis' claims C1-C12, what would support each, and the indicators and series for each."


class CatalogTables(pa.DataFrameModel):
    """Every published table, its grain and the tables it is built from."""

    table_name: str = pa.Field(unique=True, description="schema.table", metadata={"source": "table registry"})
    description: str = pa.Field(description="what the table holds", metadata={"source": "table registry"})
    grain: str = pa.Field(description="what one row is", metadata={"source": "table registry"})
    upstream_tables: pl.List(pl.Utf8) = pa.Field(description="tables it is computed from",
                                                 metadata={"source": "table registry"})
    columns: pl.List(pl.Utf8) = pa.Field(description="its columns, in order", metadata={"source": "table registry"})
    files_beside: pl.List(pl.Utf8) = pa.Field(
        description="files written from it beside the published file, relative to its folder, each replaced "
                    "atomically with every publish: exports/<table>.parquet (every table), exports/<table>.csv "
                    "(published.indicators and published.claims_scorecard) and chart_book/index.html (the offline "
                    "chart book, with one PNG per chart beside it)", metadata={"source": "table registry"})

    class Config:
        description = ("Every published table with description, grain, upstream tables, columns and the files "
                       "written from it beside the published file (Parquet and CSV exports, the chart book).")
