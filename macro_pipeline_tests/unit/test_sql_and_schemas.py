"""SQL helpers refuse what is not an identifier or a sql/ file; the registry describes every column and its DDL runs."""

from __future__ import annotations

import duckdb
import pytest

from macro_pipeline.defs.reference import CONFIG_FILES
from macro_pipeline.reference import REFERENCE_FILES
from macro_pipeline.schemas import catalog_tables_frame, columns_of, table, tables
from macro_pipeline.schemas.catalog import CatalogTables
from macro_pipeline.sql import load_sql, qualified, quote_identifier, split_statements, string_literal
from macro_pipeline.warehouse.ddl import column_comment, comments, create_table

TABLES = tables()
TABLES_BY_NAME = {t.name: t for t in TABLES}
# parsed reference and catalog files: tables of their own assets, read by the marts
FILE_TABLES = {f"reference.{n}" for n in REFERENCE_FILES} | {f"config.{n}" for n in CONFIG_FILES}


# ---------------------------------------------------------------------------------------------- sql helpers


@pytest.mark.parametrize("name", ["series_id", "raw", "observations", "_private", "net_liquidity_usd_bn", "a1"])
def test_quote_identifier_quotes_snake_case(name):
    assert quote_identifier(name) == f'"{name}"'


@pytest.mark.parametrize("name", [
    "", "Series", "series id", "series-id", 'a"b', "a;b", "1abc", "raw.observations", "a\n", "é", "drop table x",
    "x' OR '1'='1", "a--", "SELECT",
])
def test_quote_identifier_refuses_anything_else(name):
    with pytest.raises(ValueError, match="not a warehouse identifier"):
        quote_identifier(name)


def test_qualified_quotes_both_parts_and_refuses_bad_ones():
    assert qualified("raw.observations") == '"raw"."observations"'
    with pytest.raises(ValueError):
        qualified('raw.observations"; DROP TABLE x; --')
    with pytest.raises(ValueError):
        qualified("raw")  # not schema.table


def test_string_literal_doubles_quotes_and_round_trips_in_duckdb():
    text = "it's a 'quoted'; -- not a comment"
    assert string_literal("it's") == "'it''s'"
    assert duckdb.connect().execute(f"SELECT {string_literal(text)}").fetchone() == (text,)


def test_load_sql_reads_the_pipeline_files():
    assert "CREATE OR REPLACE MACRO raw.observations_as_of" in load_sql("pipeline/raw_views")
    assert load_sql("pipeline/merge_conflicts").lstrip().startswith("--")


@pytest.mark.parametrize("name", [
    "../pyproject", "pipeline/../../etc/passwd", "/etc/passwd", "pipeline/raw_views.sql", "Pipeline/raw_views",
    "pipeline//raw_views", "pipeline/", "", "pipeline\\raw_views", "pipeline/raw views", "~/x",
])
def test_load_sql_refuses_path_traversal_and_odd_names(name):
    with pytest.raises(ValueError, match="not a sql file name"):
        load_sql(name)


def test_load_sql_of_an_unknown_file_fails():
    with pytest.raises(FileNotFoundError):
        load_sql("pipeline/no_such_file")


def test_split_statements_drops_comment_lines_and_empty_statements():
    sql = "-- header\nSELECT 1;\n  -- indented comment\nSELECT 2\n;\n;\n"
    assert split_statements(sql) == ["SELECT 1", "SELECT 2"]


def test_every_pipeline_sql_file_parses_into_statements():
    merge = split_statements(load_sql("pipeline/merge_observations"))
    assert [s.split()[0] for s in merge] == ["CREATE", "UPDATE", "UPDATE", "INSERT"]
    assert len(split_statements(load_sql("pipeline/merge_conflicts"))) == 1
    assert len(split_statements(load_sql("pipeline/stored_summary"))) == 1


# ---------------------------------------------------------------------------------------------- registry


# the foundation's tables (the analyst contract's and the pipeline's own); later marts add to the registry
EXPECTED_TABLES = ["catalog.series", "catalog.claims", "catalog.tables", "raw.observations", "raw.fetch_log",
                   "staging.observations", "marts.net_liquidity", "published.indicators", "meta.runs"]


def test_registry_lists_the_expected_tables():
    names = [t.name for t in TABLES]
    assert [n for n in names if n in EXPECTED_TABLES] == EXPECTED_TABLES
    assert set(TABLES_BY_NAME) == set(names) and len(names) == len(set(names))


@pytest.mark.parametrize("spec", TABLES, ids=lambda t: t.name)
def test_every_table_and_column_is_described(spec):
    assert spec.description.strip(), spec.name
    assert spec.grain.strip(), spec.name
    assert spec.columns, spec.name
    for column in spec.columns:
        assert column.description.strip(), f"{spec.name}.{column.name} has no description"
        assert quote_identifier(column.name)  # every column name is a warehouse identifier


