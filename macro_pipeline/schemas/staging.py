"""Models of the staging layer: the current vintage of each series, typed and checked against its catalog entry."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import SERIES_ID_PATTERN

_SOURCE = {"source": "raw.observations (latest vintage) joined with catalog.series"}


class StagingObservations(pa.DataFrameModel):
    """The latest known vintage of every observation, one row per (series_id, date), with the unit and date rule
    it was checked against. Only data that passed every check reaches the marts."""

    series_id: str = pa.Field(str_matches=SERIES_ID_PATTERN, description="FRED series id", metadata=_SOURCE)
    date: pl.Date = pa.Field(description="observation date", metadata=_SOURCE)
    value: float = pa.Field(nullable=True, description="value in the series' units; null = not published",
                            metadata={**_SOURCE, "unit": "see unit_id"})
    unit_id: str = pa.Field(description="unit of value (catalog units.csv)", metadata=_SOURCE)
    base_value: float = pa.Field(nullable=True, description="value in the unit's base unit (value * scale of "
                                 "unit_id / scale of base_unit_id): what the marts read",
                                 metadata={**_SOURCE, "unit": "see base_unit_id"})
    base_unit_id: str = pa.Field(description="the base unit of unit_id (catalog units.csv), e.g. usd_bn for usd_mn",
                                 metadata=_SOURCE)
    date_rule: str = pa.Field(description="which dates the series' frequency allows", metadata=_SOURCE)
    realtime_start: pl.Date = pa.Field(description="vintage date of the value", metadata=_SOURCE)

    class Config:
        description = "Validated current vintage of every series (working database only)."
        unique = ["series_id", "date"]


_WEEKDAY_RULES = {
    "weekday": pl.col("date").dt.weekday() <= 5,
    "wednesday": pl.col("date").dt.weekday() == 3,
    "wednesday_or_thursday": pl.col("date").dt.weekday().is_in([3, 4]),
    "month_start": pl.col("date").dt.day() == 1,
    "quarter_start": (pl.col("date").dt.day() == 1) & pl.col("date").dt.month().is_in([1, 4, 7, 10]),
    "half_start": (pl.col("date").dt.day() == 1) & pl.col("date").dt.month().is_in([1, 7]),
    "year_start": (pl.col("date").dt.day() == 1) & (pl.col("date").dt.month() == 1),
}


def date_fits_rule() -> pl.Expr:
    """True where the date is allowed by the row's date_rule (see catalog.DATE_RULES)."""
    expr = pl.lit(False)
    for rule, ok in _WEEKDAY_RULES.items():
        expr = pl.when(pl.col("date_rule") == rule).then(ok).otherwise(expr)
    return pl.when(pl.col("date_rule") == "any_day").then(True).otherwise(expr)


def previous_value_in_series() -> pl.Expr:
    """The last non-null value before each row within its series, on a frame sorted by series_id then date.

    A neighbour comparison on the sorted frame: the forward-filled value of the row before, kept only if that
    value belongs to the same series. It gives what ``value.forward_fill().shift(1).over("series_id",
    order_by="date")`` gives (tested against it) without a window: 0.1 s instead of 2.7 s at 25 M rows.
    """
    series_no = pl.col("series_id").rle_id()
    series_of_last_value = pl.when(pl.col("value").is_not_null()).then(series_no).forward_fill()
    return (pl.when(series_of_last_value.shift(1) == series_no)
            .then(pl.col("value").forward_fill().shift(1)))


class StagingValidation(StagingObservations):
    """Staging rows with their unit's plausible range joined in, as validated."""

    plausible_min: float = pa.Field(description="lowest plausible value of the unit")
    plausible_max: float = pa.Field(description="highest plausible value of the unit")
    max_step_ratio: float = pa.Field(nullable=True, description="largest plausible ratio to the previous value")
    ratio_floor: float = pa.Field(nullable=True, description="a step no larger than this (in the series' units) "
                                                             "passes the ratio rule: near zero a ratio means nothing")
    max_step_abs: float = pa.Field(nullable=True, description="largest plausible step, in the series' units")
    max_step_p99_multiple: float = pa.Field(nullable=True, description="largest plausible step as a multiple of "
                                                                       "the 99th percentile of the series' steps")

    class Config:
        description = "Staging rows under validation (uniqueness is checked by stage_observations on the sorted key)."
        unique = None

    @pa.dataframe_check(name="value is finite or null")
    def value_is_finite(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value").is_finite().fill_null(True))

    @pa.dataframe_check(name="value within the unit's plausible range")
    def value_in_range(cls, data) -> pl.LazyFrame:
        v = pl.col("value")
        return data.lazyframe.select(v.is_between(pl.col("plausible_min"), pl.col("plausible_max")).fill_null(True))

    @pa.dataframe_check(name="date fits the series' frequency")
    def date_fits_frequency(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(date_fits_rule())

    # The glitch guard: a unit slip (x1000, a fraction for a percent) is a step no real series takes. Limits come
    # from the catalog (units.csv defaults per unit family, series.csv overrides); see catalog/__init__.py.
    @pa.dataframe_check(name="no jump beyond max_step_ratio from the previous value (a unit change?)")
    def no_level_shift(cls, data) -> pl.LazyFrame:
        # rows arrive sorted by series and date; compare with the last published value before this one
        previous = previous_value_in_series()
        ratio = (pl.col("value") / previous).abs()
        limit = pl.col("max_step_ratio")
        within = (ratio <= limit) & (ratio >= 1 / limit)
        # near zero a large ratio is a small move (DTB3 0.19 -> 0.02 %): only a step beyond the floor counts
        small = (pl.col("value") - previous).abs() <= pl.col("ratio_floor").fill_null(0)
        return data.lazyframe.select((limit.is_null() | ratio.is_null() | within | small).fill_null(True))

    @pa.dataframe_check(name="no step beyond max_step_abs or max_step_p99_multiple x the series' 99th-percentile "
                             "step (a unit change?)")
    def no_outsized_step(cls, data) -> pl.LazyFrame:
        previous = pl.col("value").forward_fill().shift(1).over("series_id", order_by="date")
        stepped = data.lazyframe.with_columns((pl.col("value") - previous).abs().alias("_step"))
        # the 99th percentile of the series' own steps: a few glitched rows cannot move it
        limit = pl.coalesce(pl.col("max_step_abs"),
                            pl.col("max_step_p99_multiple") * pl.col("_step").quantile(0.99).over("series_id"))
        return stepped.select((limit.is_null() | pl.col("_step").is_null() | (pl.col("_step") <= limit))
                              .fill_null(True))

    @pa.dataframe_check(name="date not after the vintage date")
    def date_not_in_future(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("date") <= pl.col("realtime_start"))
