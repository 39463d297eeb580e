"""The wealth gap (claim C9): tuition and childcare prices against rent (monthly), and house prices, mortgage
payments, homeownership and wealth shares (quarterly).

Income. MEHOINUSA672N is real median household income in 2023 CPI-U-RS dollars (vintage of Sept 2024). It is
converted to nominal dollars of each year with the CPI-U (CPIAUCSL) annual average: nominal_Y = real_Y *
CPI_Y / CPI_2023 (the dollar year is an assumption in catalog/real_economy_assumptions.csv; CPI-U stands in for
CPI-U-RS, which the catalog lacks). A quarter gets its calendar year's income (``containing_period(year)``); a
quarter of a year without published income has none.

Mortgage payment: the level monthly payment of a fixed-rate loan of (1 - down payment) x median price (MSPUS) at
the quarter's average 30-year rate (MORTGAGE30US, weekly, ``period_average(quarter, min 12)``), term and down
payment from the assumptions file: P = L r / (1 - (1 + r)^-n), r = rate / 1200, n = 12 x years.

Wealth shares (Distributional Financial Accounts): bottom 50%, 50th-90th, 90th-99th quarterly and the top 1%
semiannual to 2021 in the snapshot (an average of two quarters, dated at the half-year's first quarter). The
four are summed on half-years, with the other three averaged over the same two quarters; the sum must be within
the declared tolerance of 100 (an error check). The top 10% share is 100 minus the bottom 50% and 50th-90th
shares (the groups partition households), so it runs as long as those two do.
"""

from __future__ import annotations

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, CheckOutcome, MartCheck, Series, mart
from macro_pipeline.schemas.wealth_gap import WealthGapMonthly, WealthGapQuarterly
from macro_pipeline.transforms import alignment
from macro_pipeline.transforms.assumptions import assumption, assumption_date

TUITION_CHILDCARE_CPI = "CUUR0000SEEB"  # the broad "tuition, other school fees, and childcare" index, NSA
RENT_CPI = "CUSR0000SEHA"
MONTHLY_SERIES = (TUITION_CHILDCARE_CPI, RENT_CPI)
HOUSE_PRICE, REAL_INCOME, CPI, MORTGAGE_RATE, HOMEOWNERSHIP = "MSPUS", "MEHOINUSA672N", "CPIAUCSL", "MORTGAGE30US", \
    "RHORUSQ156N"
BOTTOM_50, MIDDLE_40, NEXT_9, TOP_1 = "WFRBSB50215", "WFRBSN40188", "WFRBSN09161", "WFRBST01134"
QUARTERLY_SERIES = (HOUSE_PRICE, REAL_INCOME, CPI, MORTGAGE_RATE, HOMEOWNERSHIP, BOTTOM_50, MIDDLE_40, NEXT_9, TOP_1)
MIN_WEEKS_PER_QUARTER = 12


def _col(aligned: pl.DataFrame, date_column: str, name: str) -> pl.DataFrame:
    return aligned.select(pl.col("period").alias(date_column), pl.col("value").alias(name))


@mart("marts.wealth_gap_monthly", model=WealthGapMonthly, key=("month",), claims="C9", date_column="month",
      units="index (base month = 100), index points, percent",
      inputs={"staging": Series(MONTHLY_SERIES), "assumptions": CatalogFile("real_economy_assumptions")})
