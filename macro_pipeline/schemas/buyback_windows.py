"""Models of the buyback-window marts (claim C4)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

SOURCE = ("S&P Dow Jones Indices (SP500) via FRED; NYSE calendar (exchange-calendars XNYS); blackout rule "
          "catalog/flow_model_assumptions.csv")


def field(description: str, unit: str, nullable: bool = True, **checks: object) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": SOURCE}, **checks)


class BuybackWindowCalendar(pa.DataFrameModel):
    """An estimated buyback window calendar (claim C4), one row per NYSE trading day: open or closed (blackout)
    by the declared rule, with the S&P 500's daily return."""

    date: pl.Date = field("NYSE trading day (exchange-calendars XNYS)", "date", nullable=False, unique=True)
    sp500: float = field("S&P 500 close; null on a trading day without one (a gap)", "index", gt=0)
    sp500_gap: bool = field("trading day without an S&P 500 close in the data", "boolean", nullable=False)
    sp500_return_pct: float = field("100 * (close / previous trading day's close - 1); null next to a gap",
                                    "percent")
    sessions_from_quarter_end: pl.Int32 = field(
        "trading days from the last trading day of the nearest quarter (0 = that day, negative before it)",
        "trading days", nullable=False)
    window_open: bool = field("the estimated buyback window is open (false = blackout)", "boolean", nullable=False)
    assumptions_version: str = field("version of catalog/flow_model_assumptions.csv used", "text", nullable=False)

    class Config:
        description = ("Estimated buyback window calendar (claim C4): each NYSE trading day open or in blackout by "
                       "a declared rule, with the S&P 500 daily return.")


class BuybackWindowReturnsByYear(pa.DataFrameModel):
    """S&P 500 returns and volatility inside vs outside the estimated buyback windows (claim C4), per calendar
    year and pooled from the start of the sample to the end of each year, with sample sizes and a Welch t. The
    statistics are given only when each group has at least the declared minimum of days (100); else counts only."""

    year: pl.Date = field("calendar year, by its first day", "date", nullable=False, unique=True)
    open_days: pl.Int32 = field("days with a return in open windows (this year)", "trading days", nullable=False, ge=0)
    closed_days: pl.Int32 = field("days with a return in blackout (this year)", "trading days", nullable=False, ge=0)
    open_mean_return_pct: float = field("mean daily return in open windows (this year)", "percent")
    closed_mean_return_pct: float = field("mean daily return in blackout (this year)", "percent")
    open_vol_pct: float = field(
        "std of daily returns in open windows * sqrt(252) (this year)", "percent annualised", ge=0)
    closed_vol_pct: float = field("as open_vol_pct, in blackout (this year)", "percent annualised", ge=0)
    open_minus_closed_return_bp: float = field(
        "open minus blackout mean daily return (this year)", "basis points per day")
    closed_minus_open_vol_pp: float = field(
        "blackout minus open annualised volatility (this year)", "percentage points")
    welch_t: float = field("Welch t statistic of open minus blackout mean return (this year)", "t statistic")
    welch_df: float = field("Welch-Satterthwaite degrees of freedom (this year)", "degrees of freedom", gt=0)
    significant: bool = field("|welch_t| at or above the declared threshold (1.96) (this year)", "boolean")
    to_date_open_days: pl.Int32 = field(
        "days with a return in open windows (pooled to this year)", "trading days", nullable=False, ge=0)
    to_date_closed_days: pl.Int32 = field(
        "days with a return in blackout (pooled to this year)", "trading days", nullable=False, ge=0)
    to_date_open_mean_return_pct: float = field("mean daily return in open windows (pooled to this year)", "percent")
    to_date_closed_mean_return_pct: float = field("mean daily return in blackout (pooled to this year)", "percent")
    to_date_open_vol_pct: float = field(
        "std of daily returns in open windows * sqrt(252) (pooled to this year)", "percent annualised", ge=0)
    to_date_closed_vol_pct: float = field(
        "as open_vol_pct, in blackout (pooled to this year)", "percent annualised", ge=0)
    to_date_open_minus_closed_return_bp: float = field(
        "open minus blackout mean daily return (pooled to this year)", "basis points per day")
    to_date_closed_minus_open_vol_pp: float = field(
        "blackout minus open annualised volatility (pooled to this year)", "percentage points")
    to_date_welch_t: float = field(
        "Welch t statistic of open minus blackout mean return (pooled to this year)", "t statistic")
    to_date_welch_df: float = field(
        "Welch-Satterthwaite degrees of freedom (pooled to this year)", "degrees of freedom", gt=0)
    to_date_significant: bool = field(
        "|welch_t| at or above the declared threshold (1.96) (pooled to this year)", "boolean")
    assumptions_version: str = field("version of catalog/flow_model_assumptions.csv used", "text", nullable=False)

    class Config:
        description = ("S&P 500 daily returns and volatility in open vs blackout buyback windows (claim C4), per year "
                       "and pooled to date, with day counts and a Welch t.")
