"""Vol-target model (claim C2): how a fund targeting a declared volatility with a leverage cap trades the S&P 500."""

from __future__ import annotations

import math

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Series, mart
from macro_pipeline.schemas.vol_target import VolTargetDaily
from macro_pipeline.transforms import market_days as md

SP500 = "SP500"
MODEL = "vol_target"
PUBLISHED_WINDOWS = (21, 63)  # the columns realized_vol_21d_pct / _63d_pct


def sp500_on_trading_days(staging: pl.DataFrame) -> pl.DataFrame:
    """SP500 closes on every NYSE session of its span (null = gap) with the gap flag and daily log return (%)."""
    closes = md.on_trading_days(md.series_values(staging, SP500, "index", "sp500"))
    return closes.with_columns(pl.col("sp500").is_null().alias("sp500_gap"),
                               (100 * (pl.col("sp500") / pl.col("sp500").shift(1)).log()).alias("sp500_log_return_pct"))


def vol_target_model(prices: pl.DataFrame, target_vol_pct: float, leverage_cap_pct: float, short_days: int,
                     long_days: int, annualisation_days: float, aum_usd_bn: float, window_days: int) -> pl.DataFrame:
    """The model on (date, sp500, sp500_gap, sp500_log_return_pct) rows; see vol_target_daily."""
    scale = math.sqrt(annualisation_days)
    r = pl.col("sp500_log_return_pct")
    frame = prices.with_columns(
        (md.rolling_std_complete(r, short_days) * scale).alias("realized_vol_21d_pct"),
        (md.rolling_std_complete(r, long_days) * scale).alias("realized_vol_63d_pct"))
    vol_used = pl.max_horizontal("realized_vol_21d_pct", "realized_vol_63d_pct")
    both = pl.col("realized_vol_21d_pct").is_not_null() & pl.col("realized_vol_63d_pct").is_not_null()
    frame = frame.with_columns(
        pl.when(both & (vol_used > 0))
        .then(pl.min_horizontal(pl.lit(leverage_cap_pct), 100 * target_vol_pct / vol_used))
        .when(both).then(pl.lit(leverage_cap_pct))  # zero volatility: the cap binds
        .alias("exposure_pct"))
    frame = frame.with_columns((pl.col("exposure_pct") - pl.col("exposure_pct").shift(1)).alias("exposure_change_pp"))
    frame = frame.with_columns((aum_usd_bn * pl.col("exposure_change_pp") / 100).alias("implied_flow_usd_bn"))
    flow = pl.col("implied_flow_usd_bn")
    sell, buy = (flow < 0) & r.is_not_null(), (flow > 0) & r.is_not_null()
    frame = frame.with_columns(
        ((flow < 0) & (r < 0)).alias("sells_into_fall"),
        sell.fill_null(False).cast(pl.Float64).alias("_sell"),
        (sell & (r < 0)).fill_null(False).cast(pl.Float64).alias("_sell_down"),
        buy.fill_null(False).cast(pl.Float64).alias("_buy"),
        (buy & (r > 0)).fill_null(False).cast(pl.Float64).alias("_buy_up"))
    # a full trailing window of days for which the model exists (its first flow starts the count)
    started = pl.col("implied_flow_usd_bn").is_not_null().cum_sum() >= window_days

    def rolling(name: str) -> pl.Expr:
        return pl.col(name).rolling_sum(window_days, min_samples=window_days)

    return frame.with_columns(
        pl.when(started).then(rolling("_sell")).alias("sell_days_252d"),
        pl.when(started & (rolling("_sell") > 0)).then(100 * rolling("_sell_down") / rolling("_sell"))
        .alias("sell_days_on_down_days_share_pct"),
        pl.when(started & (rolling("_buy") > 0)).then(100 * rolling("_buy_up") / rolling("_buy"))
        .alias("buy_days_on_up_days_share_pct"))


@mart("marts.vol_target_daily", model=VolTargetDaily, key=("date",), claims="C2", date_column="date",
      units="percent; billions of U.S. dollars",
      inputs={"staging": Series((SP500,)), "assumptions": CatalogFile("flow_model_assumptions")})
def vol_target_daily(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Vol-target model of the S&P 500 (claim C2), one row per NYSE trading day.

    Method: daily log returns of SP500 closes on NYSE sessions (exchange-calendars XNYS); realized volatility over
    the last 21 and 63 returns, annualised with sqrt(252); a fund targeting the declared volatility holds
    min(leverage cap, target / the higher of the two vols) of its capital (the S&P Average Daily Risk Control
    convention of taking the higher of two windows), rebalanced at each close; the daily change in exposure times
    the declared AUM is the implied flow. A day is flagged ``sells_into_fall`` when the model sells on a day the
    index fell; the trailing-year shares of selling days that were down days (and buying days that were up days)
    measure how far the model's flow coincides with the move. Parameters (target, cap, windows, AUM and its
    source) are catalog/flow_model_assumptions.csv, versioned.

    Limits: a stylised single fund with close-to-close rebalancing, no trading lag, smoothing or rebalancing
    band; real funds differ in windows (EWMA, intraday), targets and caps, so the flow is an order of magnitude,
    and the AUM is a published estimate, not a holding. The flow coincides with the move by construction (the
    day's return moves the day's volatility): the shares say how often, not that the flow caused the move. A
    trading day without a close is a gap: no return, volatility or exposure is computed across it.
    """
    short_days = int(md.parameter(assumptions, MODEL, "vol_lookback_short_days"))
    long_days = int(md.parameter(assumptions, MODEL, "vol_lookback_long_days"))
    if (short_days, long_days) != PUBLISHED_WINDOWS:
        raise ValueError(f"the assumptions declare vol windows {short_days}/{long_days} trading days, but the "
                         f"mart's columns are named for {PUBLISHED_WINDOWS}: change the model with them")
    prices = sp500_on_trading_days(staging)
    frame = vol_target_model(
        prices, md.parameter(assumptions, MODEL, "target_vol_pct"),
        md.parameter(assumptions, MODEL, "leverage_cap_pct"),
        short_days, long_days,
        md.parameter(assumptions, MODEL, "annualisation_days"), md.parameter(assumptions, MODEL, "aum_usd_bn"),
        int(md.parameter(assumptions, MODEL, "window_days")))
    return frame.with_columns(pl.lit(md.assumptions_version(assumptions)).alias("assumptions_version")).select(
        list(VolTargetDaily.to_schema().columns))