@pytest.mark.parametrize("spec", TABLES, ids=lambda t: t.name)
def test_upstream_tables_are_registry_tables(spec):
    for upstream in spec.upstream:
        assert upstream in TABLES_BY_NAME or upstream in FILE_TABLES, f"{spec.name} names unknown upstream {upstream}"


def test_table_lookup_refuses_unknown_names():
    assert table("raw.observations").table == "observations"
    with pytest.raises(KeyError, match=r"unknown table 'raw.observations; DROP'"):
        table("raw.observations; DROP")


def test_column_types_and_nullability_follow_the_models():
    raw = {c.name: c for c in table("raw.observations").columns}
    assert list(raw) == ["series_id", "date", "value", "realtime_start", "realtime_end", "source",
                                "loaded_at", "vintage_completeness"]
    assert (raw["value"].duckdb_type, raw["value"].nullable) == ("DOUBLE", True)
    assert (raw["date"].duckdb_type, raw["date"].nullable) == ("DATE", False)
    assert raw["loaded_at"].duckdb_type == "TIMESTAMP"
    series = {c.name: c for c in columns_of(table("catalog.series").model)}
    assert series["claim_ids"].duckdb_type == "VARCHAR[]"
    assert series["n_obs"].duckdb_type == "BIGINT"
    runs = {c.name: c for c in table("meta.runs").columns}
    assert runs["row_counts"].duckdb_type == "MAP(VARCHAR, BIGINT)"  # metadata override
    nl = {c.name: c for c in table("marts.net_liquidity").columns}
    assert nl["net_liquidity_usd_bn"].unit == "billions of U.S. dollars"
    assert nl["complete"].duckdb_type == "BOOLEAN"


def test_catalog_tables_frame_lists_published_tables_only():
    frame = catalog_tables_frame()
    CatalogTables.validate(frame)
    names = frame["table_name"].to_list()
    assert names == [t.name for t in TABLES if t.published]
    assert "raw.fetch_log" not in names and "staging.observations" not in names
    nl = frame.filter(frame["table_name"] == "marts.net_liquidity").row(0, named=True)
    assert nl["upstream_tables"] == ["staging.observations"]
    assert nl["columns"][0] == "week_date"


# ---------------------------------------------------------------------------------------------- DDL


@pytest.fixture
def mem():
    con = duckdb.connect()
    yield con
    con.close()


@pytest.mark.parametrize("spec", TABLES, ids=lambda t: t.name)
def test_create_table_is_valid_duckdb_ddl_with_the_registry_columns(mem, spec):
    mem.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(spec.schema)}")
    mem.execute(create_table(spec))
    described = mem.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [spec.schema, spec.table]).fetchall()
    assert [d[0] for d in described] == spec.column_names()
    for (name, data_type, is_nullable), column in zip(described, spec.columns, strict=True):
        assert data_type == column.duckdb_type, name
        assert (is_nullable == "YES") == column.nullable, name


@pytest.mark.parametrize("spec", TABLES, ids=lambda t: t.name)
def test_comment_statements_execute_and_store_the_descriptions(mem, spec):
    mem.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(spec.schema)}")
    mem.execute(create_table(spec))
    statements = comments(spec)
    assert len(statements) == 1 + len(spec.columns)
    for statement in statements:
        mem.execute(statement)
    table_comment = mem.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                                [spec.schema, spec.table]).fetchone()[0]
    assert table_comment == f"{spec.description} Grain: {spec.grain}."
    stored = dict(mem.execute("SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? "
                              "AND table_name = ?", [spec.schema, spec.table]).fetchall())
    for column in spec.columns:
        assert stored[column.name] == column_comment(column)
        assert stored[column.name].startswith(column.description)


def test_not_null_is_enforced_by_the_generated_ddl(mem):
    spec = table("raw.observations")
    mem.execute("CREATE SCHEMA raw")
    mem.execute(create_table(spec))
    with pytest.raises(duckdb.ConstraintException):
        mem.execute("INSERT INTO raw.observations VALUES (NULL, DATE '2020-01-01', 1, DATE '2026-01-01', "
                    "DATE '9999-12-31', 's', TIMESTAMP '2026-01-01 00:00:00', 'complete')")
    with pytest.raises(duckdb.ConstraintException):
        mem.execute("INSERT INTO raw.observations VALUES ('GDP', DATE '2020-01-01', 1, DATE '2026-01-01', "
                    "DATE '9999-12-31', 's', TIMESTAMP '2026-01-01 00:00:00', NULL)")
    mem.execute("INSERT INTO raw.observations VALUES ('GDP', DATE '2020-01-01', NULL, DATE '2026-01-01', "
                "DATE '9999-12-31', 's', TIMESTAMP '2026-01-01 00:00:00', 'sparse')")


def test_column_comment_includes_unit_and_source():
    nl = {c.name: c for c in table("marts.net_liquidity").columns}
    assert column_comment(nl["tga_usd_bn"]) == (
        "Treasury General Account, Wednesday level (WDTGAL / 1000); unit: billions of U.S. dollars; "
        "source: Federal Reserve H.4.1 (WALCL, WDTGAL) and New York Fed (RRPONTSYD), via FRED")
