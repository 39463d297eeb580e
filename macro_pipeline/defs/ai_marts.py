"""Marts for the AI claims: GDP growth excluding AI investment (C6) and datacenter power vs the grid (C10)."""

import dagster as dg
import polars as pl

from macro_pipeline.defs.metadata import check_result, definition_metadata, markdown_table, table_metadata
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.defs.staging import STAGING_OBSERVATIONS
from macro_pipeline.reference import load_reference
from macro_pipeline.schemas.gdp import GdpExAi, GdpExAiByQuarter, GdpExAiPeriods, GdpExAiRevisions
from macro_pipeline.schemas.power import (
    DatacenterPowerByYear,
    DatacenterPowerVsGrid,
    PowerAssumptions,
    PowerContextMonthly,
)
from macro_pipeline.transforms import datacenter_power, gdp_ex_ai
from macro_pipeline.transforms.validation import ValidationReport, validate
from macro_pipeline.warehouse import Warehouse

GDP_EX_AI = dg.AssetKey(["marts", "gdp_ex_ai"])
GDP_EX_AI_PERIODS = dg.AssetKey(["marts", "gdp_ex_ai_periods"])
GDP_EX_AI_BY_QUARTER = dg.AssetKey(["marts", "gdp_ex_ai_by_quarter"])
GDP_EX_AI_REVISIONS = dg.AssetKey(["marts", "gdp_ex_ai_revisions"])
POWER_ASSUMPTIONS = dg.AssetKey(["marts", "power_assumptions"])
DATACENTER_POWER = dg.AssetKey(["marts", "datacenter_power_vs_grid"])
DATACENTER_POWER_BY_YEAR = dg.AssetKey(["marts", "datacenter_power_by_year"])
POWER_CONTEXT_MONTHLY = dg.AssetKey(["marts", "power_context_monthly"])
_COMMON = {"group_name": "marts", "kinds": {"duckdb", "polars"}, "owners": ["team:data-engineering"]}
# the largest error of our contribution formula against BEA's published equipment and IPP contributions that
# still counts as reproduced (2020-Q2 equipment: 0.056 pp; see macro_pipeline_tests/unit/test_gdp_ex_ai.py)
REPRODUCTION_TOLERANCE_PP = 0.06


def _release_notes(warehouse: Warehouse) -> dict[str, str]:
    log = warehouse.read("raw.fetch_log")
    return {r["series_id"]: r["detail"] for r in log.iter_rows(named=True) if r["detail"]}


def _blocking(name: str, asset: dg.AssetKey, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, blocking=True, description=description)


def _named(result: dg.AssetCheckResult, name: str) -> dg.AssetCheckResult:
    """The same check result under an explicit check name (needed when an asset has several checks)."""
    return dg.AssetCheckResult(check_name=name, passed=result.passed, severity=result.severity,
                               metadata=result.metadata, description=result.description)


def _write(warehouse: Warehouse, name: str, frame: pl.DataFrame, report: ValidationReport) -> None:
    if report.ok:
        warehouse.replace(name, frame)


# ---------------------------------------------------------------------------------------------------------------
# C6: GDP excluding AI investment


@dg.asset(key=GDP_EX_AI, metadata=definition_metadata("marts.gdp_ex_ai"),
          deps=[STAGING_OBSERVATIONS], tags={"layer": "marts", "claim": "C6"}, **_COMMON,
          check_specs=[
              _blocking("gdp_ex_ai_contributions_add_up", GDP_EX_AI,
                        "Component contributions add up to the AI contribution, ex-AI growth = headline - AI "
                        "contribution, AI share null when growth <= 0, one row per quarter and definition."),
              dg.AssetCheckSpec("bea_contributions_reproduced", asset=GDP_EX_AI,
                                description="Our Fisher contribution formula reproduces BEA's published "
                                            "contributions of nonresidential equipment and IPP within "
                                            f"{REPRODUCTION_TOLERANCE_PP} pp in every quarter.")])
