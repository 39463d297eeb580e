"""Buyback windows (claim C4): an estimated open/blackout calendar and S&P 500 returns inside vs outside it."""

from __future__ import annotations

import math

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Mart, Series, mart
from macro_pipeline.schemas.buyback_windows import BuybackWindowCalendar, BuybackWindowReturnsByYear
from macro_pipeline.transforms import market_days as md

SP500 = "SP500"
MODEL = "buyback_windows"
ANNUALISATION_DAYS = 252  # trading days per year, as in the vol-target model's declared convention


def window_calendar(days: pl.Series, start_before: int, earnings_after: int, end_after: int) -> pl.DataFrame:
    """Each NYSE session of ``days`` with its distance in sessions from the last session of the nearest quarter
    and whether the window is open: blackout from ``start_before`` sessions before the quarter's last session
    (counting that session as the first of them) through ``earnings_after + end_after`` sessions after it."""
    sessions = md.trading_days(md.CALENDAR_START, md.CALENDAR_END).to_frame().with_row_index("_i")
    sessions = sessions.with_columns(
        (pl.col("date").dt.quarter() != pl.col("date").shift(-1).dt.quarter()).fill_null(False).alias("_quarter_end"))
    ends = sessions.filter(pl.col("_quarter_end")).select(pl.col("_i").alias("_qi"))
    frame = sessions.join(days.alias("date").to_frame(), on="date", how="inner").sort("_i")
    # the quarter end a session's blackout refers to: the last quarter end at or before it, or the next one if
    # that is within start_before sessions
    frame = (frame.join_asof(ends.with_columns(pl.col("_qi").alias("_prev")), left_on="_i", right_on="_qi",
                             strategy="backward").drop("_qi")
             .join_asof(ends.with_columns(pl.col("_qi").alias("_next")), left_on="_i", right_on="_qi",
                        strategy="forward").drop("_qi"))
    to_next = pl.col("_next").cast(pl.Int64) - pl.col("_i").cast(pl.Int64)
    from_prev = pl.col("_i").cast(pl.Int64) - pl.col("_prev").cast(pl.Int64)
    offset = pl.when(to_next.is_not_null() & (to_next < start_before)).then(-to_next).otherwise(from_prev)
    frame = frame.with_columns(offset.cast(pl.Int32).alias("sessions_from_quarter_end"))
    closed = ((pl.col("sessions_from_quarter_end") > -start_before)
              & (pl.col("sessions_from_quarter_end") <= earnings_after + end_after))
    return frame.select("date", "sessions_from_quarter_end", (~closed).alias("window_open"))


def welch(open_returns: pl.Series, closed_returns: pl.Series, threshold: float,
          min_days: int) -> dict[str, object]:
    """Means, annualised volatilities, their differences and the Welch t (open minus closed) of two samples of
    daily returns (percent). With fewer than ``min_days`` in either group only the counts are given: the
    comparison and its normal-approximation test are not made on a small sample."""
    n1, n2 = open_returns.len(), closed_returns.len()
    if n1 < max(min_days, 2) or n2 < max(min_days, 2):
        return {"open_days": n1, "closed_days": n2, **dict.fromkeys(
            ("open_mean_return_pct", "closed_mean_return_pct", "open_vol_pct", "closed_vol_pct",
             "open_minus_closed_return_bp", "closed_minus_open_vol_pp", "welch_t", "welch_df", "significant"))}
    m1 = open_returns.mean() if n1 else None
    m2 = closed_returns.mean() if n2 else None
    s1 = open_returns.std() if n1 > 1 else None
    s2 = closed_returns.std() if n2 > 1 else None
    out: dict[str, object] = {
        "open_days": n1, "closed_days": n2, "open_mean_return_pct": m1, "closed_mean_return_pct": m2,
        "open_vol_pct": s1 * math.sqrt(ANNUALISATION_DAYS) if s1 is not None else None,
        "closed_vol_pct": s2 * math.sqrt(ANNUALISATION_DAYS) if s2 is not None else None,
        "open_minus_closed_return_bp": 100 * (m1 - m2) if m1 is not None and m2 is not None else None,
        "closed_minus_open_vol_pp": None, "welch_t": None, "welch_df": None, "significant": None}
    if s1 is not None and s2 is not None:
        out["closed_minus_open_vol_pp"] = (s2 - s1) * math.sqrt(ANNUALISATION_DAYS)
        v1, v2 = s1 * s1 / n1, s2 * s2 / n2
        df_denominator = v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1)
        # identical returns in both groups (or variances too small to square) have no t: nothing to test
        if v1 + v2 > 0 and df_denominator > 0:
            t = (m1 - m2) / math.sqrt(v1 + v2)
            out["welch_t"] = t
            out["welch_df"] = (v1 + v2) ** 2 / df_denominator
            out["significant"] = abs(t) >= threshold
    return out


