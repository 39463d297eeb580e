"""Models of the datacenter-power marts (claim C10): datacenter electricity against the grid, and context."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

_ASSUMPTIONS = "macro_pipeline/catalog/power_assumptions.csv"
_DC = "data/reference/datacenter_electricity_us.csv (LBNL 2024, IEA 2025; see source)"
_EIA = "data/reference/us_electricity_annual.csv (EIA Monthly Energy Review Table 7.1)"
_CAP = "data/reference/us_generating_capacity.csv (EIA)"
_QUEUE = "data/reference/interconnection_queue.csv (LBNL Queued Up)"
_PJM = "data/reference/pjm_capacity_prices.csv (PJM Base Residual Auction results)"
_COMPUTED = "computed in marts.datacenter_power_vs_grid"
_CENSUS = ("data/reference/census_construction_private_monthly.csv (U.S. Census Bureau, Value of Construction Put "
           "in Place)")
_METHODS = ["published", "interpolated"]


def _f(description: str, unit: str | None, source: str, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": source})


class PowerAssumptions(pa.DataFrameModel):
    """The versioned scenario assumptions of marts.datacenter_power_vs_grid, as declared in
    catalog/power_assumptions.csv: anchors (which published figure each scenario passes through), interpolation
    method, load factor, hours per year, the US electricity measure and the growth of non-datacenter use, each
    with its rationale, source and owner."""

    assumption_version: str = _f("version of the assumptions file", "text", _ASSUMPTIONS, nullable=False)
    scenario: str = _f("scenario name", "text", _ASSUMPTIONS, nullable=False)
    parameter: str = pa.Field(isin=["anchor_twh", "interpolation", "load_factor", "hours_per_year",
                                    "us_electricity_measure", "non_datacenter_growth_pct_per_year"],
                              description="which assumption", metadata={"unit": "text", "source": _ASSUMPTIONS})
    year: int = _f("year of an anchor (null for other parameters)", "year", _ASSUMPTIONS)
    value: str = _f("the assumed value as text (null for anchors: their value comes from the reference row)",
                    "see unit", _ASSUMPTIONS)
    unit: str = _f("unit of value", "text", _ASSUMPTIONS)
    reference: str = _f("for anchors: the 'scenario' label of the row in datacenter_electricity_us.csv", "text",
                        _ASSUMPTIONS)
    rationale: str = _f("why this value", "text", _ASSUMPTIONS, nullable=False)
    source: str = _f("where the value comes from", "text", _ASSUMPTIONS, nullable=False)
    owner: str = _f("who answers for it", "text", _ASSUMPTIONS, nullable=False)

    class Config:
        description = ("Versioned scenario assumptions (claim C10) of marts.datacenter_power_vs_grid: anchors, "
                       "interpolation, load factor, hours per year, US electricity measure and non-datacenter "
                       "growth, with rationale, source and owner.")
        unique = ["assumption_version", "scenario", "parameter", "year"]


class DatacenterPowerVsGrid(pa.DataFrameModel):
    """US datacenter electricity against the grid, per year and scenario (claim C10).

    datacenter_twh is a published figure in anchor years (method 'published') and, between a scenario's anchors,
    constant annual growth between them (method 'interpolated', the rule and anchors in
    catalog/power_assumptions.csv, whose version every row carries). US electricity is EIA's total end use where
    published, else projected (non-datacenter use grown at the declared rate plus the scenario's datacenter use).
    Average load = TWh * 1000 / hours; peak = average / load factor. Incremental load compares with the previous
    year of the same scenario and is set against EIA's gross utility-scale capacity additions (retirements are not
    in the inputs, so not net additions; nameplate, not firm capacity) and against the year-end interconnection
    queue. PJM's RTO capacity clearing price is the price signal, by delivery year starting in June of `year`."""

    year: pl.Date = _f("year (1 January)", "date", _DC, nullable=False)
    scenario: str = _f("scenario (catalog/power_assumptions.csv)", "text", _ASSUMPTIONS, nullable=False)
    assumption_version: str = _f("version of the assumptions the row was built with", "text", _ASSUMPTIONS,
                                 nullable=False)
    method: str = pa.Field(isin=_METHODS, description="published (an anchor figure) or interpolated (constant "
                           "growth between the scenario's anchors)", metadata={"unit": "text", "source": _ASSUMPTIONS})
    datacenter_twh: float = _f("US datacenter electricity use", "TWh", _DC, nullable=False)
    datacenter_qualifier: str = _f("the source's qualifier of the figure (e.g. around) or, for interpolated "
                                   "rows, of either anchor; null = stated without qualifier", "text", _DC)
    source: str = _f("publisher, title, date, url and locator of the published figure; for interpolated rows the "
                     "two anchors", "text", _DC, nullable=False)
    datacenter_share_published_pct: float = _f("datacenter share of US electricity as the source states it "
                                               "(anchor rows only)", "percent", _DC)
    us_electricity_twh: float = _f("US electricity, total end use (retail sales + direct use)", "TWh", _EIA)
    us_electricity_method: str = pa.Field(nullable=True, isin=["published", "projected"],
                                          description="published (EIA) or projected (declared growth of "
                                          "non-datacenter use + the scenario's datacenter use)",
                                          metadata={"unit": "text", "source": _EIA})
    datacenter_share_pct: float = _f("100 * datacenter_twh / us_electricity_twh", "percent", _COMPUTED)
    hours_per_year: float = _f("hours used to turn TWh into average GW (assumption)", "hours", _ASSUMPTIONS,
                               nullable=False)
    datacenter_avg_load_gw: float = _f("datacenter_twh * 1000 / hours_per_year", "GW", _COMPUTED, nullable=False)
    load_factor: float = _f("declared ratio of average load to peak (required) capacity", "ratio", _ASSUMPTIONS,
                            nullable=False)
    datacenter_peak_gw: float = _f("datacenter_avg_load_gw / load_factor: capacity required", "GW", _COMPUTED,
                                   nullable=False)
    incremental_avg_load_gw: float = _f("average load minus the previous year's in the scenario", "GW", _COMPUTED)
    incremental_peak_gw: float = _f("peak minus the previous year's in the scenario", "GW", _COMPUTED)
    capacity_additions_gw: float = _f("US utility-scale generating capacity added in the year (gross, nameplate): "
                                      "the latest reported actual, else the latest plan", "GW", _CAP)
    capacity_additions_kind: str = _f("which figure: actual or planned, and when reported", "text", _CAP)
    capacity_additions_source: str = _f("publisher, title, date, url and locator", "text", _CAP)
    incremental_peak_to_additions_pct: float = _f("100 * incremental_peak_gw / capacity_additions_gw", "percent",
                                                  _COMPUTED)
    queue_capacity_gw: float = _f("generation and storage capacity in US interconnection queues at year end (the "
                                  "figure named; see queue_qualifier)", "GW", _QUEUE)
    queue_qualifier: str = _f("the source's qualifier (over, nearly ...)", "text", _QUEUE)
    queue_source: str = _f("publisher, title, date, url and locator", "text", _QUEUE)
    incremental_peak_to_queue_pct: float = _f("100 * incremental_peak_gw / queue_capacity_gw", "percent",
                                              _COMPUTED)
    pjm_delivery_year: str = _f("PJM delivery year starting in June of year", "text", _PJM)
    pjm_capacity_price_usd_per_mw_day: float = _f("PJM RTO capacity clearing price for that delivery year",
                                                  "U.S. dollars per MW-day", _PJM)
    pjm_price_basis: str = _f("which clearing price (rest of RTO, most of footprint, at cap ...)", "text", _PJM)
    pjm_source: str = _f("publisher, title, date, url and locator", "text", _PJM)

    class Config:
        description = ("US datacenter electricity vs the grid per year and scenario (claim C10): datacenter TWh "
                       "(published anchors, interpolated between them), share of US electricity, average and peak "
                       "GW, incremental load vs capacity additions and queues, PJM capacity price; every row "
                       "carries its assumption version.")
        unique = ["year", "scenario"]

    @pa.dataframe_check(name="shares within 0-100")
    def shares_in_range(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("datacenter_share_pct").is_between(0, 100).fill_null(True)
            & pl.col("datacenter_share_published_pct").is_between(0, 100).fill_null(True))

    @pa.dataframe_check(name="every row has an assumption version")
    def has_assumption_version(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("assumption_version").fill_null("").str.len_chars() > 0)

    @pa.dataframe_check(name="average GW = TWh * 1000 / hours; peak = average / load factor")
    def load_identities(cls, data) -> pl.LazyFrame:
        avg = pl.col("datacenter_twh") * 1000 / pl.col("hours_per_year")
        return data.lazyframe.select(
            ((pl.col("datacenter_avg_load_gw") - avg).abs() < 1e-9)
            & ((pl.col("datacenter_peak_gw") - pl.col("datacenter_avg_load_gw") / pl.col("load_factor")).abs()
               < 1e-9))

    @pa.dataframe_check(name="share = 100 * datacenter / US electricity")
    def share_identity(cls, data) -> pl.LazyFrame:
        share = 100 * pl.col("datacenter_twh") / pl.col("us_electricity_twh")
        return data.lazyframe.select(((pl.col("datacenter_share_pct") - share).abs() < 1e-9).fill_null(
            pl.col("datacenter_share_pct").is_null()))


