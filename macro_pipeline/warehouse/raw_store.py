"""The bitemporal raw store: merging a validated delivery so reruns add nothing and changes add vintages."""

from __future__ import annotations

import datetime as dt
import hashlib
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
    """Merge a delivery (already checked against the Delivery model) in one transaction of its own."""
    con.begin()
    try:
        result = merge_into(con, delivery, source, loaded_at)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return result


def merge_into(con: duckdb.DuckDBPyConnection, delivery: pl.DataFrame, source: str, loaded_at: dt.datetime,
               stored_ids: set[str] | None = None, undo_table: str | None = None) -> MergeResult:
    """Merge a delivery (already checked against the Delivery model) inside the caller's open transaction: the
    caller commits, or rolls back everything on an error (the ingest merges a shard of series at a time and
    commits once, so a refused shard leaves no other shard stored). A delivery without ``vintage_completeness``
    (the live FRED source) comes from a source that lists every release: 'complete'. ``stored_ids``: the series
    the store held before the caller's transaction began (then a shard of series none of which it held is merged
    as a first load, even after earlier shards were inserted); None asks the store whether it is empty.
    ``undo_table`` (see ``undo_merges``): where the stored rows whose vintage period the merge may close are
    saved first, so that a merge committed on its own can be taken back."""
    if delivery.is_empty():
        # nothing to compare or insert (a shard whose series are all unchanged): every statement below scans
        # the whole store, ten times over at 10k series in shards of 1,000 (bench P2: 60 s for an unchanged re-run)
        return MergeResult(inserted=0, superseded=0, inserted_by_series={})
    if "vintage_completeness" not in delivery.columns:
        delivery = delivery.with_columns(pl.lit("complete", pl.String).alias("vintage_completeness"))
    con.register("delivery", delivery)
    try:
        if _is_first_load(con, delivery, stored_ids):
            return _first_load(con, delivery, source, loaded_at)
        conflicts = con.sql(load_sql("pipeline/merge_conflicts")).pl()
        if not conflicts.is_empty():
            rows = "; ".join(f"{r['series_id']} {r['date']} vintage {r['realtime_start']}: stored "
                             f"{r['stored_value']}, delivered {r['delivered_value']}" for r in conflicts.to_dicts())
            raise VintageConflictError(
                "the delivery restates stored vintages with other values (a changed value needs a later vintage "
                f"date): {rows}")
        if undo_table is not None:
            # a superset of the rows merge_observations.sql may close: every stored period of a delivered
            # observation that began before a delivered vintage. A join on the delivery's latest vintage per
            # observation, not EXISTS: DuckDB hashed the whole store for the EXISTS (4.7 s for a one-series
            # delivery at 25 M stored rows, vs 0.01 s with the delivery as the build side; same rows)
            con.execute(f"INSERT INTO {undo_table} SELECT s.series_id, s.date, s.realtime_start, s.realtime_end "
                        "FROM raw.observations AS s JOIN (SELECT series_id, date, max(realtime_start) AS latest "
                        "FROM delivery GROUP BY ALL) AS d ON d.series_id = s.series_id AND d.date = s.date "
                        "WHERE d.latest > s.realtime_start")
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
    finally:
        con.unregister("delivery")
    # every inserted open row either is new or closed an older one
    superseded = open_before + inserted_open - open_after
    return MergeResult(inserted=inserted, superseded=superseded, inserted_by_series=by_series)


UNDO_COLUMNS = "series_id VARCHAR, date DATE, realtime_start DATE, realtime_end DATE"


def undo_merges(con: duckdb.DuckDBPyConnection, loaded_at: dt.datetime, undo_table: str) -> int:
    """Take back every merge of one ingest (its rows carry its ``loaded_at``) that was committed shard by shard:
    delete the rows it inserted and give the periods it closed their saved ends back, in one transaction.
    Returns the rows deleted."""
    con.begin()
    try:
        deleted, = con.execute("DELETE FROM raw.observations WHERE loaded_at = ?", [loaded_at]).fetchall()[0]
        con.execute(f"UPDATE raw.observations AS s SET realtime_end = u.realtime_end FROM {undo_table} AS u "
                    "WHERE s.series_id = u.series_id AND s.date = u.date AND s.realtime_start = u.realtime_start")
        con.execute(f"DELETE FROM {undo_table}")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return deleted