def gdp_ex_ai_mart(context: dg.AssetExecutionContext, catalog: CatalogResource,
                   warehouse: Warehouse) -> dg.MaterializeResult:
    """Quarterly real GDP growth excluding AI-related investment (claim C6), percent SAAR.

    For each definition of AI investment in catalog/ai_investment_definitions.csv (narrow: computers and
    peripherals + software; broad: information processing equipment + software; broad_plus_datacenters: broad +
    Census data-center construction), the AI contribution to real GDP growth is BEA's published contribution
    where one exists, else BEA's contribution formula for chain-type Fisher indexes computed from the nominal and
    chained-dollar series (NIPA Handbook ch. 4). Ex-AI growth = headline growth (A191RL1Q225SBEA) - AI
    contribution. Data-center structures are nominal Census spending deflated by the GDP price index (method
    column). Counterfactual levels from the definition's base quarter. No import-adjusted variant: no import
    series. Inputs come from different BEA releases (input_release column).
    """
    facts = catalog.load()
    definitions = gdp_ex_ai.load_definitions(catalog.file("ai_investment_definitions.csv"))
    ids = gdp_ex_ai.input_series(definitions)
    staging = warehouse.read_series("staging.observations", ids)
    census = load_reference(gdp_ex_ai.CENSUS_TABLE, catalog.reference_dir())
    mart = gdp_ex_ai.gdp_ex_ai(staging, definitions, census, _release_notes(warehouse), facts.series)
    report = validate(GdpExAi, mart)
    _write(warehouse, "marts.gdp_ex_ai", mart, report)
    reproduction = gdp_ex_ai.reproduce_bea_contributions(staging, facts.series)
    by_series = (reproduction.group_by("published_series")
                 .agg(pl.col("error_pp").abs().max().alias("max_abs_error_pp"),
                      pl.col("error_pp").abs().mean().alias("mean_abs_error_pp"), pl.len().alias("quarters"))
                 .sort("published_series"))
    worst = float(by_series["max_abs_error_pp"].max()) if by_series.height else None
    reproduced = worst is not None and worst <= REPRODUCTION_TOLERANCE_PP
    broad = mart.filter(pl.col("definition") == "broad").tail(8).select(
        "quarter", "real_gdp_growth_saar_pct", "ai_contribution_pp", "gdp_growth_ex_ai_saar_pct",
        "ai_share_of_growth_pct")
    context.log.info(f"gdp_ex_ai: {mart.height} rows; BEA reproduction max error {worst}")
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.gdp_ex_ai", mart, "quarter", units="percent and percentage points, SAAR"),
                  "written": report.ok, "definition_version": definitions["definition_version"][0],
                  "definitions_with_insufficient_data": ", ".join(
                      sorted(set(definitions["definition"]) - set(mart["definition"]))) or "(none)",
                  "latest_quarters_broad": dg.MetadataValue.md(markdown_table(broad, 8)),
                  "bea_reproduction": dg.MetadataValue.md(markdown_table(by_series, 10))},
        check_results=[
            _named(check_result(report), "gdp_ex_ai_contributions_add_up"),
            dg.AssetCheckResult(check_name="bea_contributions_reproduced", passed=reproduced,
                                severity=dg.AssetCheckSeverity.WARN,
                                metadata={"max_abs_error_pp": worst, "tolerance_pp": REPRODUCTION_TOLERANCE_PP,
                                          "by_series": dg.MetadataValue.md(markdown_table(by_series, 10))},
                                description=None if reproduced else
                                "BEA's published contributions are not reproduced (or not available)")])


@dg.asset(key=GDP_EX_AI_PERIODS, metadata=definition_metadata("marts.gdp_ex_ai_periods"),
          deps=[GDP_EX_AI], tags={"layer": "marts", "claim": "C6"}, **_COMMON,
          check_specs=[_blocking("gdp_ex_ai_periods_add_up", GDP_EX_AI_PERIODS,
                                 "AI contribution = headline - ex-AI growth; complete periods only.")])
def gdp_ex_ai_periods_mart(warehouse: Warehouse) -> dg.MaterializeResult:
    """Half-year and calendar-year (Q4 over Q4) real GDP growth with and without AI investment (claim C6),
    compounded from the quarterly SAAR rates of marts.gdp_ex_ai; complete periods only. Not BEA's annual-average
    growth."""
    periods = gdp_ex_ai.gdp_ex_ai_periods(warehouse.read("marts.gdp_ex_ai"))
    report = validate(GdpExAiPeriods, periods)
    _write(warehouse, "marts.gdp_ex_ai_periods", periods, report)
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.gdp_ex_ai_periods", periods, "period_start",
                                   units="percent and percentage points, annual rate"), "written": report.ok},
        check_results=[check_result(report)])


@dg.asset(key=GDP_EX_AI_BY_QUARTER, metadata=definition_metadata("marts.gdp_ex_ai_by_quarter"),
          deps=[GDP_EX_AI], tags={"layer": "marts", "claim": "C6"}, **_COMMON,
          check_specs=[_blocking("gdp_ex_ai_by_quarter_is_valid", GDP_EX_AI_BY_QUARTER,
                                 "One row per quarter; fits its model.")])
