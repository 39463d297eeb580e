"""The mart kit without Dagster: declarations are checked, and building a mart gives the right status and reason."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandera.polars as pa
import polars as pl
import pytest

from macro_pipeline import mart_kit
from macro_pipeline.mart_kit import (
    CheckOutcome,
    MartCheck,
    MartDeclarationError,
    MartSpec,
    Series,
    build_mart,
    registered_marts,
)
from macro_pipeline.schemas import Column, TableSpec, tables
from macro_pipeline.sql import load_sql, split_statements
from macro_pipeline.warehouse.migrations import MigrationError, migrate_history_tables


class Gap(pa.DataFrameModel):
    """A toy table: a month and a gap in percentage points."""

    month: pl.Date = pa.Field(description="month", metadata={"unit": "date"})
    gap_pp: float = pa.Field(ge=-50, le=50, description="a gap", metadata={"unit": "percentage points"})

    class Config:
        description = "A toy table of the kit's unit tests."


def gap(staging: pl.DataFrame) -> pl.DataFrame:
    """Series A minus series B, percentage points, per month where both are published (a toy transform)."""
    wide = staging.pivot(on="series_id", index="date", values="value").drop_nulls()
    return wide.select(pl.col("date").alias("month"), (pl.col("AAA") - pl.col("BBB")).alias("gap_pp"))


def spec(transform=gap, checks=(), **overrides) -> MartSpec:
    fields = {"name": "marts.toy_gap", "model": Gap, "key": ("month",), "inputs": {"staging": Series(("AAA", "BBB"))},
              "transform": transform, "claim_ids": ("C7",), "description": transform.__doc__, "checks": tuple(checks)}
    fields.update(overrides)
    return MartSpec(**fields)


def staging(values_a=(5.0, 6.0), values_b=(4.0, 4.5)) -> pl.DataFrame:
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    rows = [("AAA", m, v) for m, v in zip(months, values_a, strict=True)]
    rows += [("BBB", m, v) for m, v in zip(months, values_b, strict=True)]
    return pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64}, orient="row")


def test_a_good_mart_is_built_and_its_columns_follow_the_model():
    outcome = build_mart(spec(), {"staging": staging()})
    assert outcome.status == "built" and outcome.reason is None
    assert outcome.frame.columns == ["month", "gap_pp"]
    assert outcome.frame["gap_pp"].to_list() == [1.0, 1.5]
    assert outcome.checks["toy_gap_is_valid"].passed


def test_a_required_series_without_data_is_insufficient_data_naming_it():
    outcome = build_mart(spec(), {"staging": staging().filter(pl.col("series_id") == "AAA")})
    assert outcome.status == "insufficient data"
    assert outcome.reason == "no data for required series BBB"
    assert outcome.frame.is_empty() and outcome.frame.columns == ["month", "gap_pp"]


def test_a_transform_that_raises_is_failed_with_the_error():
    def crash(staging: pl.DataFrame) -> pl.DataFrame:
        """A toy transform that raises, as a bug in one claim's code would."""
        raise ZeroDivisionError("division by zero in the toy")

    outcome = build_mart(spec(crash), {"staging": staging()})
    assert outcome.status == "failed" and not outcome.written
    assert outcome.reason == "the transform raised ZeroDivisionError: division by zero in the toy"


def test_a_model_failure_names_the_rule_and_the_row():
    outcome = build_mart(spec(), {"staging": staging(values_a=(5.0, 90.0))})
    assert outcome.status == "failed"
    assert "toy_gap_is_valid" in outcome.reason and "gap_pp" in outcome.reason
    assert outcome.failures is not None and outcome.failures["month"].to_list() == [dt.date(2026, 2, 1)]


def test_a_duplicate_key_fails_the_model_check():
    doubled = pl.concat([staging(), staging().with_columns(pl.lit("CCC").alias("series_id"))])

    def duplicate(staging: pl.DataFrame) -> pl.DataFrame:
        """A toy transform that returns each month twice (a bad join would)."""
        once = gap(staging.filter(pl.col("series_id") != "CCC"))
        return pl.concat([once, once])

    outcome = build_mart(spec(duplicate), {"staging": doubled})
    assert outcome.status == "failed" and "rows are unique on ['month']" in outcome.reason


def test_an_error_check_blocks_the_write_and_a_warn_check_does_not():
    never = MartCheck("gap_is_small", "every gap is below 1 pp",
                      lambda frame, **_: CheckOutcome(bool((frame["gap_pp"] < 1).all()), "a gap of 1 pp or more"))
    assert build_mart(spec(checks=[never]), {"staging": staging()}).status == "failed"
    warn = MartCheck("gap_is_small", "every gap is below 1 pp", never.evaluate, severity="warn")
    outcome = build_mart(spec(checks=[warn]), {"staging": staging()})
    assert outcome.status == "built" and not outcome.checks["gap_is_small"].passed


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": "published.toy"}, "a mart's table is 'marts.<name>'"),
    ({"key": ("quarter",)}, "key ['quarter'] must be columns of Gap"),
    ({"date_column": "week_date"}, "date_column 'week_date' is not a column"),
    ({"inputs": {"other": Series(("AAA",))}}, "do not match the transform's parameters"),
    ({"description": "short"}, "needs a docstring"),
])
def test_inconsistent_declarations_are_refused(overrides, message):
    with pytest.raises(MartDeclarationError, match=re.escape(message)):
        mart_kit.register(spec(**overrides))
    assert "marts.toy_gap" not in {s.name for s in registered_marts()}


