"""Turning mart columns into published indicator rows, as catalog/indicators.csv declares them."""

from __future__ import annotations

import datetime as dt

import polars as pl

from macro_pipeline.schemas import Indicators, table


def indicator_rows(indicators: pl.DataFrame, marts: dict[str, pl.DataFrame], as_of: dt.date,
                   precision: dict[str, int] | None = None) -> pl.DataFrame:
    """Rows of published.indicators for every declared indicator whose mart is in ``marts``.

    Periods without a value are not published (an indicator row always has a number); the mart keeps them.
    Each row's source is the mart column and the source its model declares for that column. ``kind`` is the
    indicator's declared kind (indicators.csv), except that an 'observed' indicator's value dated after ``as_of``
    (the vintage date of the inputs) cannot have been observed: it is a projection (a model value stays model).
    Values are rounded to the decimals ``precision`` declares for their unit (catalog/unit_precision.csv; a
    unit it does not list is left as computed).
    """
    if precision is None:
        from macro_pipeline.catalog import unit_precision

        precision = unit_precision()
    frames = []
    for spec in indicators.iter_rows(named=True):
        mart = marts.get(spec["source_table"])
        if mart is None:
            continue
        column = next(c for c in table(spec["source_table"]).columns if c.name == spec["source_column"])
        frames.append(mart.select(
            pl.lit(spec["indicator_id"]).alias("indicator_id"),
            pl.lit(spec["claim_id"]).alias("claim_id"),
            pl.col(spec["date_column"]).alias("date"),
            _rounded(pl.col(spec["source_column"]).cast(pl.Float64), precision.get(spec["unit"])).alias("value"),
            pl.lit(spec["unit"]).alias("unit"),
            pl.lit(f"{spec['source_table']}.{spec['source_column']} ({column.source})").alias("source"),
            pl.lit(as_of, pl.Date).alias("as_of"),
            pl.when((pl.col(spec["date_column"]) > pl.lit(as_of, pl.Date)) & pl.lit(spec["kind"] == "observed"))
            .then(pl.lit("projection"))
            .otherwise(pl.lit(spec["kind"])).alias("kind"),
        ).filter(pl.col("value").is_not_null()))
    columns = list(Indicators.to_schema().columns)
    if not frames:
        return pl.DataFrame(schema={c: Indicators.to_schema().columns[c].dtype.type for c in columns})
    return pl.concat(frames).select(columns).sort("indicator_id", "date")


def _rounded(value: pl.Expr, decimals: int | None) -> pl.Expr:
    return value if decimals is None else value.round(decimals)