def wealth_gap_monthly(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Tuition and childcare prices against rent for claim C9, monthly.

    CUUR0000SEEB is the broad CPI "tuition, other school fees, and childcare" index (not childcare alone; not
    seasonally adjusted), CUSR0000SEHA rent of primary residence (seasonally adjusted); both are rebased to 100 in
    the base month of catalog/real_economy_assumptions.csv, and the divergence is their difference in index points
    (positive: tuition and childcare rose more since the base month). 12-month changes compare the same month a
    year apart. Both inputs monthly (`same_period`); a month without either has no divergence. Source: BLS CPI
    via FRED.
    """
    tuition = alignment.same_period(alignment.one_series(staging, TUITION_CHILDCARE_CPI))
    rent = alignment.same_period(alignment.one_series(staging, RENT_CPI))
    if tuition.height and rent.height:
        alignment.check_combinable(TUITION_CHILDCARE_CPI, tuition["unit_id"][0], RENT_CPI, rent["unit_id"][0])
    base = assumption_date(assumptions, "C9", "price_base_month")
    frame = (pl.concat([tuition.select("period"), rent.select("period")]).unique()
             .join(_col(tuition, "period", "tuition_childcare_cpi"), on="period", how="left")
             .join(_col(rent, "period", "rent_cpi"), on="period", how="left")
             .rename({"period": "month"}).sort("month"))
    frame = frame.with_columns(
        alignment.index_to_base(frame, "tuition_childcare_cpi", pl.col("month") == base)
        .alias("tuition_childcare_index_base100"),
        alignment.index_to_base(frame, "rent_cpi", pl.col("month") == base).alias("rent_index_base100"),
        pl.lit(base).alias("index_base_month"))
    lag = frame.select(pl.col("month").dt.offset_by("12mo"), pl.col("tuition_childcare_cpi").alias("_t"),
                       pl.col("rent_cpi").alias("_r"))
    frame = frame.join(lag, on="month", how="left").with_columns(
        (pl.col("tuition_childcare_index_base100") - pl.col("rent_index_base100"))
        .alias("tuition_minus_rent_index_pts"),
        (100 * (pl.col("tuition_childcare_cpi") / pl.col("_t") - 1)).alias("tuition_childcare_yoy_pct"),
        (100 * (pl.col("rent_cpi") / pl.col("_r") - 1)).alias("rent_yoy_pct"))
    return frame.with_columns(
        (pl.col("tuition_childcare_yoy_pct") - pl.col("rent_yoy_pct")).alias("tuition_minus_rent_yoy_pp"),
        pl.lit(alignment.describe(CUUR0000SEEB=tuition, CUSR0000SEHA=rent)).alias("alignment"))


def nominal_income(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Median household income in nominal dollars per year (aligned frame, unit usd): real (dollar year of the
    assumptions) x CPI-U annual average of the year / CPI-U annual average of the dollar year."""
    real = alignment.end_of_period(alignment.one_series(staging, REAL_INCOME), "year")
    cpi_year = alignment.period_average(alignment.one_series(staging, CPI), "year", min_observations=12)
    dollar_year = int(assumption(assumptions, "C9", "income_dollar_year"))
    base = cpi_year.filter(pl.col("period").dt.year() == dollar_year)["value"]
    if base.is_empty() or real.is_empty():
        return pl.DataFrame(schema=alignment.ALIGNED_SCHEMA)
    deflator = cpi_year.with_columns(pl.col("value") / base[0], pl.lit("ratio").alias("unit_id"))
    joined = real.join(deflator, on="period", how="inner", suffix="_cpi")
    return joined.select("period", (pl.col("value") * pl.col("value_cpi")).alias("value"), "unit_id",
                         pl.max_horizontal("source_date", "source_date_cpi").alias("source_date"),
                         pl.lit(f"{REAL_INCOME} x CPI-U annual average ratio to {dollar_year}").alias("rule"))


def monthly_payment(loan: pl.Expr, rate_pct: pl.Expr, years: int) -> pl.Expr:
    """Level payment of a fixed-rate loan: L r / (1 - (1 + r)^-n), r = rate / 1200, n = 12 years; L / n at 0%."""
    r = rate_pct / 1200
    n = 12 * years
    return pl.when(r == 0).then(loan / n).otherwise(loan * r / (1 - (1 + r) ** (-n)))


def _sum_is_about_100(frame: pl.DataFrame, assumptions: pl.DataFrame, **_: object) -> CheckOutcome:
    tolerance = float(assumption(assumptions, "C9", "wealth_share_sum_tolerance_pp"))
    sums = frame.filter(pl.col("wealth_shares_sum_pct").is_not_null())
    bad = sums.filter((pl.col("wealth_shares_sum_pct") - 100).abs() > tolerance)
    return CheckOutcome(bad.is_empty(), None if bad.is_empty() else
                        f"{bad.height} half-years' wealth shares sum more than {tolerance} pp from 100, first "
                        f"{bad['quarter'][0]}: {bad['wealth_shares_sum_pct'][0]:.2f}",
                        {"half_years_checked": sums.height, "tolerance_pp": tolerance})


@mart("marts.wealth_gap_quarterly", model=WealthGapQuarterly, key=("quarter",), claims="C9", date_column="quarter",
      units="dollars, ratio, percent",
      inputs={"staging": Series(QUARTERLY_SERIES, required=()), "assumptions": CatalogFile("real_economy_assumptions")},
      checks=[MartCheck("wealth_shares_sum_to_about_100",
                        "Where all four wealth groups are present (half-years), their shares sum to 100 within the "
                        "declared tolerance.", _sum_is_about_100)])
def wealth_gap_quarterly(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """House prices, mortgage payments, homeownership and wealth shares for claim C9, quarterly.

    Median house price (MSPUS, dollars) over nominal median household income (MEHOINUSA672N converted from 2023
    dollars with the CPI-U, see the module); the monthly payment on the median house at the quarter's average
    30-year rate with the declared term and down payment, as a percent of monthly nominal median income;
    homeownership (RHORUSQ156N); wealth shares of the bottom 50%, 50th-90th, 90th-99th percentiles and the top 1%,
    the top 10% (100 - bottom 50% - 50th-90th), and the four groups' sum on half-years. Sources: Census, HUD,
    Freddie Mac, Federal Reserve DFA, BLS via FRED.
    """
    price = alignment.same_period(alignment.one_series(staging, HOUSE_PRICE))
    rate = alignment.period_average(alignment.one_series(staging, MORTGAGE_RATE), "quarter", MIN_WEEKS_PER_QUARTER)
    owners = alignment.same_period(alignment.one_series(staging, HOMEOWNERSHIP))
    shares = {sid: alignment.same_period(alignment.one_series(staging, sid)) for sid in (BOTTOM_50, MIDDLE_40, NEXT_9)}
    top1 = alignment.same_period(alignment.one_series(staging, TOP_1))
    quarters = pl.concat([f.select("period") for f in (price, rate, owners, top1, *shares.values())]).unique()
    yearly_income = nominal_income(staging, assumptions).select(pl.col("period").alias("date"), "value", "unit_id")
    income = alignment.containing_period(yearly_income, quarters["period"], "year")
    if price.height and income.height:
        alignment.check_combinable(HOUSE_PRICE, price["unit_id"][0], REAL_INCOME, income["unit_id"][0])
    years = int(assumption(assumptions, "C9", "mortgage_term_years"))
    down = float(assumption(assumptions, "C9", "down_payment_share"))
    frame = (quarters.rename({"period": "quarter"})
             .join(_col(price, "quarter", "median_house_price_usd"), on="quarter", how="left")
             .join(_col(income, "quarter", "median_household_income_nominal_usd"), on="quarter", how="left")
             .join(_col(rate, "quarter", "mortgage_rate_30y_pct"), on="quarter", how="left")
             .join(_col(owners, "quarter", "homeownership_rate_pct"), on="quarter", how="left")
             .join(_col(shares[BOTTOM_50], "quarter", "wealth_share_bottom_50_pct"), on="quarter", how="left")
             .join(_col(shares[MIDDLE_40], "quarter", "wealth_share_50_90_pct"), on="quarter", how="left")
             .join(_col(shares[NEXT_9], "quarter", "wealth_share_90_99_pct"), on="quarter", how="left")
             .join(_col(top1, "quarter", "wealth_share_top_1_pct"), on="quarter", how="left").sort("quarter"))
    # half-year sums: the three quarterly groups averaged over the two quarters the top-1% figure averages
    halves = [alignment.period_average(alignment.one_series(staging, sid), "half_year", 2) for sid in shares]
    total = halves[0]
    for sid, half in zip((MIDDLE_40, NEXT_9), halves[1:], strict=True):
        total = alignment.combine(total, "groups", "+", half, sid)
    total = alignment.combine(total, "groups", "+", top1, TOP_1) if total.height and top1.height else total.head(0)
    frame = (frame.join(_col(total, "quarter", "wealth_shares_sum_pct"), on="quarter", how="left")
             .with_columns(
                 (pl.col("median_house_price_usd") / pl.col("median_household_income_nominal_usd"))
                 .alias("price_to_income_ratio"),
                 monthly_payment(pl.col("median_house_price_usd") * (1 - down), pl.col("mortgage_rate_30y_pct"), years)
                 .alias("monthly_payment_usd"),
                 (100 - pl.col("wealth_share_bottom_50_pct") - pl.col("wealth_share_50_90_pct"))
                 .alias("wealth_share_top_10_pct"),
                 pl.lit(years, pl.Int64).alias("mortgage_term_years"), pl.lit(down).alias("down_payment_share"))
             .with_columns((100 * pl.col("monthly_payment_usd") / (pl.col("median_household_income_nominal_usd") / 12))
                           .alias("payment_share_of_income_pct")))
    return frame.with_columns(pl.lit(alignment.describe(
        MSPUS=price, MORTGAGE30US=rate, MEHOINUSA672N=income, RHORUSQ156N=owners,
        WFRB_quarterly_groups=shares[BOTTOM_50], WFRBST01134=top1, wealth_shares_sum=total)).alias("alignment"))
