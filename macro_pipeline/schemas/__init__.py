"""Pandera models of every table, and the table registry built from them: the one place columns are described.

Each model field carries its description and, in ``metadata``, its unit and source. The registry below adds the
table-level facts (grain, upstream tables). From these the pipeline derives validation, the DuckDB DDL and
``COMMENT``s, the Dagster column schemas and ``catalog.tables``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from macro_pipeline.schemas.catalog import CatalogClaims, CatalogSeries, CatalogTables
from macro_pipeline.schemas.gdp import GdpExAi, GdpExAiByQuarter, GdpExAiPeriods, GdpExAiRevisions
from macro_pipeline.schemas.marts import NetLiquidity
from macro_pipeline.schemas.meta import Runs
from macro_pipeline.schemas.power import (
    DatacenterPowerByYear,
    DatacenterPowerVsGrid,
    PowerAssumptions,
    PowerContextMonthly,
)
from macro_pipeline.schemas.published import ClaimsScorecard, Indicators
from macro_pipeline.schemas.raw import FetchLog, RawObservations
from macro_pipeline.schemas.staging import StagingObservations


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    nullable: bool
    description: str
    unit: str | None
    source: str | None
    duckdb_type: str


@dataclass(frozen=True)
class TableSpec:
    """A warehouse table: its qualified name, model, grain and upstream tables."""

    name: str
    model: type[pa.DataFrameModel]
    grain: str
    upstream: tuple[str, ...]
    published: bool = True

    @property
    def schema(self) -> str:
        return self.name.split(".")[0]

    @property
    def table(self) -> str:
        return self.name.split(".")[1]

    @property
    def description(self) -> str:
        return self.model.to_schema().description or ""

    @property
    def columns(self) -> list[Column]:
        return columns_of(self.model)

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


_DUCKDB_TYPES = {
    pl.String: "VARCHAR",
    pl.Date: "DATE",
    pl.Float64: "DOUBLE",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Boolean: "BOOLEAN",
    pl.Datetime: "TIMESTAMP",
}


def _duckdb_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return f"{_duckdb_type(dtype.inner)}[]"
    for polars_type, duck in _DUCKDB_TYPES.items():
        if dtype == polars_type or dtype.base_type() == polars_type:
            return duck
    raise TypeError(f"no DuckDB type for {dtype}")


def columns_of(model: type[pa.DataFrameModel]) -> list[Column]:
    out = []
    for name, col in model.to_schema().columns.items():
        meta = col.metadata or {}
        dtype = col.dtype.type
        out.append(Column(
            name=name,
            dtype=dtype,
            nullable=bool(col.nullable),
            description=col.description or "",
            unit=meta.get("unit"),
            source=meta.get("source"),
            duckdb_type=meta.get("duckdb_type") or _duckdb_type(dtype),
        ))
    return out


def _indicator_marts() -> tuple[str, ...]:
    """The marts the indicator catalog (catalog/indicators.csv) reads from."""
    from macro_pipeline.catalog import load_catalog

    return tuple(sorted(set(load_catalog().indicators["source_table"].to_list())))


TABLES: tuple[TableSpec, ...] = (
    TableSpec("catalog.series", CatalogSeries, "one row per series", ("raw.observations",)),
    TableSpec("catalog.claims", CatalogClaims, "one row per claim of the thesis", ()),
    TableSpec("catalog.tables", CatalogTables, "one row per published table", ()),
    TableSpec("raw.observations", RawObservations, "(series_id, date, realtime_start)", ()),
    TableSpec("raw.fetch_log", FetchLog, "one row per catalog series", (), published=False),
    TableSpec("staging.observations", StagingObservations, "(series_id, date)", ("raw.observations",),
              published=False),
    TableSpec("marts.net_liquidity", NetLiquidity, "(week_date)", ("staging.observations",)),
    TableSpec("marts.gdp_ex_ai", GdpExAi, "(quarter, definition)", ("staging.observations",)),
    TableSpec("marts.gdp_ex_ai_periods", GdpExAiPeriods, "(period_type, period_start, definition)",
              ("marts.gdp_ex_ai",)),
    TableSpec("marts.gdp_ex_ai_by_quarter", GdpExAiByQuarter, "(quarter)", ("marts.gdp_ex_ai",)),
    TableSpec("marts.gdp_ex_ai_revisions", GdpExAiRevisions, "(quarter, definition)", ("raw.observations",)),
    TableSpec("marts.power_assumptions", PowerAssumptions, "(assumption_version, scenario, parameter, year)", ()),
    TableSpec("marts.datacenter_power_vs_grid", DatacenterPowerVsGrid, "(year, scenario)",
              ("marts.power_assumptions",)),
    TableSpec("marts.datacenter_power_by_year", DatacenterPowerByYear, "(year)",
              ("marts.datacenter_power_vs_grid",)),
    TableSpec("marts.power_context_monthly", PowerContextMonthly, "(month)", ("staging.observations",)),
    TableSpec("published.indicators", Indicators, "(indicator_id, date)", _indicator_marts()),
    TableSpec("published.claims_scorecard", ClaimsScorecard, "one row per claim of the thesis",
              ("published.indicators", "catalog.claims")),
    TableSpec("meta.runs", Runs, "one row per publish", ()),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> TableSpec:
    """Look a table up by its qualified name; unknown names are an error, never SQL."""
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {sorted(TABLES_BY_NAME)}") from None


def catalog_tables_frame() -> pl.DataFrame:
    """The rows of ``catalog.tables``: every published table with its description, grain and upstream."""
    rows = [
        {"table_name": t.name, "description": t.description, "grain": t.grain, "upstream_tables": list(t.upstream),
         "columns": t.column_names()}
        for t in TABLES if t.published
    ]
    return pl.DataFrame(rows, schema={"table_name": pl.String, "description": pl.String, "grain": pl.String,
                                      "upstream_tables": pl.List(pl.String), "columns": pl.List(pl.String)})
