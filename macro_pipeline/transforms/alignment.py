"""Frequency alignment, declared: the few rules by which a mart puts series of different frequencies and units on
one calendar, each rule named on what it produces.

A mart receives observations from the kit as a long frame (series_id, date, value, unit_id) with every value in
its series' **base unit** (``catalog/units.csv``: millions of dollars already arrive as billions). The functions
here take one series at a time (``one_series``) and give an *aligned* frame with the columns

    period (date) | value (float) | unit_id (str) | source_date (date) | rule (str)

``period`` is the label of the target period: a month, quarter, half-year or year by its first day (the project's
convention), a week by the Wednesday that ends it (the H.4.1 convention). ``source_date`` is the last observation
the value used, so an aligned value never hides how old it is. ``rule`` names the rule that made the value:

- ``end_of_period(<period>)``: the last observation inside the period (a level at period end: reserves on the
  last Wednesday of a month).
- ``period_average(<period>, min <n>)``: the mean of the observations inside the period, only when there are at
  least ``n`` of them (a quarter of monthly data is an average of all three months, never of two).
- ``last_observation(max <k> days)``: at each target date, the last observation on or before it and at most
  ``k`` days old; older than that gives no value (a missing value, not a carried-forward one).
- ``containing_period(<period>)``: at each target date, the value of the longer period that contains it (an
  annual income for each quarter of its year); no value for a date whose period has none.

How the rule is recorded in a mart: every mart built on these functions has a text column ``alignment`` naming,
for the row, each aligned input as ``<series>: <rule>`` (from ``describe``), and its model's descriptions say
which column comes from which input. A value on the mart's own calendar (a monthly series in a monthly mart) is
``same_period``.

Combining (``combine``) refuses, with an error naming both series and units, two series in different units and
an index with anything that is not an index: sums, differences and ratios of a level and an index (or of
millions and billions, which the base units already reconcile) are the classic hand-built tracker error.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

PERIODS = ("week", "month", "quarter", "half_year", "year")
_TRUNCATE = {"month": "1mo", "quarter": "3mo", "half_year": "6mo", "year": "1y"}
INDEX_UNIT = "index"
ALIGNED_SCHEMA = {"period": pl.Date, "value": pl.Float64, "unit_id": pl.String, "source_date": pl.Date,
                  "rule": pl.String}
OPERATIONS = ("+", "-", "/")


class UnitMismatchError(ValueError):
    """Two series cannot be combined: different units, or an index with a level."""


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; known: {list(PERIODS)}")


def period_of(date: pl.Expr, period: str) -> pl.Expr:
    """The label of the period containing ``date``: first day of the month/quarter/year, or the Wednesday ending
    the week (Thursday to Wednesday, the H.4.1 week)."""
    _check_period(period)
    if period == "week":
        # polars weekday: Monday = 1 ... Wednesday = 3 ... Sunday = 7; days to the next Wednesday (0 on one)
        return date + pl.duration(days=(3 - date.dt.weekday()) % 7)
    return date.dt.truncate(_TRUNCATE[period])


def one_series(observations: pl.DataFrame, series_id: str) -> pl.DataFrame:
    """The observed values of one series (date, value, unit_id), sorted; refuses a series in more than one unit."""
    rows = (observations.filter((pl.col("series_id") == series_id) & pl.col("value").is_not_null())
            .select("date", pl.col("value").cast(pl.Float64), "unit_id").sort("date"))
    units = rows["unit_id"].unique().to_list()
    if len(units) > 1 or None in units:
        raise UnitMismatchError(f"{series_id} arrives in units {sorted(map(str, units))}: one base unit expected "
                                "(is it missing from the catalog?)")
    return rows


def _aligned(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(list(ALIGNED_SCHEMA)).cast(ALIGNED_SCHEMA)  # type: ignore[arg-type]


def same_period(series: pl.DataFrame) -> pl.DataFrame:
    """A series already on the target calendar, labelled as aligned (no transformation)."""
    return _aligned(series.with_columns(pl.col("date").alias("period"), pl.col("date").alias("source_date"),
                                        pl.lit("same_period").alias("rule")))


def end_of_period(series: pl.DataFrame, period: str) -> pl.DataFrame:
    """The last observation inside each period."""
    _check_period(period)
    out = (series.with_columns(period_of(pl.col("date"), period).alias("period")).sort("date")
           .group_by("period").agg(pl.col("value").last(), pl.col("unit_id").last(),
                                   pl.col("date").last().alias("source_date"))
           .with_columns(pl.lit(f"end_of_period({period})").alias("rule")).sort("period"))
    return _aligned(out)


def period_average(series: pl.DataFrame, period: str, min_observations: int) -> pl.DataFrame:
    """The mean of the observations inside each period that has at least ``min_observations`` of them."""
    _check_period(period)
    if min_observations < 1:
        raise ValueError("min_observations must be at least 1")
    out = (series.with_columns(period_of(pl.col("date"), period).alias("period"))
           .group_by("period").agg(pl.col("value").mean(), pl.col("unit_id").first(),
                                   pl.col("date").max().alias("source_date"), pl.len().alias("n"))
           .filter(pl.col("n") >= min_observations)
           .with_columns(pl.lit(f"period_average({period}, min {min_observations})").alias("rule")).sort("period"))
    return _aligned(out)


def last_observation(series: pl.DataFrame, at: pl.Series | list[dt.date], max_staleness_days: int) -> pl.DataFrame:
    """At each target date, the last observation on or before it, if at most ``max_staleness_days`` old."""
    if max_staleness_days < 0:
        raise ValueError("max_staleness_days must be >= 0")
    targets = pl.DataFrame({"period": at}, schema={"period": pl.Date}).unique().sort("period")
    source = series.select(pl.col("date").alias("source_date"), "value", "unit_id").sort("source_date")
    out = (targets.join_asof(source, left_on="period", right_on="source_date", strategy="backward")
           .with_columns(((pl.col("period") - pl.col("source_date")).dt.total_days() > max_staleness_days)
                         .fill_null(True).alias("_stale"))
           .filter(~pl.col("_stale"))
           .with_columns(pl.lit(f"last_observation(max {max_staleness_days} days)").alias("rule")))
    return _aligned(out)


def containing_period(series: pl.DataFrame, at: pl.Series | list[dt.date], period: str) -> pl.DataFrame:
    """At each target date, the value of the ``period`` (a longer one) containing it."""
    _check_period(period)
    source = end_of_period(series, period).select("period", "value", "unit_id", "source_date")
    targets = pl.DataFrame({"period": at}, schema={"period": pl.Date}).unique().sort("period")
    out = (targets.with_columns(period_of(pl.col("period"), period).alias("_containing"))
           .join(source.rename({"period": "_containing"}), on="_containing", how="inner")
           .with_columns(pl.lit(f"containing_period({period})").alias("rule")).sort("period"))
    return _aligned(out)


def check_combinable(left_name: str, left_unit: str | None, right_name: str, right_unit: str | None) -> None:
    """Refuse to combine two series whose units differ, or an index with a level; the error names both."""
    if left_unit is None or right_unit is None:
        raise UnitMismatchError(f"cannot combine {left_name} ({left_unit}) and {right_name} ({right_unit}): a unit "
                                "is unknown")
    if (left_unit == INDEX_UNIT) != (right_unit == INDEX_UNIT):
        raise UnitMismatchError(f"cannot combine {left_name} ({left_unit}) and {right_name} ({right_unit}): an index "
                                "is not a level; rebase both to indexes first or use levels")
    if left_unit != right_unit:
        raise UnitMismatchError(f"cannot combine {left_name} ({left_unit}) and {right_name} ({right_unit}): "
                                "different units")


def _unit(frame: pl.DataFrame, name: str) -> str | None:
    units = frame["unit_id"].unique().to_list()
    if len(units) > 1:
        raise UnitMismatchError(f"{name} has several units {sorted(map(str, units))}")
    return units[0] if units else None


def combine(left: pl.DataFrame, left_name: str, operation: str, right: pl.DataFrame,
            right_name: str) -> pl.DataFrame:
    """``left <operation> right`` on the periods both have (aligned frames); the result's unit is the common
    unit for + and -, ``ratio`` for /, and its rule names both inputs' rules. A ratio by zero has no value."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; known: {list(OPERATIONS)}")
    left_unit, right_unit = _unit(left, left_name), _unit(right, right_name)
    if left.height and right.height:
        check_combinable(left_name, left_unit, right_name, right_unit)
    joined = left.join(right, on="period", how="inner", suffix="_r")
    a, b = pl.col("value"), pl.col("value_r")
    value = a + b if operation == "+" else a - b if operation == "-" else pl.when(b != 0).then(a / b)
    out = joined.select(
        "period", value.alias("value"),
        pl.lit(left_unit if operation != "/" else "ratio").alias("unit_id"),
        pl.min_horizontal("source_date", "source_date_r").alias("source_date"),
        pl.format(f"{left_name}: {{}} {operation} {right_name}: {{}}", "rule", "rule_r").alias("rule"))
    return _aligned(out.filter(pl.col("value").is_not_null())).sort("period")


def describe(**aligned: pl.DataFrame) -> str:
    """The ``alignment`` text of a mart: ``name: rule`` for each aligned input (the rules each frame holds)."""
    parts = []
    for name, frame in aligned.items():
        rules = sorted(frame["rule"].unique().to_list()) if frame.height else ["no observations"]
        parts.append(f"{name}: {', '.join(rules)}")
    return "; ".join(parts)


def index_to_base(frame: pl.DataFrame, value: str, base_filter: pl.Expr) -> pl.Expr:
    """An expression rebasing column ``value`` of ``frame`` to 100 at the rows ``base_filter`` selects (their
    mean); null when the base rows have no value (never another base)."""
    base = frame.filter(base_filter)[value].drop_nulls()
    if base.is_empty() or base.mean() in (0, None):
        return pl.lit(None, pl.Float64)
    return pl.col(value) / float(base.mean()) * 100  # type: ignore[arg-type]