def _range(name: str, what: str, unit: str) -> object:
    return _f(f"{what}: {name} across the scenarios that cover the year", unit,
              "marts.datacenter_power_vs_grid")


class DatacenterPowerByYear(pa.DataFrameModel):
    """marts.datacenter_power_vs_grid summarised to one row per year: the lowest and highest scenario value of
    datacenter use, share and incremental peak, next to the observed grid figures (the indicator source)."""

    year: pl.Date = _f("year (1 January)", "date", "marts.datacenter_power_vs_grid", nullable=False)
    n_scenarios: int = pa.Field(ge=1, description="scenarios covering the year",
                                metadata={"unit": "count", "source": "marts.datacenter_power_vs_grid"})
    scenarios: str = _f("their names, comma-separated", "text", "marts.datacenter_power_vs_grid", nullable=False)
    any_published: bool = _f("at least one scenario's figure is published for the year (not interpolated)",
                             "boolean", "marts.datacenter_power_vs_grid", nullable=False)
    datacenter_twh_low: float = _range("lowest", "datacenter electricity", "TWh")
    datacenter_twh_high: float = _range("highest", "datacenter electricity", "TWh")
    datacenter_share_low_pct: float = _range("lowest", "datacenter share of US electricity", "percent")
    datacenter_share_high_pct: float = _range("highest", "datacenter share of US electricity", "percent")
    datacenter_share_published_low_pct: float = _range(
        "lowest", "datacenter share of US electricity as its source publishes it (not computed; null in years no "
        "source states a share)", "percent")
    datacenter_share_published_high_pct: float = _range(
        "highest", "datacenter share of US electricity as its source publishes it (not computed; null in years no "
        "source states a share)", "percent")
    incremental_peak_low_gw: float = _range("lowest", "incremental datacenter peak load", "GW")
    incremental_peak_high_gw: float = _range("highest", "incremental datacenter peak load", "GW")
    capacity_additions_gw: float = _f("gross utility-scale capacity additions", "GW", _CAP)
    incremental_peak_high_to_additions_pct: float = _f("100 * incremental_peak_high_gw / capacity_additions_gw",
                                                       "percent", "marts.datacenter_power_vs_grid")
    queue_capacity_gw: float = _f("capacity in interconnection queues at year end (figure named)", "GW", _QUEUE)
    pjm_capacity_price_usd_per_mw_day: float = _f("PJM RTO capacity clearing price, delivery year from June",
                                                  "U.S. dollars per MW-day", _PJM)

    class Config:
        description = ("Datacenter power vs the grid (claim C10), one row per year: scenario range of datacenter "
                       "TWh, share and incremental peak, with capacity additions, queues and the PJM capacity "
                       "price (from marts.datacenter_power_vs_grid).")
        unique = ["year"]

    @pa.dataframe_check(name="shares within 0-100 and low <= high")
    def ordered(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("datacenter_share_low_pct").is_between(0, 100).fill_null(True)
            & pl.col("datacenter_share_high_pct").is_between(0, 100).fill_null(True)
            & (pl.col("datacenter_twh_low") <= pl.col("datacenter_twh_high")).fill_null(True))


