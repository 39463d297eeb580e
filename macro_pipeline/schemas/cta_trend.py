"""Model of the CTA trend mart (claim C3)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

SOURCE = ("S&P Dow Jones Indices (SP500) via FRED; NYSE calendar (exchange-calendars XNYS); parameters "
          "catalog/flow_model_assumptions.csv")
LOOKBACKS = (20, 50, 100, 200)  # the lookbacks the columns are named for


def field(description: str, unit: str, nullable: bool = True, **checks: object) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": SOURCE}, **checks)


class CtaTrendDaily(pa.DataFrameModel):
    """A trend-following (CTA) model of the S&P 500 (claim C3), one row per NYSE trading day: moving averages at
    four lookbacks, each signal (+1 above its average, -1 below), the flip level at which each signal would change
    sign at the next close, the aggregate position and its implied change for a declared risk budget."""

    date: pl.Date = field("NYSE trading day (exchange-calendars XNYS)", "date", nullable=False, unique=True)
    sp500: float = field("S&P 500 close; null on a trading day without one (a gap)", "index", gt=0)
    sp500_gap: bool = field("trading day without an S&P 500 close in the data", "boolean", nullable=False)
    sma_20d: float = field("mean of the last 20 closes; null unless all are observed", "index")
    sma_50d: float = field("mean of the last 50 closes", "index")
    sma_100d: float = field("mean of the last 100 closes", "index")
    sma_200d: float = field("mean of the last 200 closes", "index")
    signal_20d: pl.Int32 = field("+1 if the close is above its 20-day average, -1 if below (0 if equal)",
                                "signal", isin=[-1, 0, 1])
    signal_50d: pl.Int32 = field("as signal_20d, 50-day average", "signal", isin=[-1, 0, 1])
    signal_100d: pl.Int32 = field("as signal_20d, 100-day average", "signal", isin=[-1, 0, 1])
    signal_200d: pl.Int32 = field("as signal_20d, 200-day average", "signal", isin=[-1, 0, 1])
    flip_level_20d: float = field(
        "the next close at which the 20-day signal changes sign: the mean of the last 19 closes (the next close "
        "equals the next 20-day average exactly there)", "index")
    flip_level_50d: float = field("as flip_level_20d for the 50-day signal (mean of the last 49 closes)", "index")
    flip_level_100d: float = field("as flip_level_20d for the 100-day signal (mean of the last 99 closes)", "index")
    flip_level_200d: float = field("as flip_level_20d for the 200-day signal (mean of the last 199 closes)", "index")
    aggregate_signal: float = field("mean of the four signals (equal weights): -1 all short .. +1 all long",
                                    "signal", ge=-1, le=1)
    position_usd_bn: float = field("aggregate_signal * the declared full position (risk budget)",
                                   "billions of U.S. dollars")
    position_change_usd_bn: float = field("position_usd_bn minus the previous trading day's: the implied flow",
                                          "billions of U.S. dollars")
    flips: pl.Int32 = field("number of the four signals that changed sign from the previous trading day", "count",
                           ge=0, le=4)
    flip_direction: pl.Int32 = field("sign of the summed signal changes on a flip day (+1 buying, -1 selling)",
                                    "signal", isin=[-1, 0, 1])
    followthrough_return_pct: float = field(
        "index return over the next 5 trading days after a flip day (null on other days or when not yet known)",
        "percent")
    flip_days_252d: float = field("flip days (with a known follow-through) over the trailing 252 trading days, "
                                  "counted once the 5 days after them have passed", "days", ge=0)
    flips_followed_share_pct: float = field(
        "share of those flip days after which the index moved in the flip's direction over 5 trading days",
        "percent", ge=0, le=100)
    assumptions_version: str = field("version of catalog/flow_model_assumptions.csv used", "text", nullable=False)

    class Config:
        description = ("CTA trend model of the S&P 500 (claim C3): moving averages, signals and their flip levels at "
                       "20/50/100/200 trading days, the aggregate position and its implied change.")