@mart("marts.buyback_window_calendar", model=BuybackWindowCalendar, key=("date",), claims="C4", date_column="date",
      units="percent; boolean",
      inputs={"staging": Series((SP500,)), "assumptions": CatalogFile("flow_model_assumptions")})
def buyback_window_calendar(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Estimated buyback window calendar (claim C4), one row per NYSE trading day of the S&P 500's span.

    Method: the window is closed (blackout) from the 10th-to-last trading day of each calendar quarter through
    the 2nd trading day after a typical earnings date set 15 trading days after quarter end (27 of about 63
    sessions), open otherwise; the counts are catalog/flow_model_assumptions.csv, derived from the desk and press
    descriptions cited in data/reference/flow_model_assumptions.csv. Trading days are exchange-calendars XNYS.

    Limits: one calendar for the whole index, whereas each company's blackout follows its own fiscal quarter and
    report date (desks put the share of companies in blackout between about 50% and 90% at the peak); a rule,
    not observed buyback activity. A trading day without a close has no return.
    """
    closes = md.on_trading_days(md.series_values(staging, SP500, "index", "sp500"))
    calendar = window_calendar(closes["date"],
                               int(md.parameter(assumptions, MODEL, "blackout_start_days_before_quarter_end")),
                               int(md.parameter(assumptions, MODEL, "typical_earnings_days_after_quarter_end")),
                               int(md.parameter(assumptions, MODEL, "blackout_end_days_after_earnings")))
    return (closes.join(calendar, on="date", how="left").sort("date")
            .with_columns(pl.col("sp500").is_null().alias("sp500_gap"),
                          (100 * (pl.col("sp500") / pl.col("sp500").shift(1) - 1)).alias("sp500_return_pct"),
                          pl.lit(md.assumptions_version(assumptions)).alias("assumptions_version"))
            .select(list(BuybackWindowCalendar.to_schema().columns)))


@mart("marts.buyback_window_returns_by_year", model=BuybackWindowReturnsByYear, key=("year",), claims="C4",
      date_column="year", units="percent; basis points per day; t statistic",
      inputs={"calendar": Mart("marts.buyback_window_calendar"), "assumptions": CatalogFile("flow_model_assumptions")})
def buyback_window_returns_by_year(calendar: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """S&P 500 daily returns and volatility in open vs blackout buyback windows (claim C4), per calendar year and
    pooled from the sample start to the end of each year.

    Method: the daily returns of marts.buyback_window_calendar split by window_open; per group the number of days,
    the mean daily return and the annualised standard deviation; open minus blackout mean return (basis points a
    day) with a Welch t statistic and Welch-Satterthwaite degrees of freedom, called significant at the declared
    |t| >= 1.96 (normal approximation of a two-sided 5% test), made only when each group has at least the declared
    100 days (a partial year or a short sample gives counts only). The last year is partial.

    Limits: daily returns are autocorrelated in volatility and the groups alternate in blocks, so the Welch t
    overstates significance somewhat; the windows are an estimate (see the calendar), and the claim's other part,
    that buybacks are the largest net buyer, is not measured by market prices at all.
    """
    threshold = md.parameter(assumptions, MODEL, "significance_abs_t")
    min_days = int(md.parameter(assumptions, MODEL, "min_days_per_group"))
    returns = calendar.filter(pl.col("sp500_return_pct").is_not_null()).with_columns(
        pl.col("date").dt.truncate("1y").alias("year"))
    rows = []
    for year in returns["year"].unique().sort():
        this = returns.filter(pl.col("year") == year)
        pooled = returns.filter(pl.col("year") <= year)
        yearly = welch(this.filter(pl.col("window_open"))["sp500_return_pct"],
                       this.filter(~pl.col("window_open"))["sp500_return_pct"], threshold, min_days)
        to_date = welch(pooled.filter(pl.col("window_open"))["sp500_return_pct"],
                        pooled.filter(~pl.col("window_open"))["sp500_return_pct"], threshold, min_days)
        rows.append({"year": year, **yearly, **{f"to_date_{k}": v for k, v in to_date.items()},
                     "assumptions_version": md.assumptions_version(assumptions)})
    schema = {name: column.dtype.type for name, column in BuybackWindowReturnsByYear.to_schema().columns.items()}
    return pl.DataFrame(rows, schema=schema)