def test_series_ids_and_required_series_are_validated():
    with pytest.raises(ValueError, match="not a FRED series id"):
        Series(("UNRATE; DROP TABLE x",))
    with pytest.raises(MartDeclarationError, match="required series"):
        Series(("AAA",), required=("BBB",))


def test_every_declared_mart_is_in_the_registry_with_its_claims_and_upstream():
    names = {t.name: t for t in tables()}
    declared = registered_marts()
    assert {s.name for s in declared} >= {"marts.net_liquidity", "marts.gdp_ex_ai", "marts.datacenter_power_vs_grid"}
    for mart in declared:
        entry = names[mart.name]
        assert entry.claim_ids == mart.claim_ids and entry.upstream == mart.upstream
        assert entry.grain == "(" + ", ".join(mart.key) + ")"
    # upstream marts come before the marts that read them
    order = [s.name for s in declared]
    assert order.index("marts.gdp_ex_ai") < order.index("marts.gdp_ex_ai_periods")


# -- vintages are picked in SQL, in one place ---------------------------------------------------------------


def test_first_release_and_latest_views_pick_the_right_vintage():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.observations (series_id VARCHAR, date DATE, value DOUBLE, realtime_start DATE, "
                "realtime_end DATE, source VARCHAR, loaded_at TIMESTAMP)")
    con.execute("INSERT INTO raw.observations VALUES "
                "('GDP', '2024-01-01', 1.0, '2024-04-25', '2024-05-29', 's', now()), "
                "('GDP', '2024-01-01', 2.0, '2024-05-30', '2024-06-26', 's', now()), "
                "('GDP', '2024-01-01', 3.0, '2024-06-27', '9999-12-31', 's', now()), "
                "('GDP', '2024-04-01', 9.0, '2024-07-25', '9999-12-31', 's', now())")
    # as the history-table migration adds it to a folder written before the column existed
    con.execute("ALTER TABLE raw.observations ADD COLUMN vintage_completeness VARCHAR DEFAULT 'complete'")
    for statement in split_statements(load_sql("pipeline/raw_views")):
        con.execute(statement)
    first = con.execute("SELECT date, value FROM raw.observations_first_release ORDER BY date").fetchall()
    latest = con.execute("SELECT date, value FROM raw.observations_latest ORDER BY date").fetchall()
    as_of = con.execute("SELECT value FROM raw.observations_as_of(DATE '2024-06-01') WHERE date = '2024-01-01'")
    assert first == [(dt.date(2024, 1, 1), 1.0), (dt.date(2024, 4, 1), 9.0)]
    assert latest == [(dt.date(2024, 1, 1), 3.0), (dt.date(2024, 4, 1), 9.0)]
    assert as_of.fetchall() == [(2.0,)]


# -- history tables are migrated, never rebuilt ----------------------------------------------------------------


class History(pa.DataFrameModel):
    """A toy history table."""

    run_id: str = pa.Field(description="a run")
    note: str = pa.Field(nullable=True, description="added later", metadata={"migration_default": "'(before notes)'"})

    class Config:
        description = "A toy history table."


class HistoryWithoutDefault(History):
    """The toy history table with a column added without saying what earlier rows get."""

    weight: float = pa.Field(description="added later without a default")


def _history_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA toy")
    con.execute("CREATE TABLE toy.history (run_id VARCHAR)")
    con.execute("INSERT INTO toy.history VALUES ('r1'), ('r2')")
    return con


def _stored(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {"toy.history": [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'history' ORDER BY column_index").fetchall()]}


def test_a_column_added_to_a_history_model_is_added_with_its_declared_default():
    con = _history_db()
    spec_ = TableSpec("toy.history", History, "one row per run", (), history=True)
    done = migrate_history_tables(con, [spec_], _stored(con))
    assert done == ["toy.history: added note (earlier rows: '(before notes)')"]
    assert con.execute("SELECT * FROM toy.history ORDER BY run_id").fetchall() == [
        ("r1", "(before notes)"), ("r2", "(before notes)")]
    assert migrate_history_tables(con, [spec_], _stored(con)) == []  # idempotent


def test_a_history_column_without_a_migration_is_refused_naming_it():
    con = _history_db()
    spec_ = TableSpec("toy.history", HistoryWithoutDefault, "one row per run", (), history=True)
    with pytest.raises(MigrationError, match=re.escape("toy.history: the stored table has no column 'weight'")):
        migrate_history_tables(con, [spec_], _stored(con))


def test_a_stored_history_column_the_model_dropped_is_refused():
    con = _history_db()
    con.execute("ALTER TABLE toy.history ADD COLUMN note VARCHAR")
    con.execute("ALTER TABLE toy.history ADD COLUMN legacy VARCHAR")
    spec_ = TableSpec("toy.history", History, "one row per run", (), history=True)
    with pytest.raises(MigrationError, match=re.escape("stored columns ['legacy'] are not in the model")):
        migrate_history_tables(con, [spec_], _stored(con))


def test_history_tables_are_raw_observations_and_meta_runs_only():
    assert {t.name for t in tables() if t.history} == {"raw.observations", "meta.runs"}
    assert all(isinstance(c, Column) for c in tables()[0].columns)
