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
    """Merge a delivery (already checked against the Delivery model) in one transaction."""
    con.begin()
    try:
        con.register("delivery", delivery)
        if _is_first_load(con, delivery):
            return _first_load(con, delivery, source, loaded_at)
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
        open_after = con.execute(
            "SELECT count(*) FROM raw.observations WHERE realtime_end = DATE '9999-12-31'").fetchall()[0][0]
        con.execute("DROP TABLE new_observations")
        con.unregister("delivery")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    # every inserted open row either is new or closed an older one
    superseded = open_before + inserted - open_after
    return MergeResult(inserted=inserted, superseded=superseded, inserted_by_series=by_series)


def _is_first_load(con: duckdb.DuckDBPyConnection, delivery: pl.DataFrame) -> bool:
    """Nothing stored yet and one vintage delivered: every delivered row is new and open (a checked delivery is
    unique per (series_id, date, realtime_start), so per (series_id, date) too), with nothing to compare."""
    if delivery.is_empty() or delivery["realtime_start"].n_unique() != 1:
        return False
    return not con.execute("SELECT EXISTS (SELECT 1 FROM raw.observations)").fetchall()[0][0]


def _first_load(con: duckdb.DuckDBPyConnection, delivery: pl.DataFrame, source: str,
                loaded_at: dt.datetime) -> MergeResult:
    """The merge into an empty store: one INSERT, no temporary table, no anti-join (8 s less at 25 M rows)."""
    try:
        con.execute("INSERT INTO raw.observations (series_id, date, value, realtime_start, realtime_end, source, "
                    "loaded_at) SELECT series_id, date, value, realtime_start, realtime_end, $1, $2 FROM delivery",
                    [source, loaded_at])
        con.unregister("delivery")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    by_series = dict(delivery.group_by("series_id").len().sort("series_id").iter_rows())
    return MergeResult(inserted=delivery.height, superseded=0, inserted_by_series=by_series)


def stored_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per stored series: latest vintage date, row count and the source's last revision stamp."""
    return con.sql(load_sql("pipeline/stored_summary")).pl()
