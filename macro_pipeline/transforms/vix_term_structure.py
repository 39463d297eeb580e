"""VIX term structure (claim C5): VIX against VIX3M, inversion episodes and what the S&P 500 did around them."""

from __future__ import annotations

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Series, mart
from macro_pipeline.schemas.vix_term_structure import VixTermStructureDaily
from macro_pipeline.transforms import market_days as md

VIX, VIX3M, SP500 = "VIXCLS", "VXVCLS", "SP500"
MODEL = "vix_term_structure"


def vix_model(vix: pl.DataFrame, vix3m: pl.DataFrame, sp500: pl.DataFrame, panic_drawdown_pct: float,
              high_lookback: int, before_days: int, after_days: int) -> pl.DataFrame:
    """The model on (date, vix), (date, vix3m), (date, sp500) frames; see vix_term_structure_daily."""
    spans = [f["date"] for f in (vix, vix3m) if not f.is_empty()]
    first, last = min(s.min() for s in spans), max(s.max() for s in spans)
    everything = [f["date"] for f in (vix, vix3m, sp500) if not f.is_empty()]
    grid = md.trading_days(min(s.min() for s in everything), max(s.max() for s in everything)).to_frame()
    close = pl.col("sp500")
    frame = (grid.join(vix, on="date", how="left").join(vix3m, on="date", how="left")
             .join(sp500, on="date", how="left").sort("date")
             .with_columns(
                 (pl.when(md.complete_window(close, high_lookback))
                  .then(close.rolling_max(high_lookback, min_samples=high_lookback))).alias("_high"),
                 (100 * (close.shift(1) / close.shift(1 + before_days) - 1)).alias("_before"),
                 (100 * (close.shift(-after_days) / close - 1)).alias("_after"))
             .filter(pl.col("date").is_between(first, last)))
    frame = frame.with_columns(
        (pl.col("vix").is_not_null() & pl.col("vix3m").is_not_null()).alias("common_day"),
        (pl.col("vix") / pl.col("vix3m")).alias("vix_to_vix3m"))
    frame = frame.with_columns((pl.col("vix") > pl.col("vix3m")).alias("inverted"),
                               (100 * (close / pl.col("_high") - 1)).alias("_drawdown"))
    on = pl.col("inverted").fill_null(False)
    frame = frame.with_columns((on & ~on.shift(1, fill_value=False)).cum_sum().alias("_episode"))
    frame = frame.with_columns(pl.when(on).then(pl.col("_episode")).alias("_episode"))
    episodes = (frame.filter(pl.col("_episode").is_not_null()).group_by("_episode").agg(
        pl.col("date").min().alias("episode_start"), pl.col("date").max().alias("episode_end"),
        pl.len().cast(pl.Int32).alias("episode_length_days"), pl.col("vix_to_vix3m").max().alias("episode_peak_ratio"),
        pl.col("_before").first().alias("sp500_change_before_pct"),
        pl.col("_after").last().alias("sp500_return_after_pct"),
        pl.when(pl.col("_drawdown").is_not_null().all()).then(pl.col("_drawdown").min())
        .alias("sp500_drawdown_in_episode_pct"))
        .with_columns(pl.when(pl.col("sp500_drawdown_in_episode_pct") <= panic_drawdown_pct).then(pl.lit("panic"))
                      .when(pl.col("sp500_drawdown_in_episode_pct").is_not_null()).then(pl.lit("hedging"))
                      .alias("episode_kind")))
    frame = frame.join(episodes.select("_episode", "episode_start"), on="_episode", how="left")
    summary = episodes.drop("_episode").rename({"episode_start": "date"})
    frame = frame.join(summary, on="date", how="left").with_columns(
        pl.when(pl.col("episode_end").is_not_null()).then(pl.col("date")).otherwise(pl.col("episode_start"))
        .alias("episode_start"))
    ends = episodes.select(pl.col("episode_end").alias("date"), pl.lit(1).alias("_ended"),
                           pl.col("episode_length_days").alias("_length"),
                           (pl.col("episode_kind") == "hedging").cast(pl.Int32).alias("_hedging"),
                           pl.col("episode_kind").is_not_null().cast(pl.Int32).alias("_classified"))
    frame = frame.join(ends, on="date", how="left").sort("date").with_columns(
        pl.col("common_day").cast(pl.Int32).cum_sum().alias("common_days_to_date"),
        on.cast(pl.Int32).cum_sum().alias("_inverted_days"),
        pl.col("_ended").fill_null(0).cum_sum().cast(pl.Int32).alias("episodes_to_date"),
        pl.col("_length").fill_null(0).cum_sum().alias("_length_sum"),
        pl.col("_hedging").fill_null(0).cum_sum().alias("_hedging_sum"),
        pl.col("_classified").fill_null(0).cum_sum().alias("_classified_sum"))
    return frame.with_columns(
        pl.when(pl.col("common_days_to_date") > 0)
        .then(100 * pl.col("_inverted_days") / pl.col("common_days_to_date")).alias("inversion_share_to_date_pct"),
        pl.when(pl.col("_classified_sum") > 0).then(100 * pl.col("_hedging_sum") / pl.col("_classified_sum"))
        .alias("hedging_share_to_date_pct"),
        pl.when(pl.col("episodes_to_date") > 0).then(pl.col("_length_sum") / pl.col("episodes_to_date"))
        .alias("mean_episode_length_to_date_days"))


