"""Datacenter electricity against the grid (claim C10): scenarios from published anchors, loads, grid context.

Scenarios are data (``catalog/power_assumptions.csv``, versioned): each names the published figures it passes
through (anchors: rows of data/reference/datacenter_electricity_us.csv), how to fill the years between them
(``geometric``: constant annual growth), its load factor, the hours per year, the US electricity measure and the
growth of non-datacenter use after the last published EIA year. Every output row carries the assumption
version; published figures keep their source and locator, interpolated ones name both anchors.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import CatalogError, check_file, read_csv_text, rule
from macro_pipeline.mart_kit import CatalogFile, CheckOutcome, Mart, MartCheck, Reference, Series, mart
from macro_pipeline.schemas.datacenter_power import (
    DatacenterPowerByYear,
    DatacenterPowerVsGrid,
    PowerAssumptions,
    PowerContextMonthly,
)

ASSUMPTIONS_FILE = Path(__file__).resolve().parents[1] / "catalog" / "power_assumptions.csv"
ASSUMPTION_COLUMNS = ["assumption_version", "scenario", "parameter", "year", "value", "unit", "reference",
                      "rationale", "source", "owner"]
REQUIRED_PARAMETERS = ("anchor_twh", "interpolation", "load_factor", "hours_per_year", "us_electricity_measure",
                       "non_datacenter_growth_pct_per_year")
INTERPOLATIONS = ("geometric",)
QUEUE_METRIC = "active capacity in queues"
QUEUE_RESOURCE = "total generation + storage"
PJM_PRICE_PREFIX = "RTO clearing price"
CONTEXT_SERIES = {"IPG2211S": "electric_power_output_index", "CUSR0000SEHF01": "electricity_cpi_index",
                  "APU000072610": "electricity_price_usd_per_kwh",
                  "CES5051800001": "computing_infrastructure_employment_thousands"}
CONTEXT_START = dt.date(2014, 1, 1)


class AssumptionError(ValueError):
    """The assumptions file breaks a rule; the message names the row."""


# ---------------------------------------------------------------------------------------------------------------
# assumptions


def load_assumptions(path: Path | str | None = None) -> pl.DataFrame:
    path = Path(path or ASSUMPTIONS_FILE)
    return parse_assumptions(path.read_text(encoding="utf-8"), path.name)


def parse_assumptions(text: str, name: str = "power_assumptions.csv") -> pl.DataFrame:
    """The assumptions as a PowerAssumptions frame, validated by one pandera schema (catalog.check_file): every
    row has a version, scenario, known parameter, rationale, source and owner; anchors a year and a reference
    label; other parameters a value and no year; numbers where numbers are due, within their ranges; one version.
    Then per scenario: every parameter once, and at least two anchors in distinct years."""
    try:
        frame = read_csv_text(name, text)
    except CatalogError as err:
        raise AssumptionError(str(err)) from None
    missing = [c for c in ASSUMPTION_COLUMNS if c not in frame.columns]
    if missing:
        raise AssumptionError(f"{name}: missing columns {missing}")
    param, value = pl.col("parameter"), pl.col("value")
    number = value.cast(pl.Float64, strict=False)
    anchor = param == "anchor_twh"
    numeric = param.is_in(["load_factor", "hours_per_year", "non_datacenter_growth_pct_per_year"])
    schema = pa.DataFrameSchema(
        {c: pa.Column(str, nullable=False) for c in ("assumption_version", "scenario", "parameter", "rationale",
                                                       "source", "owner")},
        checks=[
            rule(param.is_in(REQUIRED_PARAMETERS), f"parameter is one of {list(REQUIRED_PARAMETERS)}"),
            rule(~anchor | (pl.col("year").str.contains(r"^\d{4}$") & pl.col("reference").is_not_null()),
                 "an anchor has a year and a reference label"),
            rule(anchor | pl.col("year").is_null(), "only anchors have a year"),
            rule(anchor | value.is_not_null(), "a parameter other than an anchor has a value"),
            rule(~numeric | number.is_not_null(),
                 "load_factor, hours_per_year and non_datacenter_growth_pct_per_year are numbers"),
            rule((param != "load_factor") | ((number > 0) & (number <= 1)), "load_factor is in (0, 1]"),
            rule((param != "hours_per_year") | number.is_between(8000, 9000, closed="none"),
                 "hours_per_year is about 8760 (8000-9000)"),
            rule((param != "interpolation") | value.is_in(INTERPOLATIONS),
                 f"interpolation is one of {list(INTERPOLATIONS)}"),
            rule(pl.col("assumption_version").n_unique() == 1, "all rows carry the same assumption_version"),
        ], name=name)
    check_file(name, frame, schema, error=AssumptionError)
    frame = frame.with_columns(pl.col("year").cast(pl.Int64))
    for (scenario,), part in frame.group_by("scenario", maintain_order=True):
        params = part["parameter"].to_list()
        absent = [p for p in REQUIRED_PARAMETERS if p not in params]
        if absent:
            raise AssumptionError(f"{name}: scenario {scenario} lacks {absent}")
        repeated = [p for p in set(params) if p != "anchor_twh" and params.count(p) > 1]
        if repeated:
            raise AssumptionError(f"{name}: scenario {scenario} declares {repeated} more than once")
        anchors = part.filter(pl.col("parameter") == "anchor_twh")["year"]
        if anchors.len() < 2 or anchors.is_duplicated().any():
            raise AssumptionError(f"{name}: scenario {scenario} needs at least two anchors in distinct years")
    return frame.select(list(PowerAssumptions.to_schema().columns))


def _param(assumptions: pl.DataFrame, scenario: str, parameter: str) -> str:
    return assumptions.filter((pl.col("scenario") == scenario) & (pl.col("parameter") == parameter))["value"][0]


# ---------------------------------------------------------------------------------------------------------------
# interpolation


def interpolate_anchors(anchors: list[tuple[int, float]], method: str = "geometric") -> list[tuple[int, float, str]]:
    """(year, value, 'published' | 'interpolated') for every year from the first to the last anchor.

    geometric: constant annual growth between adjacent anchors, v_t = v_a * (v_b / v_a) ** ((t - a) / (b - a)).
    """
    if method not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {method!r}")
    points = sorted(anchors)
    if len(points) < 2:
        raise ValueError("interpolation needs at least two anchors")
    if any(v <= 0 for _, v in points):
        raise ValueError("geometric interpolation needs positive anchors")
    out = [(points[0][0], points[0][1], "published")]
    for (a, va), (b, vb) in itertools.pairwise(points):
        if b <= a:
            raise ValueError(f"anchor years must differ: {a}, {b}")
        for t in range(a + 1, b):
            out.append((t, va * (vb / va) ** ((t - a) / (b - a)), "interpolated"))
        out.append((b, vb, "published"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# the mart


def cite(row: dict) -> str:
    """One citation string from a reference row."""
    return (f"{row['publisher']}, '{row['source_title']}' ({row['published']}), {row['url']}; "
            f"locator: {row['locator']}")


def _anchor_row(datacenter: pl.DataFrame, year: int, label: str, scenario: str) -> dict:
    found = datacenter.filter((pl.col("year") == str(year)) & (pl.col("scenario") == label)
                              & pl.col("value").is_not_null())
    if found.height != 1:
        raise AssumptionError(f"scenario {scenario}: anchor {year} {label!r} matches {found.height} rows with a "
                              "TWh figure in datacenter_electricity_us.csv (needs exactly one)")
    return found.row(0, named=True)


def datacenter_power_vs_grid(assumptions: pl.DataFrame, datacenter: pl.DataFrame, us_electricity: pl.DataFrame,
                             capacity: pl.DataFrame, queue: pl.DataFrame, pjm: pl.DataFrame) -> pl.DataFrame:
    """marts.datacenter_power_vs_grid from the assumptions and the loaded reference tables
    (macro_pipeline.reference.load_reference of datacenter_electricity_us, us_electricity_annual,
    us_generating_capacity, interconnection_queue, pjm_capacity_prices)."""
    rows = []
    for (scenario,), part in assumptions.group_by("scenario", maintain_order=True):
        rows.extend(_scenario_rows(scenario, part, datacenter, us_electricity))
    frame = pl.DataFrame(rows, schema={
        "year": pl.Date, "scenario": pl.String, "assumption_version": pl.String, "method": pl.String,
        "datacenter_twh": pl.Float64, "datacenter_qualifier": pl.String, "source": pl.String,
        "datacenter_share_published_pct": pl.Float64, "us_electricity_twh": pl.Float64,
        "us_electricity_method": pl.String, "hours_per_year": pl.Float64, "load_factor": pl.Float64})
    frame = (frame.with_columns(
        (100 * pl.col("datacenter_twh") / pl.col("us_electricity_twh")).alias("datacenter_share_pct"),
        (pl.col("datacenter_twh") * 1000 / pl.col("hours_per_year")).alias("datacenter_avg_load_gw"))
        .with_columns((pl.col("datacenter_avg_load_gw") / pl.col("load_factor")).alias("datacenter_peak_gw")))
    previous = frame.select(pl.col("year").dt.offset_by("1y"), "scenario",
                            pl.col("datacenter_avg_load_gw").alias("_avg_prev"),
                            pl.col("datacenter_peak_gw").alias("_peak_prev"))
    frame = (frame.join(previous, on=["year", "scenario"], how="left")
             .with_columns((pl.col("datacenter_avg_load_gw") - pl.col("_avg_prev")).alias("incremental_avg_load_gw"),
                           (pl.col("datacenter_peak_gw") - pl.col("_peak_prev")).alias("incremental_peak_gw"))
             .join(capacity_additions(capacity), on="year", how="left")
             .join(queue_capacity(queue), on="year", how="left")
             .join(pjm_prices(pjm), on="year", how="left")
             .with_columns(
                 (100 * pl.col("incremental_peak_gw") / pl.col("capacity_additions_gw"))
                 .alias("incremental_peak_to_additions_pct"),
                 (100 * pl.col("incremental_peak_gw") / pl.col("queue_capacity_gw"))
                 .alias("incremental_peak_to_queue_pct")))
    return frame.select(list(DatacenterPowerVsGrid.to_schema().columns)).sort("scenario", "year")


def _scenario_rows(scenario: str, part: pl.DataFrame, datacenter: pl.DataFrame,
                   us_electricity: pl.DataFrame) -> list[dict]:
    version = part["assumption_version"][0]
    anchors = part.filter(pl.col("parameter") == "anchor_twh").sort("year")
    anchor_rows = {y: _anchor_row(datacenter, y, label, scenario)
                   for y, label in anchors.select("year", "reference").iter_rows()}
    path = interpolate_anchors([(y, r["value"]) for y, r in anchor_rows.items()],
                               _param(part, scenario, "interpolation"))
    measure = _param(part, scenario, "us_electricity_measure")
    published_us = {int(r["year"]): (r["twh"], cite(r)) for r in
                    us_electricity.filter(pl.col("measure") == measure).iter_rows(named=True)}
    if not published_us:
        raise AssumptionError(f"scenario {scenario}: no US electricity rows with measure {measure!r}")
    last_us = max(published_us)
    dc_by_year = {y: v for y, v, _ in path}
    growth = float(_param(part, scenario, "non_datacenter_growth_pct_per_year")) / 100
    non_dc_last = published_us[last_us][0] - dc_by_year[last_us] if last_us in dc_by_year else None
    hours = float(_param(part, scenario, "hours_per_year"))
    load_factor = float(_param(part, scenario, "load_factor"))
    years = sorted(anchor_rows)
    out = []
    for year, value, method in path:
        if method == "published":
            ref = anchor_rows[year]
            qualifier, source, share = ref["qualifier"], cite(ref), ref["share_of_us_electricity_pct_value"]
        else:
            a = max(y for y in years if y < year)
            b = min(y for y in years if y > year)
            quals = {anchor_rows[a]["qualifier"], anchor_rows[b]["qualifier"]} - {None}
            qualifier = ", ".join(sorted(quals)) or None
            source = (f"interpolated ({_param(part, scenario, 'interpolation')}, constant annual growth) between "
                      f"{a}: {anchor_rows[a]['value']:g} TWh [{cite(anchor_rows[a])}] and {b}: "
                      f"{anchor_rows[b]['value']:g} TWh [{cite(anchor_rows[b])}]")
            share = None
        if year in published_us:
            us_twh, us_method = published_us[year][0], "published"
        elif year > last_us and non_dc_last is not None:
            us_twh, us_method = non_dc_last * (1 + growth) ** (year - last_us) + value, "projected"
        else:
            us_twh, us_method = None, None
        out.append({"year": dt.date(year, 1, 1), "scenario": scenario, "assumption_version": version,
                    "method": method, "datacenter_twh": value, "datacenter_qualifier": qualifier, "source": source,
                    "datacenter_share_published_pct": share, "us_electricity_twh": us_twh,
                    "us_electricity_method": us_method, "hours_per_year": hours, "load_factor": load_factor})
    return out


def capacity_additions(capacity: pl.DataFrame) -> pl.DataFrame:
    """Total US utility-scale capacity added per year: the latest-reported actual, else the latest plan."""
    totals = capacity.filter((pl.col("source_type") == "Total")
                             & (pl.col("kind").str.starts_with("actual additions")
                                | pl.col("kind").str.starts_with("planned additions"))
                             & pl.col("year").str.contains(r"^\d{4}$"))
    totals = totals.with_columns(pl.col("kind").str.starts_with("actual").alias("_actual"))
    picked = (totals.sort("_actual", "published", descending=[True, True])
              .group_by("year", maintain_order=True).first())
    return picked.select(
        pl.col("year").str.to_integer().map_elements(lambda y: dt.date(y, 1, 1), return_dtype=pl.Date),
        pl.col("gw").alias("capacity_additions_gw"),
        pl.col("kind").alias("capacity_additions_kind"),
        pl.struct(pl.all()).map_elements(cite, return_dtype=pl.String).alias("capacity_additions_source"))


def queue_capacity(queue: pl.DataFrame) -> pl.DataFrame:
    """Year-end capacity in interconnection queues (generation + storage), the figure named and its qualifier."""
    rows = queue.filter((pl.col("metric") == QUEUE_METRIC) & (pl.col("resource") == QUEUE_RESOURCE)
                        & (pl.col("unit") == "GW") & pl.col("as_of").str.contains(r"^end of \d{4}$"))
    return rows.select(
        pl.col("as_of").str.extract(r"(\d{4})").str.to_integer()
        .map_elements(lambda y: dt.date(y, 1, 1), return_dtype=pl.Date).alias("year"),
        pl.col("value").alias("queue_capacity_gw"), pl.col("qualifier").alias("queue_qualifier"),
        pl.struct(pl.all()).map_elements(cite, return_dtype=pl.String).alias("queue_source"))


def pjm_prices(pjm: pl.DataFrame) -> pl.DataFrame:
    """PJM RTO capacity clearing price by delivery year (June of `year` to May of the next)."""
    rows = pjm.filter(pl.col("metric").str.starts_with(PJM_PRICE_PREFIX)
                      & pl.col("delivery_year").str.contains(r"^\d{4}/\d{4}$"))
    return rows.select(
        pl.col("delivery_year").str.slice(0, 4).str.to_integer()
        .map_elements(lambda y: dt.date(y, 1, 1), return_dtype=pl.Date).alias("year"),
        pl.col("delivery_year").alias("pjm_delivery_year"),
        pl.col("value").alias("pjm_capacity_price_usd_per_mw_day"), pl.col("metric").alias("pjm_price_basis"),
        pl.struct(pl.all()).map_elements(cite, return_dtype=pl.String).alias("pjm_source"))


def datacenter_power_by_year(mart: pl.DataFrame) -> pl.DataFrame:
    """One row per year: scenario range of datacenter TWh, share and incremental peak, plus the grid figures."""
    out = (mart.sort("scenario").group_by("year").agg(
        pl.len().alias("n_scenarios"), pl.col("scenario").str.join(", ").alias("scenarios"),
        (pl.col("method") == "published").any().alias("any_published"),
        pl.col("datacenter_twh").min().alias("datacenter_twh_low"),
        pl.col("datacenter_twh").max().alias("datacenter_twh_high"),
        pl.col("datacenter_share_pct").min().alias("datacenter_share_low_pct"),
        pl.col("datacenter_share_pct").max().alias("datacenter_share_high_pct"),
        pl.col("datacenter_share_published_pct").min().alias("datacenter_share_published_low_pct"),
        pl.col("datacenter_share_published_pct").max().alias("datacenter_share_published_high_pct"),
        pl.col("incremental_peak_gw").min().alias("incremental_peak_low_gw"),
        pl.col("incremental_peak_gw").max().alias("incremental_peak_high_gw"),
        pl.col("capacity_additions_gw").first(), pl.col("queue_capacity_gw").first(),
        pl.col("pjm_capacity_price_usd_per_mw_day").first())
        .with_columns(pl.col("n_scenarios").cast(pl.Int64),
                      (100 * pl.col("incremental_peak_high_gw") / pl.col("capacity_additions_gw"))
                      .alias("incremental_peak_high_to_additions_pct")))
    return out.select(list(DatacenterPowerByYear.to_schema().columns)).sort("year")


# ---------------------------------------------------------------------------------------------------------------
# monthly context


def power_context_monthly(staging: pl.DataFrame, census: pl.DataFrame, start: dt.date = CONTEXT_START) -> pl.DataFrame:
    """marts.power_context_monthly from staging rows of CONTEXT_SERIES (values in their catalog base units: the
    index points, dollars per kWh and thousands of persons they are published in) and the Census construction
    reference table ($ millions SAAR, turned into billions)."""
    frame = census.select(
        pl.col("month"), (pl.col("data_center") / 1000).alias("datacenter_construction_saar_usd_bn"),
        (pl.col("manufacturing") / 1000).alias("manufacturing_construction_saar_usd_bn"),
        pl.col("flag").replace("", None).alias("census_flag"))
    for series_id, name in CONTEXT_SERIES.items():
        part = staging.filter(pl.col("series_id") == series_id).select(pl.col("date").alias("month"),
                                                                       pl.col("value").alias(name))
        frame = frame.join(part, on="month", how="full", coalesce=True)
    frame = frame.filter(pl.col("month") >= start).sort("month")
    year_ago = frame.select(pl.col("month").dt.offset_by("1y"),
                            pl.col("datacenter_construction_saar_usd_bn").alias("_dc_prev"),
                            pl.col("electricity_cpi_index").alias("_cpi_prev"))
    frame = frame.join(year_ago, on="month", how="left").with_columns(
        (100 * pl.col("datacenter_construction_saar_usd_bn") / pl.col("manufacturing_construction_saar_usd_bn"))
        .alias("datacenter_to_manufacturing_pct"),
        (100 * (pl.col("datacenter_construction_saar_usd_bn") / pl.col("_dc_prev") - 1))
        .alias("datacenter_construction_yoy_pct"),
        (100 * (pl.col("electricity_cpi_index") / pl.col("_cpi_prev") - 1)).alias("electricity_cpi_yoy_pct"))
    value_columns = [c for c in PowerContextMonthly.to_schema().columns if c not in ("month", "census_flag")]
    frame = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in value_columns]))
    return frame.select(list(PowerContextMonthly.to_schema().columns))


# ---------------------------------------------------------------------------------------------------------------
# the marts, declared through the mart kit

_REFERENCE_INPUTS = {"datacenter": Reference("datacenter_electricity_us"),
                     "us_electricity": Reference("us_electricity_annual"),
                     "capacity": Reference("us_generating_capacity"), "queue": Reference("interconnection_queue"),
                     "pjm": Reference("pjm_capacity_prices")}


@mart("marts.power_assumptions", model=PowerAssumptions, key=("assumption_version", "scenario", "parameter", "year"),
      claims="C10", inputs={"assumptions": CatalogFile("power_assumptions")},
      summary=lambda frame, **_: {"assumption_version": frame["assumption_version"][0],
                                  "scenarios": ", ".join(frame["scenario"].unique(maintain_order=True))})
def power_assumptions_mart(assumptions: pl.DataFrame) -> pl.DataFrame:
    """The versioned scenario assumptions behind marts.datacenter_power_vs_grid (catalog/power_assumptions.csv):
    which published figures each scenario passes through, the interpolation rule between them (constant annual
    growth), load factor, hours per year, the US electricity measure and the growth of non-datacenter use, each
    with rationale, source and owner. Change the CSV and its version to change a scenario."""
    return assumptions


def _assumptions_known(frame: pl.DataFrame, assumptions: pl.DataFrame, **_: object) -> CheckOutcome:
    known = assumptions.select("scenario", "assumption_version").unique()
    orphans = frame.join(known, on=["scenario", "assumption_version"], how="anti")
    return CheckOutcome(orphans.is_empty(), None if orphans.is_empty() else
                        f"{orphans.height} rows carry an assumption version not in marts.power_assumptions",
                        {"rows_without_known_assumption": orphans.height})


@mart("marts.datacenter_power_vs_grid", model=DatacenterPowerVsGrid, key=("year", "scenario"), claims="C10",
      date_column="year", units="TWh, GW, percent",
      inputs={"assumptions": Mart("marts.power_assumptions"), **_REFERENCE_INPUTS},
      checks=[MartCheck("assumption_versions_are_known",
                        "Every row carries an assumption version that exists in marts.power_assumptions.",
                        _assumptions_known)])
def datacenter_power_vs_grid_mart(assumptions: pl.DataFrame, datacenter: pl.DataFrame, us_electricity: pl.DataFrame,
                                  capacity: pl.DataFrame, queue: pl.DataFrame, pjm: pl.DataFrame) -> pl.DataFrame:
    """US datacenter electricity against the grid, per year and scenario (claim C10).

    Datacenter TWh: published anchors (LBNL 2024 for 2014/2018/2023 and 2028 low/high; IEA 2025 for 2024/2030),
    constant annual growth between a scenario's anchors (method 'interpolated'). US electricity: EIA total end
    use, projected after its last year. Average GW = TWh * 1000 / 8760; peak = average / declared load factor.
    Incremental peak load against EIA's gross capacity additions and the interconnection queue; PJM capacity
    price as the price signal. Every row carries the assumption version and the citation of its figures.
    """
    return datacenter_power_vs_grid(assumptions, datacenter, us_electricity, capacity, queue, pjm)


@mart("marts.datacenter_power_by_year", model=DatacenterPowerByYear, key=("year",), claims="C10", date_column="year",
      units="TWh, GW, percent", inputs={"mart": Mart("marts.datacenter_power_vs_grid")})
def datacenter_power_by_year_mart(mart: pl.DataFrame) -> pl.DataFrame:
    """marts.datacenter_power_vs_grid summarised to one row per year: the lowest and highest scenario for
    datacenter TWh, share of US electricity and incremental peak GW, next to capacity additions, the queue and
    the PJM capacity price (the source of the C10 indicators)."""
    return datacenter_power_by_year(mart)


@mart("marts.power_context_monthly", model=PowerContextMonthly, key=("month",), claims="C10", date_column="month",
      inputs={"staging": Series(tuple(CONTEXT_SERIES), required=()),
              "census": Reference("census_construction_private_monthly")})
def power_context_monthly_mart(staging: pl.DataFrame, census: pl.DataFrame) -> pl.DataFrame:
    """Monthly context for claim C10 from 2014-01: Census private construction put in place for data centers vs
    manufacturing ($ billions SAAR, nominal), electric power output (IPG2211S), electricity CPI (CUSR0000SEHF01)
    and its 12-month change, average electricity price (APU000072610), and employment in computing
    infrastructure and data processing (CES5051800001)."""
    return power_context_monthly(staging, census)
