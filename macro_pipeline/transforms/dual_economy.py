"""The dual economy (claim C12): the AI-heavy side against the labor-heavy rest, each pair indexed to 100 in a
common base quarter (catalog/real_economy_assumptions.csv), with the divergence in index points as the indicator.

Pairs (quarterly; monthly inputs are quarter averages of all three months, ``period_average(quarter, min 3)``):
AI-related investment (marts.gdp_ex_ai, broad definition, nominal) against the rest of nominal GDP (GDP less that
investment, same unit); computer-systems-design + data-processing employment against total payrolls; data-center
against manufacturing and against other private construction (Census, private, SAAR); labor productivity against
real hourly compensation; electricity output (IPG2211S) against payrolls. A quarter where one side has no value
has no divergence; nothing is carried forward.
"""

from __future__ import annotations

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Mart, Reference, Series, mart
from macro_pipeline.schemas.dual_economy import DualEconomy
from macro_pipeline.transforms import alignment
from macro_pipeline.transforms.assumptions import assumption_date

PAYROLLS, COMPUTER_SYSTEMS_DESIGN, DATA_PROCESSING = "PAYEMS", "CES6054150001", "CES5051800001"
PRODUCTIVITY, REAL_COMPENSATION, ELECTRICITY_OUTPUT = "OPHNFB", "COMPRNFB", "IPG2211S"
INPUT_SERIES = (PAYROLLS, COMPUTER_SYSTEMS_DESIGN, DATA_PROCESSING, PRODUCTIVITY, REAL_COMPENSATION,
                ELECTRICITY_OUTPUT)
AI_DEFINITION = "broad"
CENSUS_UNIT = "usd_mn_saar"  # Census Value of Construction Put in Place: $ millions, SAAR


def _quarterly(staging: pl.DataFrame, series_id: str) -> pl.DataFrame:
    return alignment.period_average(alignment.one_series(staging, series_id), "quarter", 3)


def _census(census: pl.DataFrame, column: str) -> pl.DataFrame:
    monthly = census.filter(pl.col(column).is_not_null()).select(
        pl.col("month").alias("date"), pl.col(column).cast(pl.Float64).alias("value"),
        pl.lit(CENSUS_UNIT).alias("unit_id"))
    return alignment.period_average(monthly, "quarter", 3)


def _gdp_sides(gdp: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = gdp.filter((pl.col("definition") == AI_DEFINITION) & pl.col("ai_investment_nominal_usd_bn").is_not_null()
                      & pl.col("gdp_nominal_usd_bn").is_not_null())
    ai = rows.select(pl.col("quarter").alias("period"), pl.col("ai_investment_nominal_usd_bn").alias("value"),
                     pl.lit("usd_bn_saar").alias("unit_id"), pl.col("quarter").alias("source_date"),
                     pl.lit("same_period (marts.gdp_ex_ai, broad)").alias("rule"))
    total = rows.select(pl.col("quarter").alias("period"), pl.col("gdp_nominal_usd_bn").alias("value"),
                        pl.lit("usd_bn_saar").alias("unit_id"), pl.col("quarter").alias("source_date"),
                        pl.lit("same_period (marts.gdp_ex_ai)").alias("rule"))
    return ai, alignment.combine(total, "GDP", "-", ai, "AI investment")


@mart("marts.dual_economy", model=DualEconomy, key=("quarter",), claims="C12", date_column="quarter",
      units="index (base quarter = 100), index points",
      inputs={"staging": Series(INPUT_SERIES, required=()), "gdp": Mart("marts.gdp_ex_ai"),
              "census": Reference("census_construction_private_monthly"),
              "assumptions": CatalogFile("real_economy_assumptions")})
def dual_economy(staging: pl.DataFrame, gdp: pl.DataFrame, census: pl.DataFrame,
                 assumptions: pl.DataFrame) -> pl.DataFrame:
    """The AI-heavy side of the economy against the labor-heavy rest, claim C12, quarterly.

    Five pairs, each side indexed to 100 in the base quarter of catalog/real_economy_assumptions.csv, and the
    divergence (AI side minus the rest, index points): AI-related investment (broad: information processing
    equipment + software, nominal, from marts.gdp_ex_ai) vs the rest of nominal GDP; computer-systems-design +
    data-processing employment (CES6054150001 + CES5051800001) vs total payrolls (PAYEMS); private data-center vs
    manufacturing and vs other private construction (Census; other = total private - data center - manufacturing);
    labor productivity (OPHNFB) vs real hourly compensation (COMPRNFB); electricity output (IPG2211S) vs payrolls.
    Monthly inputs are averaged over complete quarters. Sources: BEA, BLS, Census, Federal Reserve G.17 via FRED.
    """
    base = assumption_date(assumptions, "C12", "index_base_quarter")
    ai, rest = _gdp_sides(gdp)
    payrolls = _quarterly(staging, PAYROLLS)
    tech = alignment.combine(_quarterly(staging, COMPUTER_SYSTEMS_DESIGN), COMPUTER_SYSTEMS_DESIGN, "+",
                             _quarterly(staging, DATA_PROCESSING), DATA_PROCESSING)
    datacenter, manufacturing, total_private = (_census(census, c) for c in
                                                ("data_center", "manufacturing", "total_private"))
    other = alignment.combine(alignment.combine(total_private, "total_private", "-", datacenter, "data_center"),
                              "total_private - data_center", "-", manufacturing, "manufacturing")
    productivity = alignment.same_period(alignment.one_series(staging, PRODUCTIVITY))
    compensation = alignment.same_period(alignment.one_series(staging, REAL_COMPENSATION))
    electricity = _quarterly(staging, ELECTRICITY_OUTPUT)
    sides = {"ai_investment": ai, "rest_of_gdp": rest, "tech_employment": tech, "payrolls": payrolls,
             "datacenter_construction": datacenter, "manufacturing_construction": manufacturing,
             "other_private_construction": other, "productivity": productivity,
             "real_compensation": compensation, "electricity_output": electricity}
    frames = [f.select("period") for f in sides.values() if f.height]
    frame = (pl.concat(frames).unique() if frames else pl.DataFrame(schema={"period": pl.Date})).rename(
        {"period": "quarter"})
    for name, side in sides.items():
        frame = frame.join(side.select(pl.col("period").alias("quarter"), pl.col("value").alias(name)),
                           on="quarter", how="left")
    frame = frame.sort("quarter")
    frame = frame.with_columns(*[alignment.index_to_base(frame, name, pl.col("quarter") == base)
                                 .alias(f"{name}_index") for name in sides])
    pairs = {"ai_investment_vs_rest_of_gdp_pts": ("ai_investment", "rest_of_gdp"),
             "tech_employment_vs_payrolls_pts": ("tech_employment", "payrolls"),
             "datacenter_vs_manufacturing_construction_pts": ("datacenter_construction", "manufacturing_construction"),
             "datacenter_vs_other_construction_pts": ("datacenter_construction", "other_private_construction"),
             "productivity_vs_compensation_pts": ("productivity", "real_compensation"),
             "electricity_output_vs_payrolls_pts": ("electricity_output", "payrolls")}
    frame = frame.with_columns(*[(pl.col(f"{a}_index") - pl.col(f"{b}_index")).alias(name)
                                 for name, (a, b) in pairs.items()])
    return frame.with_columns(pl.lit(base).alias("index_base_quarter"),
                              pl.lit(alignment.describe(**sides)).alias("alignment"))
