"""The bitemporal raw store in a real DuckDB working database: idempotent merges, new vintages, conflicts, views."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from macro_pipeline.sql import load_sql, split_statements
from macro_pipeline.transforms.raw import parse_observations_csv
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import VintageConflictError, merge_delivery, stored_summary

V1 = dt.date(2026, 1, 1)
V2 = dt.date(2026, 6, 1)
OPEN = dt.date(9999, 12, 31)
LOADED = dt.datetime(2026, 6, 1, 12, 0, 0)


@pytest.fixture
def con(tmp_path):
    with Warehouse(data_dir=str(tmp_path)).connect() as connection:
        yield connection


def deliver(series_id: str, body: str, vintage: dt.date) -> pl.DataFrame:
    return parse_observations_csv(series_id, "date,value\n" + body, vintage)


def stored(con) -> list[tuple]:
    return con.execute(
        "SELECT series_id, date, value, realtime_start, realtime_end, source FROM raw.observations "
        "ORDER BY series_id, date, realtime_start").fetchall()


FIRST = "2020-01-01,1.0\n2020-04-01,2.0\n2020-07-01,\n"


def test_first_merge_inserts_every_row(con):
    result = merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    assert (result.inserted, result.superseded, result.inserted_by_series) == (3, 0, {"GDP": 3})
    assert stored(con) == [
        ("GDP", dt.date(2020, 1, 1), 1.0, V1, OPEN, "snap v1"),
        ("GDP", dt.date(2020, 4, 1), 2.0, V1, OPEN, "snap v1"),
        ("GDP", dt.date(2020, 7, 1), None, V1, OPEN, "snap v1"),
    ]
    assert con.execute("SELECT DISTINCT loaded_at FROM raw.observations").fetchall() == [(LOADED,)]


def test_merging_the_same_delivery_twice_inserts_nothing_the_second_time(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    before = stored(con)
    result = merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1 again", LOADED)
    assert (result.inserted, result.superseded, result.inserted_by_series) == (0, 0, {})
    assert stored(con) == before


def test_unchanged_values_with_a_later_vintage_add_nothing(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    before = stored(con)
    result = merge_delivery(con, deliver("GDP", FIRST, V2), "snap v2", LOADED)
    assert result.inserted == 0
    assert stored(con) == before


def test_changed_value_with_a_later_vintage_adds_a_row_and_closes_the_old_one(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    result = merge_delivery(con, deliver("GDP", "2020-01-01,1.0\n2020-04-01,2.5\n2020-07-01,\n", V2), "snap v2",
                            LOADED)
    assert (result.inserted, result.superseded, result.inserted_by_series) == (1, 1, {"GDP": 1})
    assert stored(con) == [
        ("GDP", dt.date(2020, 1, 1), 1.0, V1, OPEN, "snap v1"),
        ("GDP", dt.date(2020, 4, 1), 2.0, V1, V2 - dt.timedelta(days=1), "snap v1"),  # old value kept, closed
        ("GDP", dt.date(2020, 4, 1), 2.5, V2, OPEN, "snap v2"),
        ("GDP", dt.date(2020, 7, 1), None, V1, OPEN, "snap v1"),
    ]


def test_a_value_published_where_there_was_none_is_a_new_vintage(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    result = merge_delivery(con, deliver("GDP", "2020-07-01,3.0\n", V2), "snap v2", LOADED)
    assert (result.inserted, result.superseded) == (1, 1)
    rows = [r for r in stored(con) if r[1] == dt.date(2020, 7, 1)]
    assert rows == [("GDP", dt.date(2020, 7, 1), None, V1, dt.date(2026, 5, 31), "snap v1"),
                    ("GDP", dt.date(2020, 7, 1), 3.0, V2, OPEN, "snap v2")]


def test_new_date_in_a_later_vintage_is_inserted_without_closing_anything(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    result = merge_delivery(con, deliver("GDP", FIRST + "2020-10-01,4.0\n", V2), "snap v2", LOADED)
    assert (result.inserted, result.superseded) == (1, 0)
    assert stored(con)[-1] == ("GDP", dt.date(2020, 10, 1), 4.0, V2, OPEN, "snap v2")


def test_value_reverting_to_an_older_number_is_a_new_vintage(con):
    V3 = dt.date(2026, 9, 1)
    merge_delivery(con, deliver("GDP", "2020-01-01,1.0\n", V1), "v1", LOADED)
    merge_delivery(con, deliver("GDP", "2020-01-01,2.0\n", V2), "v2", LOADED)
    result = merge_delivery(con, deliver("GDP", "2020-01-01,1.0\n", V3), "v3", LOADED)
    assert (result.inserted, result.superseded) == (1, 1)
    assert [(r[2], r[3], r[4]) for r in stored(con)] == [
        (1.0, V1, dt.date(2026, 5, 31)), (2.0, V2, dt.date(2026, 8, 31)), (1.0, V3, OPEN)]


def test_changed_value_with_the_same_vintage_is_refused_and_nothing_changes(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    merge_delivery(con, deliver("UNRATE", "2020-01-01,3.5\n", V1), "snap v1", LOADED)
    before = stored(con)
    # the UNRATE row and the new GDP date would be fine; the changed GDP value on the same vintage is not
    bad = pl.concat([deliver("GDP", "2020-01-01,1.0\n2020-04-01,9.0\n2020-10-01,4.0\n", V1),
                     deliver("UNRATE", "2020-02-01,3.6\n", V1)])
    with pytest.raises(VintageConflictError) as info:
        merge_delivery(con, bad, "snap v1 restated", LOADED)
    assert "GDP 2020-04-01 vintage 2026-01-01: stored 2.0, delivered 9.0" in str(info.value)
    assert "UNRATE" not in str(info.value)
    assert stored(con) == before
    # and the connection is usable afterwards: a clean merge still works
    assert merge_delivery(con, deliver("UNRATE", "2020-02-01,3.6\n", V1), "ok", LOADED).inserted == 1


def test_null_restated_as_a_number_on_the_same_vintage_is_a_conflict(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "snap v1", LOADED)
    with pytest.raises(VintageConflictError, match=r"GDP 2020-07-01 vintage 2026-01-01: stored None, delivered 5.0"):
        merge_delivery(con, deliver("GDP", "2020-07-01,5.0\n", V1), "x", LOADED)


def test_merges_are_counted_per_series(con):
    delivery = pl.concat([deliver("GDP", FIRST, V1), deliver("UNRATE", "2020-01-01,3.5\n2020-02-01,3.6\n", V1)])
    result = merge_delivery(con, delivery, "snap v1", LOADED)
    assert result.inserted_by_series == {"GDP": 3, "UNRATE": 2}
    assert result.inserted == 5


def test_stored_summary(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "v1", LOADED)
    merge_delivery(con, deliver("GDP", "2020-01-01,1.5\n", V2), "v2", LOADED)
    merge_delivery(con, deliver("UNRATE", "2020-01-01,3.5\n", V1), "v1", LOADED)
    assert stored_summary(con).rows() == [("GDP", V2, 4, dt.date(2020, 7, 1), None),
                                          ("UNRATE", V1, 1, dt.date(2020, 1, 1), None)]


def test_an_older_vintage_never_leaves_two_open_rows(con):
    merge_delivery(con, deliver("GDP", "2020-01-01,1.0\n2020-04-01,3.0\n", V2), "fred_api", LOADED)
    merge_delivery(con, deliver("GDP", "2020-01-01,1.0\n2020-04-01,2.0\n", V1), "fred_snapshot", LOADED)
    open_rows = con.execute(
        "SELECT series_id, date, count(*) FROM raw.observations WHERE realtime_end = DATE '9999-12-31' "
        "GROUP BY ALL HAVING count(*) > 1").fetchall()
    assert open_rows == []


# ---------------------------------------------------------------------------------------------- views and macros


def create_views(con) -> None:
    for statement in split_statements(load_sql("pipeline/raw_views")):
        con.execute(statement)


def test_raw_views_sql_has_the_view_its_comment_and_the_macro():
    first_lines = {s.split("\n")[0] for s in split_statements(load_sql("pipeline/raw_views"))}
    assert {
        "CREATE OR REPLACE VIEW raw.observations_latest AS",
        "COMMENT ON VIEW raw.observations_latest IS",
        "CREATE OR REPLACE MACRO raw.observations_as_of(as_of_date) AS TABLE",
    } <= first_lines


def test_observations_as_of_gives_the_value_known_on_that_date(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "v1", LOADED)
    merge_delivery(con, deliver("GDP", "2020-01-01,1.0\n2020-04-01,2.5\n2020-07-01,\n", V2), "v2", LOADED)
    create_views(con)

    def as_of(day: str) -> list[tuple]:
        return con.execute("SELECT date, value, realtime_start FROM raw.observations_as_of(?) ORDER BY date",
                           [day]).fetchall()

    assert as_of("2025-12-31") == []  # before anything was known
    older = [(dt.date(2020, 1, 1), 1.0, V1), (dt.date(2020, 4, 1), 2.0, V1), (dt.date(2020, 7, 1), None, V1)]
    assert as_of("2026-01-01") == older
    assert as_of("2026-05-31") == older  # the day before the new vintage: still the older value
    newer = [(dt.date(2020, 1, 1), 1.0, V1), (dt.date(2020, 4, 1), 2.5, V2), (dt.date(2020, 7, 1), None, V1)]
    assert as_of("2026-06-01") == newer
    assert as_of("2030-01-01") == newer


def test_observations_latest_has_one_row_per_series_date(con):
    merge_delivery(con, deliver("GDP", FIRST, V1), "v1", LOADED)
    merge_delivery(con, deliver("GDP", "2020-04-01,2.5\n", V2), "v2", LOADED)
    merge_delivery(con, deliver("UNRATE", "2020-01-01,3.5\n", V1), "v1", LOADED)
    create_views(con)
    assert con.execute("SELECT series_id, date, value, realtime_start, source FROM raw.observations_latest "
                       "ORDER BY series_id, date").fetchall() == [
        ("GDP", dt.date(2020, 1, 1), 1.0, V1, "v1"),
        ("GDP", dt.date(2020, 4, 1), 2.5, V2, "v2"),
        ("GDP", dt.date(2020, 7, 1), None, V1, "v1"),
        ("UNRATE", dt.date(2020, 1, 1), 3.5, V1, "v1"),
    ]
    comment = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'observations_latest'").fetchone()
    assert comment[0].startswith("The latest known vintage of every observation")


def test_views_can_be_created_twice(con):
    create_views(con)
    create_views(con)
    assert con.execute("SELECT count(*) FROM raw.observations_latest").fetchone() == (0,)


def test_read_series_binds_validated_ids_only(tmp_path):
    from macro_pipeline.catalog import CatalogError
    from macro_pipeline.warehouse import Warehouse

    warehouse = Warehouse(data_dir=str(tmp_path))
    with warehouse.connect() as con:
        merge_delivery(con, deliver("GDP", FIRST, V1), "v1", LOADED)
        merge_delivery(con, deliver("UNRATE", "2020-01-01,3.5\n", V1), "v1", LOADED)
    assert warehouse.read_series("raw.observations", ["UNRATE"])["series_id"].to_list() == ["UNRATE"]
    assert warehouse.read_series("raw.observations", []).is_empty()
    with pytest.raises(CatalogError, match="GDP' OR '1'='1"):
        warehouse.read_series("raw.observations", ["GDP' OR '1'='1"])
