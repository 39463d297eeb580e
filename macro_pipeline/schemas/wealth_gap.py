"""Models of the wealth-gap marts (claim C9): every column with its unit and source."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

_CPI = "BLS CPI via FRED"
_ASSUMPTIONS = "catalog/real_economy_assumptions.csv"
_ALIGNMENT = "macro_pipeline.transforms.alignment"
_DFA = "Federal Reserve Distributional Financial Accounts via FRED"


def _f(description: str, unit: str, source: str, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": source})


class WealthGapMonthly(pa.DataFrameModel):
    """Tuition and childcare prices against rent (claim C9), rebased to a common base month."""

    month: pl.Date = pa.Field(unique=True, description="month (first day)", metadata={"unit": "date", "source": _CPI})
    tuition_childcare_cpi: float = _f("CPI-U tuition, other school fees, and childcare (CUUR0000SEEB; the broad "
                                      "index, not childcare alone; NSA)", "index 1982-84=100",
                                      f"CUUR0000SEEB, {_CPI}")
    rent_cpi: float = _f("CPI-U rent of primary residence (CUSR0000SEHA; SA)", "index 1982-84=100",
                         f"CUSR0000SEHA, {_CPI}")
    tuition_childcare_index_base100: float = _f("tuition_childcare_cpi, 100 in index_base_month",
                                                "index (base month = 100)", f"{_CPI}; computed")
    rent_index_base100: float = _f("rent_cpi, 100 in index_base_month", "index (base month = 100)",
                                   f"{_CPI}; computed")
    index_base_month: pl.Date = _f("common base month (assumptions file)", "date", _ASSUMPTIONS, nullable=False)
    tuition_minus_rent_index_pts: float = _f("tuition_childcare_index_base100 - rent_index_base100: positive when "
                                             "tuition and childcare rose more since the base month",
                                             "index points", f"{_CPI}; computed")
    tuition_childcare_yoy_pct: float = _f("change over 12 months", "percent", f"{_CPI}; computed")
    rent_yoy_pct: float = _f("change over 12 months", "percent", f"{_CPI}; computed")
    tuition_minus_rent_yoy_pp: float = _f("tuition_childcare_yoy_pct - rent_yoy_pct", "percentage points",
                                          f"{_CPI}; computed")
    alignment: str = _f("which alignment rule made each input of the row", "text", _ALIGNMENT, nullable=False)

    class Config:
        description = ("Tuition/childcare CPI (the broad CUUR0000SEEB index) against rent CPI from a common base "
                       "month, claim C9.")


class WealthGapQuarterly(pa.DataFrameModel):
    """House prices and mortgage payments against income, homeownership and wealth shares (claim C9)."""

    quarter: pl.Date = pa.Field(unique=True, description="quarter (first day)",
                                metadata={"unit": "date", "source": "Census/HUD (MSPUS) via FRED"})
    median_house_price_usd: float = _f("median sales price of houses sold (MSPUS)", "dollars",
                                       "Census/HUD (MSPUS) via FRED")
    median_household_income_nominal_usd: float = _f(
        "median household income of the quarter's calendar year in nominal dollars: MEHOINUSA672N (2023 CPI-U-RS "
        "dollars) x CPI-U annual average / its 2023 average", "dollars",
        "Census (MEHOINUSA672N), BLS (CPIAUCSL) via FRED; computed")
    mortgage_rate_30y_pct: float = _f("quarter average of the weekly 30-year fixed rate (at least 12 weeks)",
                                      "percent", "Freddie Mac PMMS (MORTGAGE30US) via FRED")
    homeownership_rate_pct: float = _f("homeownership rate (RHORUSQ156N)", "percent",
                                       "Census HVS (RHORUSQ156N) via FRED")
    wealth_share_bottom_50_pct: float = _f("share of net worth, bottom 50% (WFRBSB50215)", "percent", _DFA)
    wealth_share_50_90_pct: float = _f("share of net worth, 50th-90th percentiles (WFRBSN40188)", "percent", _DFA)
    wealth_share_90_99_pct: float = _f("share of net worth, 90th-99th percentiles (WFRBSN09161)", "percent", _DFA)
    wealth_share_top_1_pct: float = _f("share of net worth, top 1% (WFRBST01134): semiannual average of two "
                                       "quarters, 2021 vintage, ends 2021 in the snapshot", "percent", _DFA)
    wealth_shares_sum_pct: float = _f("sum of the four groups on half-years (the quarterly three averaged over the "
                                      "same two quarters); on the half-year's first quarter", "percent",
                                      f"{_DFA}; computed")
    price_to_income_ratio: float = _f("median_house_price_usd / median_household_income_nominal_usd", "ratio",
                                      "computed")
    monthly_payment_usd: float = _f("level monthly payment on (1 - down_payment_share) x median price at "
                                    "mortgage_rate_30y_pct over mortgage_term_years", "dollars per month", "computed")
    wealth_share_top_10_pct: float = _f("100 - bottom 50% - 50th-90th shares (the groups partition households)",
                                        "percent", f"{_DFA}; computed")
    mortgage_term_years: int = _f("loan term (assumptions file)", "years", _ASSUMPTIONS, nullable=False)
    down_payment_share: float = _f("down payment share of the price (assumptions file)", "share", _ASSUMPTIONS,
                                   nullable=False)
    payment_share_of_income_pct: float = _f("100 * monthly_payment_usd / (median_household_income_nominal_usd / "
                                            "12)", "percent", "computed")
    alignment: str = _f("which alignment rule made each input of the row", "text", _ALIGNMENT, nullable=False)

    class Config:
        description = ("Housing affordability (price to income, mortgage payment share of income), homeownership "
                       "and wealth shares by percentile group, quarterly, claim C9.")