@mart("marts.vix_term_structure_daily", model=VixTermStructureDaily, key=("date",), claims="C5", date_column="date",
      units="ratio; percent; trading days",
      inputs={"staging": Series((VIX, VIX3M, SP500), required=(VIX, VIX3M)),
              "assumptions": CatalogFile("flow_model_assumptions")})
def vix_term_structure_daily(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """VIX against VIX3M (claim C5), one row per NYSE trading day of their span.

    Method: the curve is inverted on a trading day (exchange-calendars XNYS) when the VIX close (VIXCLS) is above
    the VIX3M close (VXVCLS); an episode is a run of consecutive inverted trading days, ended by a day that is not
    inverted or lacks either close (nothing is assumed about a gap). Per episode (on its first day): last day,
    length, peak ratio, the S&P 500 change over the 21 trading days before it, its return over the 21 trading days
    after it ends, and the drawdown during it (lowest close in the episode against the highest close of the
    trailing 252 trading days). An episode is 'panic' when that drawdown reaches the declared threshold (-10%, a
    correction), else 'hedging'. Running totals give the share of common trading days inverted (its last value is
    the whole common sample's ``vix_inversion_share_pct``), the share of hedging episodes and their mean length.
    Parameters are catalog/flow_model_assumptions.csv, versioned. An episode running on the last day counts as
    ended there.

    Limits: closes only (intraday inversions are missed); the panic/hedging split is a declared rule on the
    index's drawdown, not an observation of who bought protection or why; VIX3M (FRED VXVCLS) may end before
    VIX, so the common sample ends with it. An episode without S&P 500 data (before its sample) is unclassified.
    """
    vix = md.series_values(staging, VIX, "index", "vix")
    vix3m = md.series_values(staging, VIX3M, "index", "vix3m")
    sp500 = md.series_values(staging, SP500, "index", "sp500")
    frame = vix_model(vix, vix3m, sp500, md.parameter(assumptions, MODEL, "panic_drawdown_pct"),
                      int(md.parameter(assumptions, MODEL, "drawdown_high_lookback_days")),
                      int(md.parameter(assumptions, MODEL, "drawdown_before_days")),
                      int(md.parameter(assumptions, MODEL, "return_after_days")))
    return frame.with_columns(pl.lit(md.assumptions_version(assumptions)).alias("assumptions_version")).select(
        list(VixTermStructureDaily.to_schema().columns))
