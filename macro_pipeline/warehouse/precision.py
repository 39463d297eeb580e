"""Rounding at publish: each DOUBLE column of a published table to the decimals its unit declares
(catalog/unit_precision.csv), so analysts never see float noise such as 959.4350000000001."""

from __future__ import annotations

from macro_pipeline.catalog import unit_precision
from macro_pipeline.schemas import TableSpec
from macro_pipeline.sql import quote_identifier


def rounded_select_list(spec: TableSpec, precision: dict[str, int] | None = None) -> str:
    """The SELECT list copying ``spec``'s columns, DOUBLE columns with a declared unit precision rounded to it.

    A column whose unit the file does not declare ('see unit', text, a new unit) is copied as computed;
    macro_pipeline_tests/unit/test_precision.py lists such columns so a new unit is declared, not guessed."""
    precision = unit_precision() if precision is None else precision
    out = []
    for column in spec.columns:
        name = quote_identifier(column.name)
        decimals = precision.get(column.unit or "") if column.duckdb_type == "DOUBLE" else None
        out.append(name if decimals is None else f"round({name}, {int(decimals)}) AS {name}")
    return ", ".join(out)
