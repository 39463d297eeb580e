"""Materialization metadata built from the table registry: row counts, column schemas, date ranges, previews."""

import dagster as dg
import polars as pl

from macro_pipeline.schemas import TableSpec, table
from macro_pipeline.transforms.validation import ValidationReport
from macro_pipeline.warehouse.ddl import column_comment

PREVIEW_ROWS = 10
OWNERS = ["team:data-engineering"]


def column_schema(spec: TableSpec) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(name=c.name, type=c.duckdb_type, description=column_comment(c),
                       constraints=dg.TableColumnConstraints(nullable=c.nullable))
        for c in spec.columns])


def definition_metadata(name: str) -> dict[str, object]:
    """Metadata on the asset definition itself, so the UI shows the table's columns before any run."""
    spec = table(name)
    return {"dagster/column_schema": column_schema(spec), "dagster/table_name": name, "grain": spec.grain}


def markdown_table(frame: pl.DataFrame, max_rows: int = PREVIEW_ROWS) -> str:
    shown = frame.head(max_rows)
    if shown.width == 0:
        return "(no columns)"
    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * shown.width]
    for row in shown.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |")
    if frame.height > max_rows:
        lines.append(f"\n{frame.height - max_rows} more rows")
    return "\n".join(lines)


def table_metadata(name: str, frame: pl.DataFrame, date_column: str | None = None,
                   units: str | None = None) -> dict[str, object]:
    """The metadata every table-writing asset reports."""
    spec = table(name)
    meta: dict[str, object] = {
        "dagster/row_count": frame.height,
        "dagster/column_schema": column_schema(spec),
        "dagster/table_name": name,
        "table": name,
        "preview": dg.MetadataValue.md(markdown_table(frame)),
    }
    sources = sorted({c.source for c in spec.columns if c.source})
    if sources:
        meta["sources"] = "; ".join(sources)
    if units:
        meta["units"] = units
    if date_column and frame.height:
        dates = frame[date_column].drop_nulls()
        if dates.len():
            meta["first_date"] = str(dates.min())
            meta["last_date"] = str(dates.max())
    return meta


def failure_metadata(report: ValidationReport, max_rows: int = 50) -> dict[str, object]:
    return {
        "failing_row_checks": report.failures.height,
        "failing_series": ", ".join(report.series_ids()) or "(none)",
        "failing_rows": dg.MetadataValue.md(markdown_table(report.failures, max_rows)),
    }


def check_result(report: ValidationReport, **extra: object) -> dg.AssetCheckResult:
    """An ERROR-severity check result from a validation report, naming series and rows on failure."""
    meta: dict[str, object] = dict(extra)
    if not report.ok:
        meta.update(failure_metadata(report))
        meta["summary"] = report.summary()
    return dg.AssetCheckResult(passed=report.ok, severity=dg.AssetCheckSeverity.ERROR, metadata=meta,
                               description=None if report.ok else report.summary(max_rows=5))
