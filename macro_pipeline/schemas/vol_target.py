"""Model of the vol-target mart (claim C2)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

SOURCE = ("S&P Dow Jones Indices (SP500) via FRED; NYSE calendar (exchange-calendars XNYS); parameters "
          "catalog/flow_model_assumptions.csv")


def field(description: str, unit: str, nullable: bool = True, **checks: object) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": SOURCE}, **checks)


class VolTargetDaily(pa.DataFrameModel):
    """A volatility-target fund on the S&P 500 (claim C2), one row per NYSE trading day: realized volatility,
    the exposure a fund targeting a declared volatility with a leverage cap holds, its daily change and the
    implied flow for a declared AUM. A trading day without an index close is a gap (no value computed over it)."""

    date: pl.Date = field("NYSE trading day (exchange-calendars XNYS)", "date", nullable=False, unique=True)
    sp500: float = field("S&P 500 close; null on a trading day without one (a gap)", "index", gt=0)
    sp500_gap: bool = field("trading day without an S&P 500 close in the data", "boolean", nullable=False)
    sp500_log_return_pct: float = field("100 * ln(close / previous trading day's close); null next to a gap",
                                        "percent")
    realized_vol_21d_pct: float = field("standard deviation of the last 21 daily log returns * sqrt(252); null "
                                        "unless all 21 are observed", "percent annualised", ge=0)
    realized_vol_63d_pct: float = field("as realized_vol_21d_pct over 63 returns", "percent annualised", ge=0)
    exposure_pct: float = field("min(leverage cap, 100 * target vol / the higher of the two realized vols)",
                                "percent of capital", ge=0)
    exposure_change_pp: float = field("exposure_pct minus the previous trading day's", "percentage points")
    implied_flow_usd_bn: float = field("AUM * exposure_change_pp / 100: the model's buying (+) or selling (-)",
                                       "billions of U.S. dollars")
    sells_into_fall: bool = field("the model sells (flow < 0) on a day the index fell", "boolean")
    sell_days_252d: float = field("days the model sold over the trailing 252 trading days", "days", ge=0)
    sell_days_on_down_days_share_pct: float = field(
        "share of those selling days on which the index fell; null before a full 252-day window or without "
        "selling days", "percent", ge=0, le=100)
    buy_days_on_up_days_share_pct: float = field(
        "share of the buying days of the trailing 252 trading days on which the index rose", "percent", ge=0,
        le=100)
    assumptions_version: str = field("version of catalog/flow_model_assumptions.csv used", "text",
                                     nullable=False)

    class Config:
        description = ("Vol-target model of the S&P 500 (claim C2): realized volatility, exposure under a declared "
                       "target and cap, its change and implied flow; one row per NYSE trading day.")