class PowerContextMonthly(pa.DataFrameModel):
    """Monthly context for claim C10: private construction put in place for data centers against manufacturing
    (Census, SAAR), electric power output (IPG2211S), the electricity CPI (CUSR0000SEHF01) and average price
    (APU000072610), and employment in computing infrastructure and data processing (CES5051800001). From
    2014-01, the first month of the Census data-center line."""

    month: pl.Date = _f("month (first day)", "date", "staging.observations and " + _CENSUS, nullable=False)
    datacenter_construction_saar_usd_bn: float = _f("private data-center construction put in place (nominal)",
                                                    "billions of dollars, SAAR", _CENSUS)
    manufacturing_construction_saar_usd_bn: float = _f("private manufacturing construction put in place "
                                                       "(nominal)", "billions of dollars, SAAR", _CENSUS)
    datacenter_to_manufacturing_pct: float = _f("100 * data center / manufacturing construction", "percent",
                                                _CENSUS)
    datacenter_construction_yoy_pct: float = _f("change from the same month a year earlier", "percent", _CENSUS)
    census_flag: str = _f("Census flag of the month: r revised, p preliminary, null final", "text", _CENSUS)
    electric_power_output_index: float = _f("industrial production: electric power generation, transmission "
                                            "and distribution (IPG2211S)", "index 2017=100",
                                            "Board of Governors of the Federal Reserve System via FRED")
    electricity_cpi_index: float = _f("CPI-U electricity, U.S. city average, SA (CUSR0000SEHF01)",
                                      "index 1982-1984=100", "U.S. Bureau of Labor Statistics via FRED")
    electricity_cpi_yoy_pct: float = _f("change of the electricity CPI from the same month a year earlier",
                                        "percent", "U.S. Bureau of Labor Statistics via FRED")
    electricity_price_usd_per_kwh: float = _f("average price of electricity per kWh, U.S. city average, NSA "
                                              "(APU000072610)", "U.S. dollars per kilowatt-hour",
                                              "U.S. Bureau of Labor Statistics via FRED")
    computing_infrastructure_employment_thousands: float = _f(
        "all employees, computing infrastructure providers, data processing, web hosting (CES5051800001), SA",
        "thousands of persons", "U.S. Bureau of Labor Statistics via FRED")

    class Config:
        description = ("Monthly context for claim C10: data-center vs manufacturing construction spending, "
                       "electric power output, electricity CPI and price, and data-processing employment, "
                       "from 2014-01.")
        unique = ["month"]
