"""Model of the dual-economy mart (claim C12): every column with its unit and source."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

_IDX = "index (base quarter = 100)"
_PTS = "index points"
_SOURCES = {
    "ai_investment": ("AI-related investment (broad: information processing equipment + software), nominal, "
                      "billions of dollars SAAR", "billions of dollars, SAAR", "marts.gdp_ex_ai (BEA NIPA via FRED)"),
    "rest_of_gdp": ("nominal GDP less AI-related investment (broad)", "billions of dollars, SAAR",
                    "marts.gdp_ex_ai (BEA NIPA via FRED); computed"),
    "tech_employment": ("computer systems design (CES6054150001) + data processing/computing infrastructure "
                        "(CES5051800001) employment, quarter average", "thousands of persons", "BLS CES via FRED"),
    "payrolls": ("total nonfarm payrolls (PAYEMS), quarter average", "thousands of persons", "BLS CES via FRED"),
    "datacenter_construction": ("private data-center construction put in place, quarter average",
                                "millions of dollars, SAAR", "Census C30 (data/reference/"
                                "census_construction_private_monthly.csv)"),
    "manufacturing_construction": ("private manufacturing construction put in place, quarter average",
                                   "millions of dollars, SAAR", "Census C30 (reference table)"),
    "other_private_construction": ("total private - data center - manufacturing construction, quarter average",
                                   "millions of dollars, SAAR", "Census C30 (reference table); computed"),
    "productivity": ("labor productivity, nonfarm business (OPHNFB)", "index 2017=100", "BLS P&C via FRED"),
    "real_compensation": ("real hourly compensation, nonfarm business (COMPRNFB)", "index 2017=100",
                          "BLS P&C via FRED"),
    "electricity_output": ("industrial production, electric power generation, transmission and distribution "
                           "(IPG2211S), quarter average", "index 2017=100", "Federal Reserve G.17 via FRED"),
}


def _f(description: str, unit: str, source: str, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": source})


def _level(name: str) -> object:
    what, unit, source = _SOURCES[name]
    return _f(what, unit, source)


def _index(name: str) -> object:
    return _f(f"{name} indexed to 100 in index_base_quarter", _IDX, f"{_SOURCES[name][2]}; computed")


def _gap(a: str, b: str) -> object:
    return _f(f"{a}_index - {b}_index: positive when the first side grew more since the base quarter", _PTS,
              "computed")


class DualEconomy(pa.DataFrameModel):
    """The AI-heavy side against the labor-heavy rest (claim C12), quarterly, each pair from a common base."""

    quarter: pl.Date = pa.Field(unique=True, description="quarter (first day)",
                                metadata={"unit": "date", "source": "BEA, BLS, Census, Federal Reserve via FRED"})
    ai_investment: float = _level("ai_investment")
    rest_of_gdp: float = _level("rest_of_gdp")
    tech_employment: float = _level("tech_employment")
    payrolls: float = _level("payrolls")
    datacenter_construction: float = _level("datacenter_construction")
    manufacturing_construction: float = _level("manufacturing_construction")
    other_private_construction: float = _level("other_private_construction")
    productivity: float = _level("productivity")
    real_compensation: float = _level("real_compensation")
    electricity_output: float = _level("electricity_output")
    ai_investment_index: float = _index("ai_investment")
    rest_of_gdp_index: float = _index("rest_of_gdp")
    tech_employment_index: float = _index("tech_employment")
    payrolls_index: float = _index("payrolls")
    datacenter_construction_index: float = _index("datacenter_construction")
    manufacturing_construction_index: float = _index("manufacturing_construction")
    other_private_construction_index: float = _index("other_private_construction")
    productivity_index: float = _index("productivity")
    real_compensation_index: float = _index("real_compensation")
    electricity_output_index: float = _index("electricity_output")
    ai_investment_vs_rest_of_gdp_pts: float = _gap("ai_investment", "rest_of_gdp")
    tech_employment_vs_payrolls_pts: float = _gap("tech_employment", "payrolls")
    datacenter_vs_manufacturing_construction_pts: float = _gap("datacenter_construction", "manufacturing_construction")
    datacenter_vs_other_construction_pts: float = _gap("datacenter_construction", "other_private_construction")
    productivity_vs_compensation_pts: float = _gap("productivity", "real_compensation")
    electricity_output_vs_payrolls_pts: float = _gap("electricity_output", "payrolls")
    index_base_quarter: pl.Date = _f("common base quarter (assumptions file)", "date",
                                     "catalog/real_economy_assumptions.csv", nullable=False)
    alignment: str = _f("which alignment rule made each input of the row", "text",
                        "macro_pipeline.transforms.alignment", nullable=False)

    class Config:
        description = ("The dual economy (claim C12): AI investment, tech employment, data-center construction, "
                       "productivity and electricity output against their labor-heavy counterparts, indexed to a "
                       "common base quarter, with the divergences in index points.")