def gdp_ex_ai_by_quarter_mart(warehouse: Warehouse) -> dg.MaterializeResult:
    """marts.gdp_ex_ai with the definitions side by side, one row per quarter: the source of the C6 indicators
    (ex-AI growth, AI contribution, AI share of growth, ex-AI level gap per definition)."""
    wide = gdp_ex_ai.gdp_ex_ai_by_quarter(warehouse.read("marts.gdp_ex_ai"))
    report = validate(GdpExAiByQuarter, wide)
    _write(warehouse, "marts.gdp_ex_ai_by_quarter", wide, report)
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.gdp_ex_ai_by_quarter", wide, "quarter", units="percent, SAAR"),
                  "written": report.ok},
        check_results=[check_result(report)])


@dg.asset(key=GDP_EX_AI_REVISIONS, metadata=definition_metadata("marts.gdp_ex_ai_revisions"),
          deps=[GDP_EX_AI], tags={"layer": "marts", "claim": "C6"}, **_COMMON,
          check_specs=[_blocking("gdp_ex_ai_revisions_are_valid", GDP_EX_AI_REVISIONS,
                                 "One row per quarter and definition; fits its model.")])
def gdp_ex_ai_revisions_mart(catalog: CatalogResource, warehouse: Warehouse) -> dg.MaterializeResult:
    """Real GDP growth excluding AI investment as first published vs latest (claim C6): marts.gdp_ex_ai's method
    applied to the first vintage of every input the warehouse holds and to the latest. With the live FRED path
    and its vintage fetch, the first vintage is FRED's first release; with the embedded snapshot (one vintage)
    both sides agree."""
    facts = catalog.load()
    definitions = gdp_ex_ai.load_definitions(catalog.file("ai_investment_definitions.csv"))
    ids = gdp_ex_ai.input_series(definitions)
    raw = warehouse.read_series("raw.observations", ids)
    census = load_reference(gdp_ex_ai.CENSUS_TABLE, catalog.reference_dir())
    revisions = gdp_ex_ai.gdp_ex_ai_revisions(raw, definitions, census, _release_notes(warehouse), facts.series)
    report = validate(GdpExAiRevisions, revisions)
    _write(warehouse, "marts.gdp_ex_ai_revisions", revisions, report)
    vintages = raw.group_by("series_id").agg(pl.col("realtime_start").n_unique().alias("n"))["n"]
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.gdp_ex_ai_revisions", revisions, "quarter", units="percent, SAAR"),
                  "written": report.ok, "revised_rows": int(revisions["revised"].sum()),
                  "most_vintages_of_an_input": int(vintages.max()) if vintages.len() else 0},
        check_results=[check_result(report)])


# ---------------------------------------------------------------------------------------------------------------
# C10: datacenter power vs the grid


@dg.asset(key=POWER_ASSUMPTIONS, metadata=definition_metadata("marts.power_assumptions"),
          tags={"layer": "marts", "claim": "C10"}, **_COMMON,
          check_specs=[_blocking("power_assumptions_are_complete", POWER_ASSUMPTIONS,
                                 "Every scenario declares every parameter once (anchors: at least two), one "
                                 "version, each row with rationale, source and owner.")])
def power_assumptions_mart(catalog: CatalogResource, warehouse: Warehouse) -> dg.MaterializeResult:
    """The versioned scenario assumptions behind marts.datacenter_power_vs_grid (catalog/power_assumptions.csv):
    which published figures each scenario passes through, the interpolation rule between them (constant annual
    growth), load factor, hours per year, the US electricity measure and the growth of non-datacenter use, each
    with rationale, source and owner. Change the CSV and its version to change a scenario."""
    assumptions = datacenter_power.load_assumptions(catalog.file("power_assumptions.csv"))
    report = validate(PowerAssumptions, assumptions)
    _write(warehouse, "marts.power_assumptions", assumptions, report)
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.power_assumptions", assumptions),
                  "assumption_version": assumptions["assumption_version"][0],
                  "scenarios": ", ".join(assumptions["scenario"].unique(maintain_order=True).to_list())},
        check_results=[check_result(report)])


@dg.asset(key=DATACENTER_POWER, metadata=definition_metadata("marts.datacenter_power_vs_grid"),
          deps=[POWER_ASSUMPTIONS], tags={"layer": "marts", "claim": "C10"}, **_COMMON,
          check_specs=[_blocking("datacenter_power_is_consistent", DATACENTER_POWER,
                                 "Shares within 0-100; every row carries an assumption version that exists in "
                                 "marts.power_assumptions; GW = TWh * 1000 / hours, peak = average / load "
                                 "factor; one row per year and scenario.")])