def _is_first_load(con: duckdb.DuckDBPyConnection, delivery: pl.DataFrame, stored_ids: set[str] | None) -> bool:
    """None of the delivered series stored yet and one vintage delivered: every delivered row is new and open (a
    checked delivery is unique per (series_id, date, realtime_start), so per (series_id, date) too), with nothing
    to compare."""
    if delivery.is_empty() or delivery["realtime_start"].n_unique() != 1:
        return False
    if stored_ids is not None:
        return not stored_ids.intersection(delivery["series_id"].unique().to_list())
    return not con.execute("SELECT EXISTS (SELECT 1 FROM raw.observations)").fetchall()[0][0]


def _first_load(con: duckdb.DuckDBPyConnection, delivery: pl.DataFrame, source: str,
                loaded_at: dt.datetime) -> MergeResult:
    """The merge of series the store does not hold: one INSERT, no temporary table, no anti-join (8 s less at
    25 M rows). Runs inside the caller's transaction, which rolls it back on any error."""
    con.execute("INSERT INTO raw.observations (series_id, date, value, realtime_start, realtime_end, source, "
                "loaded_at, vintage_completeness) SELECT series_id, date, value, realtime_start, realtime_end, $1, $2, "
                "vintage_completeness FROM delivery", [source, loaded_at])
    by_series = dict(delivery.group_by("series_id").len().sort("series_id").iter_rows())
    return MergeResult(inserted=delivery.height, superseded=0, inserted_by_series=by_series)


def stored_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per stored series: latest vintage date, row count and the source's last revision stamp."""
    return con.sql(load_sql("pipeline/stored_summary")).pl()


# ---------------------------------------------------------------------------------------------------------------
# incremental staging: what staging.observations was last validated against


_STAGING_STATE = "staging.incremental_state"  # working database only (not in the published registry)


def rules_fingerprint(facts) -> str:
    """A hash of what a staged row is validated against: the catalog's series and units and the code."""
    from macro_pipeline.incremental import code_fingerprint

    digest = hashlib.sha256(code_fingerprint().encode())
    for frame in (facts.series, facts.units):
        digest.update(frame.write_json().encode())
    return digest.hexdigest()


def _ensure_staging_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute(f"CREATE TABLE IF NOT EXISTS {_STAGING_STATE} (rules VARCHAR, raw_rows BIGINT, "
                "raw_loaded_at TIMESTAMP, staged_at TIMESTAMP)")


def series_changed_since_staging(con: duckdb.DuckDBPyConnection, rules: str) -> list[str] | None:
    """The series that gained raw rows since the last successful staging under the same ``rules``, or None when
    everything must be staged again (no record, other rules, or a store that lost rows)."""
    _ensure_staging_state(con)
    state = con.execute(f"SELECT rules, raw_rows, raw_loaded_at FROM {_STAGING_STATE}").fetchall()
    if len(state) != 1:
        return None
    last_rules, last_rows, last_loaded = state[0]
    rows, = con.execute("SELECT count(*) FROM raw.observations").fetchall()[0]
    if last_rules != rules or last_loaded is None or rows < last_rows:
        return None
    later = con.execute("SELECT series_id, count(*) FROM raw.observations WHERE loaded_at > ? GROUP BY series_id "
                        "ORDER BY series_id", [last_loaded]).fetchall()
    # every row added since has a later loaded_at, unless the clock went back: then restage everything
    if sum(n for _, n in later) != rows - last_rows:
        return None
    return [series_id for series_id, _ in later]


def record_staging(con: duckdb.DuckDBPyConnection, rules: str) -> None:
    """After staging.observations was written from every stored row: remember the store's state and the rules."""
    _ensure_staging_state(con)
    rows, loaded = con.execute("SELECT count(*), max(loaded_at) FROM raw.observations").fetchall()[0]
    con.begin()
    con.execute(f"DELETE FROM {_STAGING_STATE}")
    con.execute(f"INSERT INTO {_STAGING_STATE} VALUES (?, ?, ?, now()::TIMESTAMP)", [rules, rows, loaded])
    con.commit()
