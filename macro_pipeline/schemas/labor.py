"""Models of the AI-and-labor marts (claim C7): every column with its unit and source."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

_CPS = "BLS Current Population Survey via FRED"
_JOLTS = "BLS JOLTS via FRED"
_CES = "BLS Current Employment Statistics via FRED"
_PC = "BLS Productivity and Costs via FRED"
_NIPA = "BEA NIPA (CP, GDP) via FRED"
_PCT, _PP = "percent", "percentage points"
_ASSUMPTIONS = "catalog/real_economy_assumptions.csv"
_ALIGNMENT = "macro_pipeline.transforms.alignment"


def _f(description: str, unit: str, source: str, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": source})


def _rate(series: str, who: str) -> object:
    return _f(f"unemployment rate, {who} ({series})", _PCT, f"{series}, {_CPS}")


def _gap(series: str, who: str) -> object:
    return _f(f"unemployment rate of {who} ({series}) minus the headline rate (UNRATE), same month", _PP,
              f"{series} and UNRATE, {_CPS}; computed")


class LaborAiMonthly(pa.DataFrameModel):
    """Monthly labor indicators of claim C7: unemployment gaps of young and less-educated workers against the
    headline rate, job flows, and tech employment against payrolls. A value is missing where its series has no
    observation that month (several series end earlier than others): nothing is carried forward."""

    month: pl.Date = pa.Field(unique=True, description="month (first day)", metadata={"unit": "date", "source": _CPS})
    unemployment_rate_pct: float = _rate("UNRATE", "16 years and over (headline, U-3)")
    u6_rate_pct: float = _rate("U6RATE", "U-6: unemployed, marginally attached and part time for economic reasons")
    u6_minus_unemployment_rate_pp: float = _f("U-6 minus U-3", _PP, f"U6RATE and UNRATE, {_CPS}; computed")
    unemployment_20_24_pct: float = _rate("LNS14000036", "20-24 years")
    unemployment_20_24_gap_pp: float = _gap("LNS14000036", "20-24 year olds")
    unemployment_16_24_pct: float = _rate("LNS14024887", "16-24 years (snapshot ends 2023-11)")
    unemployment_16_24_gap_pp: float = _gap("LNS14024887", "16-24 year olds")
    unemployment_bachelors_plus_pct: float = _rate("LNS14027662", "bachelor's degree and higher, 25 years and over")
    unemployment_bachelors_plus_gap_pp: float = _gap("LNS14027662", "graduates (bachelor's and higher, 25+)")
    unemployment_high_school_pct: float = _rate("LNS14027660", "high school graduates, no college, 25+ (snapshot "
                                                               "ends 2023-11)")
    unemployment_high_school_gap_pp: float = _gap("LNS14027660", "high school graduates, no college, 25+")
    unemployment_less_than_high_school_pct: float = _rate("LNS14027659", "less than a high school diploma, 25+")
    unemployment_less_than_high_school_gap_pp: float = _gap("LNS14027659", "workers without a high school diploma")
    job_openings_thousands: float = _f("job openings, total nonfarm (JTSJOL)", "thousands", f"JTSJOL, {_JOLTS}")
    hires_rate_pct: float = _f("hires, percent of employment (JTSHIR; snapshot ends 2024-04)", _PCT,
                               f"JTSHIR, {_JOLTS}")
    quits_rate_pct: float = _f("quits, percent of employment (JTSQUR)", _PCT, f"JTSQUR, {_JOLTS}")
    payrolls_thousands: float = _f("total nonfarm payrolls (PAYEMS)", "thousands of persons", f"PAYEMS, {_CES}")
    computer_systems_design_thousands: float = _f("computer systems design and related services (CES6054150001; "
                                                  "from 2022-01 in the snapshot)", "thousands of persons",
                                                  f"CES6054150001, {_CES}")
    data_processing_thousands: float = _f("computing infrastructure providers, data processing, web hosting "
                                          "(CES5051800001)", "thousands of persons", f"CES5051800001, {_CES}")
    computer_systems_design_share_of_payrolls_pct: float = _f("100 * computer_systems_design_thousands / "
                                                              "payrolls_thousands", _PCT, f"{_CES}; computed")
    data_processing_share_of_payrolls_pct: float = _f("100 * data_processing_thousands / payrolls_thousands", _PCT,
                                                      f"{_CES}; computed")
    payrolls_index_base100: float = _f("payrolls, 100 in index_base_month", "index (base month = 100)",
                                       f"{_CES}; computed")
    computer_systems_design_index_base100: float = _f("computer-systems-design employment, 100 in "
                                                      "index_base_month", "index (base month = 100)",
                                                      f"{_CES}; computed")
    data_processing_index_base100: float = _f("data-processing employment, 100 in index_base_month",
                                              "index (base month = 100)", f"{_CES}; computed")
    index_base_month: pl.Date = _f("base month of the employment indexes (assumptions file)", "date", _ASSUMPTIONS,
                                   nullable=False)
    alignment: str = _f("which alignment rule made each input of the row", "text", _ALIGNMENT, nullable=False)

    class Config:
        description = ("Monthly labor indicators of claim C7: young and less-educated workers' unemployment gaps "
                       "against the headline rate, JOLTS flows, tech employment against payrolls.")


class LaborAiQuarterly(pa.DataFrameModel):
    """Quarterly labor-income indicators of claim C7: productivity against real compensation from a common base
    quarter, the labor share as published (older release, base 2012=100), profits relative to GDP."""

    quarter: pl.Date = pa.Field(unique=True, description="quarter (first day)",
                                metadata={"unit": "date", "source": _PC})
    productivity_index_2017: float = _f("labor productivity, nonfarm business (OPHNFB), as published",
                                        "index 2017=100", f"OPHNFB, {_PC}")
    real_compensation_index_2017: float = _f("real hourly compensation, nonfarm business (COMPRNFB), as published",
                                             "index 2017=100", f"COMPRNFB, {_PC}")
    labor_share_index_2012: float = _f("labor share, nonfarm business (PRS85006173): an older release with base "
                                       "2012=100 ending 2022-Q4; not rebased, never spliced with the 2017 base",
                                       "index 2012=100", f"PRS85006173 (older release), {_PC}")
    corporate_profits_share_of_gdp_pct: float = _f("100 * corporate profits after tax (CP) / nominal GDP (GDP), "
                                                   "both billions of dollars SAAR", _PCT, f"{_NIPA}; computed")
    productivity_index_base100: float = _f("productivity, 100 in index_base_quarter", "index (base quarter = 100)",
                                           f"{_PC}; computed")
    real_compensation_index_base100: float = _f("real compensation, 100 in index_base_quarter",
                                                "index (base quarter = 100)", f"{_PC}; computed")
    index_base_quarter: pl.Date = _f("base quarter of the rebased indexes (assumptions file)", "date", _ASSUMPTIONS,
                                     nullable=False)
    productivity_minus_compensation_pts: float = _f("productivity_index_base100 - real_compensation_index_base100: "
                                                    "how far productivity outran real pay since the base quarter",
                                                    "index points", f"{_PC}; computed")
    alignment: str = _f("which alignment rule made each input of the row", "text", _ALIGNMENT, nullable=False)

    class Config:
        description = ("Quarterly labor-income indicators of claim C7: productivity vs real compensation from a "
                       "common base, the labor share (base 2012=100), corporate profits / GDP.")
