"""Models of the crypto marts (claim C11)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

SOURCE = ("Coinbase (CBBTCUSD), NASDAQ OMX (NASDAQCOM) and S&P Dow Jones Indices (SP500) via FRED; NYSE calendar "
          "(exchange-calendars XNYS); windows and alignment rule catalog/flow_model_assumptions.csv")


def field(description: str, unit: str, nullable: bool = True, **checks: object) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": SOURCE}, **checks)


class CryptoDaily(pa.DataFrameModel):
    """Bitcoin per calendar day (it trades every day) from its first to its last price: returns, volatility,
    drawdown, and on NYSE trading days its return since the previous trading day beside the NASDAQ Composite's and
    the S&P 500's, with their rolling correlations. The worst peak-to-trough of the whole sample is on its trough
    day."""

    date: pl.Date = field("calendar day", "date", nullable=False, unique=True)
    btc_usd: float = field("Coinbase bitcoin price; null on a day without one (a gap)", "U.S. dollars", gt=0)
    btc_gap: bool = field("calendar day without a bitcoin price in the data", "boolean", nullable=False)
    btc_log_return_pct: float = field("100 * ln(price / previous day's price); null next to a gap", "percent")
    btc_vol_30d_pct: float = field("standard deviation of the last 30 daily log returns * sqrt(365); null unless "
                                   "all 30 are observed", "percent annualised", ge=0)
    btc_drawdown_pct: float = field("price relative to the highest price so far, minus 1 (0 at a high)", "percent",
                                    le=0)
    trading_day: bool = field("an NYSE trading day (exchange-calendars XNYS)", "boolean", nullable=False)
    btc_trading_day_return_pct: float = field(
        "on a trading day: 100 * ln(bitcoin price / its price on the previous trading day), so weekend and holiday "
        "moves accumulate into the next trading day (the declared alignment rule)", "percent")
    nasdaq_log_return_pct: float = field("on a trading day: NASDAQ Composite log return since the previous one",
                                         "percent")
    sp500_log_return_pct: float = field("on a trading day: S&P 500 log return since the previous one", "percent")
    btc_nasdaq_corr_63d: float = field("correlation of the aligned daily returns with NASDAQCOM over the last 63 "
                                       "trading days; null unless all 63 pairs are observed", "correlation",
                                       ge=-1, le=1)
    btc_sp500_corr_63d: float = field("as btc_nasdaq_corr_63d with SP500", "correlation", ge=-1, le=1)
    btc_to_sp500_vol_ratio_63d: float = field(
        "standard deviation of the aligned bitcoin returns over that of the S&P 500, last 63 trading days", "ratio",
        ge=0)
    sample_worst_drawdown_pct: float = field(
        "on the trough day of the sample's worst peak-to-trough fall only: that fall (negative)", "percent", le=0)
    sample_worst_drawdown_peak_date: pl.Date = field("on that trough day: the day of the peak it fell from",
                                                     "date")
    assumptions_version: str = field("version of catalog/flow_model_assumptions.csv used", "text", nullable=False)

    class Config:
        description = ("Bitcoin per calendar day (claim C11): returns, 30-day volatility, drawdown, and on NYSE "
                       "trading days aligned returns and 63-day correlations with the NASDAQ Composite and S&P 500.")


class CryptoDrawdownByYear(pa.DataFrameModel):
    """Bitcoin per calendar year: the largest peak-to-trough fall within the year (peak and trough both in it),
    with its dates, the year's return and its gaps."""

    year: pl.Date = field("calendar year, by its first day", "date", nullable=False, unique=True)
    btc_max_drawdown_pct: float = field("largest fall from a high to a later low, both within the year, as a "
                                        "percent of the high (negative; 0 if the price only rose)", "percent", le=0)
    peak_date: pl.Date = field("day of the high that fall starts from", "date")
    trough_date: pl.Date = field("day of the low it reaches", "date")
    btc_return_pct: float = field("last price of the year over the last price of the previous year, minus 1 "
                                  "(null for the first year)", "percent")
    price_days: pl.Int32 = field("days of the year with a price", "days", nullable=False, ge=0)
    gap_days: pl.Int32 = field("days of the year (within the sample) without a price", "days", nullable=False, ge=0)
    complete_year: bool = field("the sample covers the whole calendar year", "boolean", nullable=False)

    class Config:
        description = ("Bitcoin's largest within-year drawdown per calendar year (claim C11), dated on the year's "
                       "first day, with its peak and trough dates and the year's return.")
