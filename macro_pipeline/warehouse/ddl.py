"""DDL and COMMENT statements generated from the table registry, so a column is described in one place."""

from __future__ import annotations

from macro_pipeline.schemas import Column, TableSpec
from macro_pipeline.sql import qualified, quote_identifier, string_literal


def create_table(spec: TableSpec, target: str | None = None) -> str:
    """The model's DDL, under its own name or ``target`` (a quoted, qualified name: a build table beside it)."""
    cols = ",\n  ".join(
        f"{quote_identifier(c.name)} {c.duckdb_type}{'' if c.nullable else ' NOT NULL'}" for c in spec.columns)
    return f"CREATE TABLE {target or qualified(spec.name)} (\n  {cols}\n)"


def column_comment(column: Column) -> str:
    parts = [column.description]
    if column.unit:
        parts.append(f"unit: {column.unit}")
    if column.source:
        parts.append(f"source: {column.source}")
    return "; ".join(p for p in parts if p)


def comments(spec: TableSpec) -> list[str]:
    table_comment = string_literal(f"{spec.description} Grain: {spec.grain}.")
    stmts = [f"COMMENT ON TABLE {qualified(spec.name)} IS {table_comment}"]
    for c in spec.columns:
        stmts.append(f"COMMENT ON COLUMN {qualified(spec.name)}.{quote_identifier(c.name)} IS "
                     f"{string_literal(column_comment(c))}")
    return stmts
