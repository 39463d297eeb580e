"""Policy-path sensitivity (claim C1): where the S&P 500's variance falls — Fed days, data days, policy moves."""

from __future__ import annotations

import datetime as dt

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Mart, Reference, Series, mart
from macro_pipeline.schemas.policy_sensitivity import DAY_GROUPS, PolicyProxyDaily, PolicySensitivityByYear
from macro_pipeline.transforms import market_days as md

SP500, DGS2, DTB3, DFF, SOFR = "SP500", "DGS2", "DTB3", "DFF", "SOFR"
MODEL = "policy_sensitivity"
FOMC_EVENTS = ("fomc_decision",)
DATA_EVENTS = ("cpi_release", "employment_situation_release")


def event_days(events: pl.DataFrame, kinds: tuple[str, ...]) -> pl.Series:
    """The trading days of the events of ``kinds`` (an event off a trading day counts on the next one)."""
    dates = events.filter(pl.col("event").is_in(kinds))["date"]
    return md.next_trading_day_on_or_after(dates).unique()


def policy_days(prices: pl.DataFrame, rates: pl.DataFrame, events: pl.DataFrame,
                largest_move_share_pct: float) -> pl.DataFrame:
    """Daily proxy and day groups on (date, sp500) and (date, dgs2_pct, dtb3_pct, dff_pct, sofr_pct) frames."""
    frame = md.on_trading_days(prices).join(rates, on="date", how="left").sort("date")
    frame = frame.with_columns(
        pl.col("sp500").is_null().alias("sp500_gap"),
        (100 * (pl.col("sp500") / pl.col("sp500").shift(1)).log()).alias("sp500_log_return_pct"),
        (pl.col("dgs2_pct") - pl.col("dff_pct")).alias("policy_path_2y_pp"),
        (pl.col("dtb3_pct") - pl.col("dff_pct")).alias("policy_path_3m_pp"),
        (100 * (pl.col("dgs2_pct") - pl.col("dgs2_pct").shift(1))).alias("dgs2_change_bp"),
        pl.col("date").is_in(event_days(events, FOMC_EVENTS).implode()).alias("fomc_day"),
        pl.col("date").is_in(event_days(events, DATA_EVENTS).implode()).alias("data_release_day"))
    moves = frame["dgs2_change_bp"].drop_nulls().abs()
    threshold = moves.quantile(1 - largest_move_share_pct / 100, "higher") if moves.len() else None
    largest = (pl.col("dgs2_change_bp").abs() >= threshold) if threshold is not None else pl.lit(False)
    covered = pl.col("date").is_between(dt.date(events["date"].min().year, 1, 1),
                                        dt.date(events["date"].max().year, 12, 31))
    return frame.with_columns(largest.fill_null(False).alias("largest_policy_move")).with_columns(
        pl.when(~covered).then(None)
        .when(pl.col("fomc_day")).then(pl.lit("fomc"))
        .when(pl.col("data_release_day")).then(pl.lit("data_release"))
        .when(pl.col("largest_policy_move")).then(pl.lit("policy_move"))
        .otherwise(pl.lit("other")).alias("day_group"))


@mart("marts.policy_proxy_daily", model=PolicyProxyDaily, key=("date",), claims="C1", date_column="date",
      units="percent; basis points",
      inputs={"staging": Series((SP500, DGS2, DTB3, DFF, SOFR), required=(SP500, DGS2)),
              "events": Reference("event_calendar_us"), "assumptions": CatalogFile("flow_model_assumptions")})
