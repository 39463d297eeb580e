"""Models of the published layer: what analysts read first."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl


class Indicators(pa.DataFrameModel):
    """Every published indicator value: one row per (indicator_id, date), with its claim, unit and source.
    Indicator definitions live in the package's catalog/indicators.csv."""

    indicator_id: str = pa.Field(description="indicator id (catalog/indicators.csv)",
                                 metadata={"source": "macro_pipeline indicator catalog"})
    claim_id: str = pa.Field(str_matches=r"^C(1[0-2]|[1-9])$", description="the thesis claim it measures (C1..C12)",
                             metadata={"source": "catalog.claims"})
    date: pl.Date = pa.Field(description="period of the value (a week by its Wednesday, a month, quarter or year "
                                         "by its first day)", metadata={"unit": "date"})
    value: float = pa.Field(description="indicator value", metadata={"unit": "see unit"})
    unit: str = pa.Field(description="unit of value, spelled out", metadata={"unit": "text"})
    source: str = pa.Field(description="table and series the value was computed from",
                           metadata={"source": "the mart named here"})
    as_of: pl.Date = pa.Field(description="vintage date of the inputs (the latest realtime_start used)",
                              metadata={"unit": "date"})

    class Config:
        description = "The publishable indicator set: every indicator value with its claim, unit, source and as-of."
        unique = ["indicator_id", "date"]

    @pa.dataframe_check(name="value is finite")
    def value_is_finite(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value").is_finite())
