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
from macro_pipeline.schemas.meta import InputStatus, MartRuns, Runs
from macro_pipeline.schemas.published import ClaimsScorecard, Indicators
from macro_pipeline.schemas.raw import FetchLog, RawObservations
from macro_pipeline.schemas.revisions import IndicatorRevisions, PayrollGainsRevisions
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
    # history tables keep every row ever written: they are never rebuilt, only migrated (warehouse.migrations)
    history: bool = False
    claim_ids: tuple[str, ...] = ()

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


# the tables every run has, whatever marts are declared; marts come from the mart kit's declarations
_LOAD_TABLES: tuple[TableSpec, ...] = (
    TableSpec("catalog.series", CatalogSeries, "one row per series", ("raw.observations",)),
    TableSpec("catalog.claims", CatalogClaims, "one row per claim of the thesis", ()),
    TableSpec("catalog.tables", CatalogTables, "one row per published table", ()),
    TableSpec("raw.observations", RawObservations, "(series_id, date, realtime_start)", (), history=True),
    TableSpec("raw.fetch_log", FetchLog, "one row per catalog series", (), published=False),
    TableSpec("staging.observations", StagingObservations, "(series_id, date)", ("raw.observations",),
              published=False),
    TableSpec("meta.inputs", InputStatus, "one row per reference and catalog file", (), published=False),
)


def _publish_tables() -> tuple[TableSpec, ...]:
    return (
        # built from every vintage (defs/revisions.py): the kit's Series gives latest or first release only
        TableSpec("published.indicator_revisions", IndicatorRevisions, "(indicator_id, date)",
                  ("raw.observations", "marts.gdp_ex_ai"), claim_ids=("C6", "C7")),
        TableSpec("published.payroll_gains_revisions", PayrollGainsRevisions, "one row per month",
                  ("raw.observations",), claim_ids=("C7",)),
        TableSpec("published.indicators", Indicators, "(indicator_id, date)", _indicator_marts()),
        TableSpec("published.claims_scorecard", ClaimsScorecard, "one row per claim of the thesis",
                  ("published.indicators", "catalog.claims", "meta.marts")),
        TableSpec("meta.marts", MartRuns, "one row per declared mart", ()),
        TableSpec("meta.runs", Runs, "one row per publish", (), history=True),
    )


def mart_table(spec: object) -> TableSpec:
    """The registry entry of a declared mart (a ``mart_kit.MartSpec``)."""
    return TableSpec(spec.name, spec.model, spec.grain, spec.upstream, claim_ids=spec.claim_ids)


def tables() -> tuple[TableSpec, ...]:
    """Every warehouse table: the load tables, every declared mart (in dependency order), the published ones."""
    from macro_pipeline.mart_kit import registered_marts

    return (*_LOAD_TABLES, *(mart_table(spec) for spec in registered_marts()), *_publish_tables())


def table(name: str) -> TableSpec:
    """Look a table up by its qualified name; unknown names are an error, never SQL."""
    for spec in tables():
        if spec.name == name:
            return spec
    raise KeyError(f"unknown table {name!r}; known: {sorted(t.name for t in tables())}")


# tables also exported as CSV (beside the Parquet every published table gets), and the tables the chart book draws
CSV_EXPORTS = ("published.indicators", "published.claims_scorecard")
CHART_BOOK_PAGE = "chart_book/index.html"
CHART_BOOK_TABLES = ("published.indicators", "published.claims_scorecard")


def export_files(name: str) -> list[str]:
    """The export file names of a published table, in ``exports/`` beside the published file."""
    return [f"{name}.parquet", *([f"{name}.csv"] if name in CSV_EXPORTS else [])]


def files_beside(name: str) -> list[str]:
    """Paths, relative to the published file's folder, of the files written beside it from this table."""
    return [f"exports/{f}" for f in export_files(name)] + ([CHART_BOOK_PAGE] if name in CHART_BOOK_TABLES else [])


def catalog_tables_frame() -> pl.DataFrame:
    """The rows of ``catalog.tables``: every published table with its description, grain, upstream and the files
    written beside the published file from it."""
    rows = [
        {"table_name": t.name, "description": t.description, "grain": t.grain, "upstream_tables": list(t.upstream),
         "columns": t.column_names(), "files_beside": files_beside(t.name)}
        for t in tables() if t.published
    ]
    return pl.DataFrame(rows, schema={"table_name": pl.String, "description": pl.String, "grain": pl.String,
                                      "upstream_tables": pl.List(pl.String), "columns": pl.List(pl.String),
                                      "files_beside": pl.List(pl.String)})
