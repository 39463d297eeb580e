"""AI and labor (claim C7): young and less-educated workers' unemployment against the headline rate, job flows,
tech employment against payrolls (monthly), and productivity, real compensation, the labor share and profits
relative to GDP (quarterly).

Two tables because the inputs come at two frequencies and an indicator's period is its table's: a monthly series
is never averaged into a quarter to sit beside productivity, and a quarterly one is never carried into months.
Each indicator keeps its own last date (several inputs end earlier than others in the snapshot: LNS14024887 and
LNS14027660 in 2023-11, JTSHIR in 2024-04, PRS85006173 in 2022-Q4); the scorecard rules say how stale an input
may be (``max_age_days``).
"""

from __future__ import annotations

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Series, mart
from macro_pipeline.schemas.labor import LaborAiMonthly, LaborAiQuarterly
from macro_pipeline.transforms import alignment
from macro_pipeline.transforms.assumptions import assumption_date

UNRATE = "UNRATE"
U6RATE = "U6RATE"
# column stem -> series (unemployment rates, percent)
RATES = {"unemployment_20_24": "LNS14000036", "unemployment_16_24": "LNS14024887",
         "unemployment_bachelors_plus": "LNS14027662", "unemployment_high_school": "LNS14027660",
         "unemployment_less_than_high_school": "LNS14027659"}
JOB_OPENINGS, HIRES_RATE, QUITS_RATE = "JTSJOL", "JTSHIR", "JTSQUR"
PAYROLLS, COMPUTER_SYSTEMS_DESIGN, DATA_PROCESSING = "PAYEMS", "CES6054150001", "CES5051800001"
MONTHLY_SERIES = (UNRATE, U6RATE, *RATES.values(), JOB_OPENINGS, HIRES_RATE, QUITS_RATE, PAYROLLS,
                  COMPUTER_SYSTEMS_DESIGN, DATA_PROCESSING)
PRODUCTIVITY, REAL_COMPENSATION, LABOR_SHARE = "OPHNFB", "COMPRNFB", "PRS85006173"
PROFITS, GDP = "CP", "GDP"
QUARTERLY_SERIES = (PRODUCTIVITY, REAL_COMPENSATION, LABOR_SHARE, PROFITS, GDP)


def _column(aligned: pl.DataFrame, date_column: str, name: str) -> pl.DataFrame:
    return aligned.select(pl.col("period").alias(date_column), pl.col("value").alias(name))


def _calendar(frames: list[pl.DataFrame], date_column: str) -> pl.DataFrame:
    dates = pl.concat([f.select(pl.col("period").alias(date_column)) for f in frames if f.height] or
                      [pl.DataFrame(schema={date_column: pl.Date})])
    return dates.unique().sort(date_column)


def _rebased(frame: pl.DataFrame, column: str, date_column: str, base: object) -> pl.Expr:
    return alignment.index_to_base(frame, column, pl.col(date_column) == base)


@mart("marts.labor_ai_monthly", model=LaborAiMonthly, key=("month",), claims="C7", date_column="month",
      units="percent, percentage points, thousands of persons",
      inputs={"staging": Series(MONTHLY_SERIES, required=(UNRATE,)),
              "assumptions": CatalogFile("real_economy_assumptions")})