def datacenter_power_vs_grid_mart(context: dg.AssetExecutionContext, catalog: CatalogResource,
                                  warehouse: Warehouse) -> dg.MaterializeResult:
    """US datacenter electricity against the grid, per year and scenario (claim C10).

    Datacenter TWh: published anchors (LBNL 2024 for 2014/2018/2023 and 2028 low/high; IEA 2025 for 2024/2030),
    constant annual growth between a scenario's anchors (method 'interpolated'). US electricity: EIA total end
    use, projected after its last year. Average GW = TWh * 1000 / 8760; peak = average / declared load factor.
    Incremental peak load against EIA's gross capacity additions and the interconnection queue; PJM capacity
    price as the price signal. Every row carries the assumption version and the citation of its figures.
    """
    assumptions = warehouse.read("marts.power_assumptions")
    ref = catalog.reference_dir()
    mart = datacenter_power.datacenter_power_vs_grid(
        assumptions, load_reference("datacenter_electricity_us", ref), load_reference("us_electricity_annual", ref),
        load_reference("us_generating_capacity", ref), load_reference("interconnection_queue", ref),
        load_reference("pjm_capacity_prices", ref))
    report = validate(DatacenterPowerVsGrid, mart)
    known = assumptions.select("scenario", "assumption_version").unique()
    orphans = mart.join(known, on=["scenario", "assumption_version"], how="anti")
    passed = report.ok and orphans.is_empty()
    if passed:
        warehouse.replace("marts.datacenter_power_vs_grid", mart)
    context.log.info(f"datacenter_power_vs_grid: {mart.height} rows, {orphans.height} without a known assumption")
    result = check_result(report, rows_without_known_assumption=orphans.height)
    if not orphans.is_empty():
        result = dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                     metadata={"rows_without_known_assumption": orphans.height},
                                     description=f"{orphans.height} rows carry an assumption version not in "
                                                 f"marts.power_assumptions; {report.summary(max_rows=3)}")
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.datacenter_power_vs_grid", mart, "year", units="TWh, GW, percent"),
                  "written": passed, "assumption_version": assumptions["assumption_version"][0]},
        check_results=[result])


@dg.asset(key=DATACENTER_POWER_BY_YEAR, metadata=definition_metadata("marts.datacenter_power_by_year"),
          deps=[DATACENTER_POWER], tags={"layer": "marts", "claim": "C10"},
          **_COMMON, check_specs=[_blocking("datacenter_power_by_year_is_valid", DATACENTER_POWER_BY_YEAR,
                                            "One row per year; shares within 0-100; low <= high.")])
def datacenter_power_by_year_mart(warehouse: Warehouse) -> dg.MaterializeResult:
    """marts.datacenter_power_vs_grid summarised to one row per year: the lowest and highest scenario for
    datacenter TWh, share of US electricity and incremental peak GW, next to capacity additions, the queue and
    the PJM capacity price (the source of the C10 indicators)."""
    wide = datacenter_power.datacenter_power_by_year(warehouse.read("marts.datacenter_power_vs_grid"))
    report = validate(DatacenterPowerByYear, wide)
    _write(warehouse, "marts.datacenter_power_by_year", wide, report)
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.datacenter_power_by_year", wide, "year", units="TWh, GW, percent"),
                  "written": report.ok},
        check_results=[check_result(report)])


@dg.asset(key=POWER_CONTEXT_MONTHLY, metadata=definition_metadata("marts.power_context_monthly"),
          deps=[STAGING_OBSERVATIONS], tags={"layer": "marts", "claim": "C10"},
          **_COMMON, check_specs=[_blocking("power_context_is_valid", POWER_CONTEXT_MONTHLY,
                                            "One row per month; fits its model.")])
def power_context_monthly_mart(catalog: CatalogResource, warehouse: Warehouse) -> dg.MaterializeResult:
    """Monthly context for claim C10 from 2014-01: Census private construction put in place for data centers vs
    manufacturing ($ billions SAAR, nominal), electric power output (IPG2211S), electricity CPI (CUSR0000SEHF01)
    and its 12-month change, average electricity price (APU000072610), and employment in computing
    infrastructure and data processing (CES5051800001)."""
    staging = warehouse.read_series("staging.observations", datacenter_power.CONTEXT_SERIES)
    census = load_reference(gdp_ex_ai.CENSUS_TABLE, catalog.reference_dir())
    context_table = datacenter_power.power_context_monthly(staging, census)
    report = validate(PowerContextMonthly, context_table)
    _write(warehouse, "marts.power_context_monthly", context_table, report)
    return dg.MaterializeResult(
        metadata={**table_metadata("marts.power_context_monthly", context_table, "month"), "written": report.ok},
        check_results=[check_result(report)])
