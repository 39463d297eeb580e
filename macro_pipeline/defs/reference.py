"""Reference and config tables: each cited reference file and each versioned assumptions file is an asset of its own,
parsed and validated once, stored in the working database (``reference.<name>``, ``config.<name>``) and declared as
an input of the marts that use it.

A file that cannot be read is not fatal to the run: its asset records the error (naming file, row and column) in
``meta.inputs``, its check fails, and every mart that reads it fails naming it, while the other claims publish.
"""


from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandera.polars as pa
import polars as pl

from macro_pipeline.defs.metadata import OWNERS, markdown_table
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.reference import CITATION_COLUMNS, REFERENCE_FILES, load_reference
from macro_pipeline.reference.tables import reference_schema
from macro_pipeline.transforms import assumptions, datacenter_power, gdp_ex_ai, market_days
from macro_pipeline.transforms.validation import validate_schema
from macro_pipeline.warehouse import Warehouse

# catalog files holding versioned assumptions the marts read: name -> (parser, what it is)
CONFIG_FILES: dict[str, tuple[Callable[[Path], pl.DataFrame], str]] = {
    "ai_investment_definitions": (
        gdp_ex_ai.load_definitions,
        "The versioned definitions of AI-related investment (catalog/ai_investment_definitions.csv): per "
        "definition (narrow, broad, broad_plus_datacenters) its components, their BEA series or Census line, the "
        "counterfactual base quarter, each with source and note."),
    "power_assumptions": (
        datacenter_power.load_assumptions,
        "The versioned datacenter-power scenario assumptions (catalog/power_assumptions.csv): anchors, "
        "interpolation rule, load factor, hours per year, US electricity measure and non-datacenter growth, each "
        "with rationale, source and owner."),
    "real_economy_assumptions": (
        assumptions.load_assumptions,
        "The versioned assumptions of the real-economy marts (catalog/real_economy_assumptions.csv): base periods "
        "of the indexes (C7, C9, C12), mortgage terms (30 years, 20% down) and the conversion "
        "of constant-dollar income (C9), each with rationale and source."),
    "flow_model_assumptions": (
        market_days.load_flow_assumptions,
        "The versioned parameters of the market-structure models (catalog/flow_model_assumptions.csv): the C1 "
        "policy proxy and its largest-move share, the vol-target target, leverage cap, windows and AUM, the CTA "
        "lookbacks and risk budget, the buyback blackout rule, the VIX panic rule and the crypto alignment rule, "
        "each with unit, rationale and source (mostly rows of data/reference/flow_model_assumptions.csv)."),
}


def _record(warehouse: Warehouse, name: str, status: str, reason: str | None, run_id: str) -> None:
    warehouse.upsert("meta.inputs", pl.DataFrame(
        [{"table_name": name, "status": status, "reason": reason, "run_id": run_id}],
        schema={"table_name": pl.String, "status": pl.String, "reason": pl.String, "run_id": pl.String}),
        key="table_name")


def _load(context: dg.AssetExecutionContext, warehouse: Warehouse, table_name: str,
          parse: Callable[[], pl.DataFrame], schema: pa.DataFrameSchema | None,
          description: str) -> dg.MaterializeResult:
    check_name = f"{table_name.split('.')[1]}_is_valid"
    try:
        frame = parse()
        report = validate_schema(schema, frame) if schema is not None else None
        if report is not None and not report.ok:
            raise ValueError(report.summary(max_rows=5))
    except (ValueError, OSError) as err:
        reason = str(err)
        context.log.error(f"{table_name} could not be loaded: {reason}; the marts that read it fail, the others "
                          "still publish")
        _record(warehouse, table_name, "failed", reason, context.run.run_id)
        return dg.MaterializeResult(
            metadata={"status": "failed", "reason": reason, "written": False},
            check_results=[dg.AssetCheckResult(check_name=check_name, passed=False,
                                               severity=dg.AssetCheckSeverity.ERROR, description=reason)])
    warehouse.replace_file_table(table_name, frame)
    _record(warehouse, table_name, "loaded", None, context.run.run_id)
    cited = [c for c in CITATION_COLUMNS if c in frame.columns]
    sources = frame.select(cited).unique().sort(cited) if cited else None
    return dg.MaterializeResult(
        metadata={"dagster/row_count": frame.height, "dagster/table_name": table_name, "status": "loaded",
                  "written": True, "dagster/column_schema": dg.TableSchema(columns=[
                      dg.TableColumn(name=c, type=str(t)) for c, t in frame.schema.items()]),
                  "preview": dg.MetadataValue.md(markdown_table(frame)),
                  **({"sources": dg.MetadataValue.md(markdown_table(sources, 40))} if sources is not None else {})},
        check_results=[dg.AssetCheckResult(check_name=check_name, passed=True,
                                           severity=dg.AssetCheckSeverity.ERROR)])


def _file_asset(table_name: str, group: str, description: str,
                parse: Callable[[CatalogResource], pl.DataFrame],
                schema: pa.DataFrameSchema | None, check_description: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(table_name.split("."))

    @dg.asset(key=key, group_name=group, kinds={"csv", "duckdb"}, owners=OWNERS, tags={"layer": group},
              description=description,
              check_specs=[dg.AssetCheckSpec(f"{key.path[1]}_is_valid", asset=key, description=check_description)],
              metadata={"dagster/table_name": table_name,
                        "dagster/column_schema": dg.TableSchema(columns=[
                            dg.TableColumn(name=c, type="VARCHAR", description="citation")
                            for c in CITATION_COLUMNS if group == "reference"])})
    def _asset(context: dg.AssetExecutionContext, catalog: CatalogResource,
               warehouse: Warehouse) -> dg.MaterializeResult:
        return _load(context, warehouse, table_name, lambda: parse(catalog), schema, description)

    return _asset


def reference_assets() -> list[dg.AssetsDefinition]:
    """One asset per cited reference file (data/reference/<name>.csv)."""
    return [
        _file_asset(f"reference.{name}", "reference",
                    f"Cited reference table data/reference/{spec.file_name}. {spec.description} Every row carries "
                    f"its citation ({', '.join(CITATION_COLUMNS)}); stated values are parsed with their qualifier "
                    "(nearly, over, a range) and never treated as exact.",
                    lambda catalog, name=name: load_reference(name, catalog.reference_dir()),
                    reference_schema(spec),
                    "Every row has its citation, stated values parse, numbers and dates are typed, and each value "
                    "lies within its stated bounds (pandera).")
        for name, spec in REFERENCE_FILES.items()]


def config_assets() -> list[dg.AssetsDefinition]:
    """One asset per versioned assumptions file of the catalog."""
    return [
        _file_asset(f"config.{name}", "config", description,
                    lambda catalog, name=name, parse=parse: parse(catalog.file(f"{name}.csv")), None,
                    "The file parses and keeps its rules (one version, every row with its source; see the parser).")
        for name, (parse, description) in CONFIG_FILES.items()]