def labor_ai_monthly(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Monthly labor indicators for claim C7 (AI suppresses entry-level hiring).

    Unemployment of 20-24 (LNS14000036) and 16-24 year olds (LNS14024887) and of workers 25+ by education
    (bachelor's and higher LNS14027662, high school LNS14027660, less than high school LNS14027659) minus the
    headline rate (UNRATE), in percentage points; U-6 (U6RATE) minus U-3. Job openings (JTSJOL, thousands),
    hires and quits rates (JTSHIR, JTSQUR, percent of employment). Computer-systems-design (CES6054150001) and
    data-processing/computing-infrastructure employment (CES5051800001) as a share of total payrolls (PAYEMS) and
    indexed, like payrolls, to 100 in the base month of catalog/real_economy_assumptions.csv. Every input is
    monthly (`same_period`); a gap is computed only where both rates are observed that month, never carried.
    Source: BLS CPS, JOLTS and CES via FRED.
    """
    series = {sid: alignment.same_period(alignment.one_series(staging, sid)) for sid in MONTHLY_SERIES}
    frame = _calendar(list(series.values()), "month")
    frame = frame.join(_column(series[UNRATE], "month", "unemployment_rate_pct"), on="month", how="left")
    frame = frame.join(_column(series[U6RATE], "month", "u6_rate_pct"), on="month", how="left")
    frame = frame.join(_column(alignment.combine(series[U6RATE], U6RATE, "-", series[UNRATE], UNRATE), "month",
                               "u6_minus_unemployment_rate_pp"), on="month", how="left")
    for stem, sid in RATES.items():
        frame = frame.join(_column(series[sid], "month", f"{stem}_pct"), on="month", how="left")
        gap = alignment.combine(series[sid], sid, "-", series[UNRATE], UNRATE)
        frame = frame.join(_column(gap, "month", f"{stem}_gap_pp"), on="month", how="left")
    frame = (frame.join(_column(series[JOB_OPENINGS], "month", "job_openings_thousands"), on="month", how="left")
             .join(_column(series[HIRES_RATE], "month", "hires_rate_pct"), on="month", how="left")
             .join(_column(series[QUITS_RATE], "month", "quits_rate_pct"), on="month", how="left")
             .join(_column(series[PAYROLLS], "month", "payrolls_thousands"), on="month", how="left")
             .join(_column(series[COMPUTER_SYSTEMS_DESIGN], "month", "computer_systems_design_thousands"),
                   on="month", how="left")
             .join(_column(series[DATA_PROCESSING], "month", "data_processing_thousands"), on="month", how="left"))
    for sid, name in ((COMPUTER_SYSTEMS_DESIGN, "computer_systems_design"), (DATA_PROCESSING, "data_processing")):
        share = alignment.combine(series[sid], sid, "/", series[PAYROLLS], PAYROLLS)
        frame = frame.join(share.select(pl.col("period").alias("month"),
                                        (100 * pl.col("value")).alias(f"{name}_share_of_payrolls_pct")),
                           on="month", how="left")
    base = assumption_date(assumptions, "C7", "tech_employment_base_month")
    frame = frame.with_columns(
        _rebased(frame, "payrolls_thousands", "month", base).alias("payrolls_index_base100"),
        _rebased(frame, "computer_systems_design_thousands", "month", base)
        .alias("computer_systems_design_index_base100"),
        _rebased(frame, "data_processing_thousands", "month", base).alias("data_processing_index_base100"),
        pl.lit(base).alias("index_base_month"))
    return frame.with_columns(pl.lit("every input: same_period (monthly)").alias("alignment")).sort("month")


@mart("marts.labor_ai_quarterly", model=LaborAiQuarterly, key=("quarter",), claims="C7", date_column="quarter",
      units="index, index points, percent",
      inputs={"staging": Series(QUARTERLY_SERIES, required=()),
              "assumptions": CatalogFile("real_economy_assumptions")})
def labor_ai_quarterly(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Quarterly labor-income indicators for claim C7 (income shifts from labor to capital).

    Nonfarm business labor productivity (OPHNFB) and real hourly compensation (COMPRNFB), both published with base
    2017=100, rebased to 100 in the base quarter of catalog/real_economy_assumptions.csv; their difference in index
    points is how far productivity outran pay since then. The labor share (PRS85006173) is shown as the snapshot
    holds it: an older release with base 2012=100 ending 2022-Q4; it is not rebased, not compared with the 2017-base
    indexes and never spliced with a current release. Corporate profits after tax (CP) over nominal GDP (GDP),
    both billions of dollars SAAR (checked), in percent. All inputs quarterly (`same_period`).
    Sources: BLS Productivity and Costs, BEA NIPA via FRED.
    """
    series = {sid: alignment.same_period(alignment.one_series(staging, sid)) for sid in QUARTERLY_SERIES}
    frame = _calendar(list(series.values()), "quarter")
    for sid, name in ((PRODUCTIVITY, "productivity_index_2017"), (REAL_COMPENSATION, "real_compensation_index_2017"),
                      (LABOR_SHARE, "labor_share_index_2012")):
        frame = frame.join(_column(series[sid], "quarter", name), on="quarter", how="left")
    if series[PRODUCTIVITY].height and series[REAL_COMPENSATION].height:
        alignment.check_combinable(PRODUCTIVITY, series[PRODUCTIVITY]["unit_id"][0], REAL_COMPENSATION,
                                   series[REAL_COMPENSATION]["unit_id"][0])
    profit_share = alignment.combine(series[PROFITS], PROFITS, "/", series[GDP], GDP)
    frame = frame.join(profit_share.select(pl.col("period").alias("quarter"),
                                           (100 * pl.col("value")).alias("corporate_profits_share_of_gdp_pct")),
                       on="quarter", how="left")
    base = assumption_date(assumptions, "C7", "index_base_quarter")
    frame = frame.with_columns(
        _rebased(frame, "productivity_index_2017", "quarter", base).alias("productivity_index_base100"),
        _rebased(frame, "real_compensation_index_2017", "quarter", base).alias("real_compensation_index_base100"),
        pl.lit(base).alias("index_base_quarter"))
    frame = frame.with_columns((pl.col("productivity_index_base100") - pl.col("real_compensation_index_base100"))
                               .alias("productivity_minus_compensation_pts"))
    return frame.with_columns(pl.lit("every input: same_period (quarterly)").alias("alignment")).sort("quarter")
