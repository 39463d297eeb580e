"""The bitemporal raw store: merging a validated delivery so reruns add nothing and changes add vintages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from macro_pipeline.sql import load_sql, split_statements


class VintageConflictError(ValueError):
    """A delivery restates a stored vintage with another value; it is refused whole."""


@dataclass(frozen=True)
class MergeResult:
    inserted: int
    superseded: int
    inserted_by_series: dict[str, int]


def merge_delivery(con: duckdb.DuckDBPyConnection, delivery: pl.DataFrame, source: str,
                   loaded_at: dt.datetime) -> MergeResult:
    """Merge a delivery (already checked against the Delivery model) in one transaction. A delivery without
    ``vintage_completeness`` (the live FRED source) comes from a source that lists every release: 'complete'."""
    if "vintage_completeness" not in delivery.columns:
        delivery = delivery.with_columns(pl.lit("complete", pl.String).alias("vintage_completeness"))
    con.begin()
    try:
        con.register("delivery", delivery)
        conflicts = con.sql(load_sql("pipeline/merge_conflicts")).pl()
        if not conflicts.is_empty():
            rows = "; ".join(f"{r['series_id']} {r['date']} vintage {r['realtime_start']}: stored "
                             f"{r['stored_value']}, delivered {r['delivered_value']}" for r in conflicts.to_dicts())
            raise VintageConflictError(
                "the delivery restates stored vintages with other values (a changed value needs a later vintage "
                f"date): {rows}")
        open_before = con.execute(
            "SELECT count(*) FROM raw.observations WHERE realtime_end = DATE '9999-12-31'").fetchall()[0][0]
        for statement in split_statements(load_sql("pipeline/merge_observations")):
            params = [source, loaded_at] if "$1" in statement else []
            con.execute(statement, params)
        by_series = dict(con.execute(
            "SELECT series_id, count(*) FROM new_observations GROUP BY series_id ORDER BY series_id").fetchall())
        inserted = sum(by_series.values())
        # a delivery of several vintages (or an older one) inserts rows that are already closed
        inserted_open = con.execute(
            "SELECT count(*) FROM new_observations WHERE realtime_end = DATE '9999-12-31'").fetchall()[0][0]
        open_after = con.execute(
            "SELECT count(*) FROM raw.observations WHERE realtime_end = DATE '9999-12-31'").fetchall()[0][0]
        con.execute("DROP TABLE new_observations")
        con.unregister("delivery")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    # every inserted open row either is new or closed an older one
    superseded = open_before + inserted_open - open_after
    return MergeResult(inserted=inserted, superseded=superseded, inserted_by_series=by_series)


def stored_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per stored series: latest vintage date, row count and the source's last revision stamp."""
    return con.sql(load_sql("pipeline/stored_summary")).pl()
