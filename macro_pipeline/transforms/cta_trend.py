"""CTA trend model (claim C3): trend signals at several lookbacks, their flip levels and the implied position."""

from __future__ import annotations

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Series, mart
from macro_pipeline.schemas.cta_trend import LOOKBACKS, CtaTrendDaily
from macro_pipeline.transforms import market_days as md
from macro_pipeline.transforms.vol_target import SP500, sp500_on_trading_days

MODEL = "cta_trend"


def flip_level(closes: pl.Expr, lookback: int) -> pl.Expr:
    """The next close P at which the ``lookback``-day signal changes sign: P equals the next moving average
    (P + the last lookback-1 closes) / lookback exactly when P = mean of the last lookback-1 closes."""
    return md.rolling_mean_complete(closes, lookback - 1)


def cta_model(prices: pl.DataFrame, lookbacks: tuple[int, ...], full_position_usd_bn: float,
              followthrough_days: int, window_days: int) -> pl.DataFrame:
    """The model on (date, sp500, sp500_gap) rows; columns per lookback are suffixed ``_<n>d``."""
    close = pl.col("sp500")
    frame = prices.with_columns(
        *[md.rolling_mean_complete(close, n).alias(f"sma_{n}d") for n in lookbacks],
        *[flip_level(close, n).alias(f"flip_level_{n}d") for n in lookbacks])
    frame = frame.with_columns(
        *[(close - pl.col(f"sma_{n}d")).sign().cast(pl.Int32).alias(f"signal_{n}d") for n in lookbacks])
    signals = [pl.col(f"signal_{n}d") for n in lookbacks]
    # the mean of the signals only when every signal has a value (a horizontal mean would skip a missing one)
    frame = frame.with_columns(
        pl.when(pl.all_horizontal(s.is_not_null() for s in signals))
        .then(pl.sum_horizontal(signals).cast(pl.Float64) / len(lookbacks)).alias("aggregate_signal"))
    frame = frame.with_columns((pl.col("aggregate_signal") * full_position_usd_bn).alias("position_usd_bn"))
    changes = [(s.cast(pl.Int32) - s.shift(1).cast(pl.Int32)) for s in signals]
    frame = frame.with_columns(
        (pl.col("position_usd_bn") - pl.col("position_usd_bn").shift(1)).alias("position_change_usd_bn"),
        pl.sum_horizontal([(c != 0).cast(pl.Int32) for c in changes]).cast(pl.Int32).alias("flips"),
        pl.sum_horizontal(changes).sign().cast(pl.Int32).alias("flip_direction"))
    frame = frame.with_columns(pl.when(pl.col("flips") > 0).then(pl.col("flip_direction")).otherwise(0)
                               .cast(pl.Int32).alias("flip_direction"))
    forward = 100 * (close.shift(-followthrough_days) / close - 1)
    frame = frame.with_columns(pl.when((pl.col("flips") > 0) & (pl.col("flip_direction") != 0)).then(forward)
                               .alias("followthrough_return_pct"))
    # known at date t: flips at t - followthrough_days or earlier
    known = pl.col("followthrough_return_pct").shift(followthrough_days)
    known_dir = pl.col("flip_direction").shift(followthrough_days).cast(pl.Float64)
    frame = frame.with_columns(known.is_not_null().cast(pl.Float64).alias("_flip"),
                               (known.is_not_null() & (known.sign() == known_dir)).cast(pl.Float64)
                               .alias("_followed"))
    full = pl.int_range(pl.len()) >= window_days + followthrough_days - 1
    n_flips = pl.col("_flip").rolling_sum(window_days, min_samples=window_days)
    return frame.with_columns(
        pl.when(full).then(n_flips).alias("flip_days_252d"),
        pl.when(full & (n_flips > 0)).then(100 * pl.col("_followed").rolling_sum(window_days, min_samples=window_days)
                                           / n_flips).alias("flips_followed_share_pct"))


@mart("marts.cta_trend_daily", model=CtaTrendDaily, key=("date",), claims="C3", date_column="date",
      units="index points; billions of U.S. dollars",
      inputs={"staging": Series((SP500,)), "assumptions": CatalogFile("flow_model_assumptions")})
def cta_trend_daily(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """CTA trend model of the S&P 500 (claim C3), one row per NYSE trading day.

    Method: on SP500 closes of NYSE sessions (exchange-calendars XNYS), a simple moving average at each declared
    lookback (20/50/100/200 trading days); a signal of +1 when the close is above its average and -1 below; the
    flip level of each signal, the next close at which it changes sign (the mean of the last lookback-1 closes,
    since the next average includes the next close); the aggregate position as the equal-weighted mean of the
    signals times a declared full position (risk budget, with its source), and its daily change as the implied
    flow. A flip day is followed through when the index moves in the flip's direction over the next 5 trading
    days; the trailing-year share of such flips (counted only once the 5 days have passed) tests the claim.
    Parameters are catalog/flow_model_assumptions.csv, versioned.

    Limits: real CTAs trade futures across assets with volatility-scaled, smoothed, multi-speed signals (often
    breakouts or EWMA crossovers) and their capital is estimated second-hand; this model shows where simple
    trend levels lie and when they flip, not anyone's book. Follow-through is a coincidence count, not proof of
    cause. A trading day without a close is a gap: no average, signal or flip level is computed across it.
    """
    lookbacks = tuple(int(v) for v in md.parameter_values(assumptions, MODEL, "lookback_days"))
    if tuple(sorted(lookbacks)) != LOOKBACKS:
        raise ValueError(f"the assumptions declare lookbacks {sorted(lookbacks)}, but the mart's columns are named "
                         f"for {list(LOOKBACKS)}: change the model with them")
    frame = cta_model(sp500_on_trading_days(staging), LOOKBACKS,
                      md.parameter(assumptions, MODEL, "full_position_usd_bn"),
                      int(md.parameter(assumptions, MODEL, "followthrough_days")),
                      int(md.parameter(assumptions, MODEL, "window_days")))
    return frame.with_columns(pl.lit(md.assumptions_version(assumptions)).alias("assumptions_version")).select(
        list(CtaTrendDaily.to_schema().columns))