def policy_proxy_daily(staging: pl.DataFrame, events: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Market-implied policy proxy and S&P 500 returns per NYSE trading day, grouped by event (claim C1).

    Method: on the S&P 500's NYSE sessions (exchange-calendars XNYS), the 2-year Treasury yield less the effective
    fed funds rate (DGS2 - DFF) is the policy path the market implies beyond today's rate, DTB3 - DFF the
    near-term one (SOFR shown beside DFF); the proxy's daily move is the change of DGS2 in basis points (equal to
    the change of DGS2 - DFF except when DFF moves, i.e. on decision days, which are FOMC days). Each day is put in
    one group, in this order: FOMC decision day; CPI or Employment Situation release day
    (data/reference/event_calendar_us.csv; an event off a trading day counts on the next one); one of the largest
    policy moves (|DGS2 change| in the top declared share, 5%, of the whole sample); other. Days outside the
    event calendar's years have no group.

    Limits: closes only, so the FOMC afternoon and the 08:30 data releases both fall in the same close-to-close
    day as anything else that day; a 2-year yield also moves on term premium and on the data itself, so
    'policy move' days are partly data days; speeches and minutes are not in the calendar.
    """
    prices = md.series_values(staging, SP500, "index", "sp500")
    rates = None
    for series_id, name in ((DGS2, "dgs2_pct"), (DTB3, "dtb3_pct"), (DFF, "dff_pct"), (SOFR, "sofr_pct")):
        values = md.series_values(staging, series_id, "pct", name)
        rates = values if rates is None else rates.join(values, on="date", how="full", coalesce=True)
    frame = policy_days(prices, rates, events, md.parameter(assumptions, MODEL, "largest_move_share_pct"))
    return frame.select(list(PolicyProxyDaily.to_schema().columns))


@mart("marts.policy_sensitivity_by_year", model=PolicySensitivityByYear, key=("year",), claims="C1",
      date_column="year", units="percent; percentage points",
      inputs={"daily": Mart("marts.policy_proxy_daily"), "assumptions": CatalogFile("flow_model_assumptions")})
def policy_sensitivity_by_year(daily: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Share of S&P 500 return variance on FOMC, CPI/jobs, largest policy-move and other days, per year (claim C1).

    Method: from marts.policy_proxy_daily, per calendar year the sum of squared daily log returns of the S&P 500
    (its realised variance, not demeaned) is split by day group; each group's variance share is set beside its
    share of days. The excess (variance share minus days share) of FOMC + largest-policy-move days measures how
    far the swings concentrate on Fed and policy-path days; the same for CPI and jobs days measures the weight of
    data. The threshold of a largest move is the whole sample's.

    What it can show: whether the index's big moves cluster on Fed and policy-path days more than on data days.
    What it cannot: causation (a day's move has many causes; a policy-path move is itself partly a reaction to
    data), intraday timing, or the influence of Fed talk between decisions; the last year is partial.
    """
    frame = daily.filter(pl.col("day_group").is_not_null()).with_columns(
        pl.col("date").dt.truncate("1y").alias("year"))
    moves = daily.filter(pl.col("largest_policy_move"))["dgs2_change_bp"].abs()
    threshold = moves.min() if moves.len() else None
    squared = pl.col("sp500_log_return_pct") ** 2
    with_return = frame.filter(pl.col("sp500_log_return_pct").is_not_null())
    per_year = frame.group_by("year").agg(
        pl.len().cast(pl.Int32).alias("trading_days"),
        pl.col("sp500_gap").sum().cast(pl.Int32).alias("sp500_gap_days"),
        pl.col("dgs2_change_bp").abs().mean().alias("mean_abs_dgs2_change_bp"))
    totals = with_return.group_by("year").agg(pl.len().alias("_n"), squared.sum().alias("_var"))
    groups = with_return.group_by("year", "day_group").agg(pl.len().alias("_n_g"), squared.sum().alias("_var_g"))
    shares = []
    for group in DAY_GROUPS:
        part = groups.filter(pl.col("day_group") == group).select(
            "year", pl.col("_n_g").alias(f"_n_{group}"), pl.col("_var_g").alias(f"_var_{group}"))
        shares.append(part)
    out = per_year.join(totals, on="year", how="left")
    for part in shares:
        out = out.join(part, on="year", how="left")
    out = out.with_columns(pl.col("_n").fill_null(0).cast(pl.Int32).alias("return_days"),
                           *[pl.col(f"_n_{g}").fill_null(0) for g in DAY_GROUPS],
                           *[pl.col(f"_var_{g}").fill_null(0.0) for g in DAY_GROUPS])
    # the total as the sum of the groups' sums, so that the shares add up exactly and none exceeds 100 by a rounding
    out = out.with_columns(pl.sum_horizontal(*[pl.col(f"_var_{g}") for g in DAY_GROUPS]).alias("_var"))
    # a year of unchanged closes has days but no variance to share out: its variance shares have no value
    out = out.with_columns(
        *[pl.when(pl.col("_n") > 0).then(100 * (pl.col(f"_n_{g}") / pl.col("_n"))).alias(f"{g}_days_share_pct")
          for g in DAY_GROUPS],
        *[pl.when(pl.col("_var") > 0).then(100 * (pl.col(f"_var_{g}") / pl.col("_var")))
          .alias(f"{g}_variance_share_pct") for g in DAY_GROUPS])
    out = out.with_columns(
        (pl.col("fomc_variance_share_pct") + pl.col("policy_move_variance_share_pct") - pl.col("fomc_days_share_pct")
         - pl.col("policy_move_days_share_pct")).alias("policy_days_variance_excess_pp"),
        (pl.col("data_release_variance_share_pct") - pl.col("data_release_days_share_pct"))
        .alias("data_release_variance_excess_pp"),
        pl.lit(threshold, pl.Float64).alias("policy_move_threshold_bp"),
        pl.lit(md.assumptions_version(assumptions)).alias("assumptions_version"))
    return out.sort("year").select(list(PolicySensitivityByYear.to_schema().columns))
