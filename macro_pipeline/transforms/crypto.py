"""Crypto (claim C11): bitcoin's returns, volatility and drawdowns, and its co-movement with tech equities."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from macro_pipeline.mart_kit import CatalogFile, Series, mart
from macro_pipeline.schemas.crypto import CryptoDaily, CryptoDrawdownByYear
from macro_pipeline.transforms import market_days as md

BTC, NASDAQ, SP500 = "CBBTCUSD", "NASDAQCOM", "SP500"
MODEL = "crypto"


def calendar_days(values: pl.DataFrame) -> pl.DataFrame:
    """``values`` (date + a value column) on every calendar day from its first to its last date (null = gap)."""
    days = pl.date_range(values["date"].min(), values["date"].max(), "1d", eager=True).alias("date").to_frame()
    return days.join(values, on="date", how="left").sort("date")


def drawdown_pct(prices: pl.Expr) -> pl.Expr:
    """Price relative to its running maximum (over the prices observed so far), minus 1, in percent."""
    return 100 * (prices / prices.cum_max() - 1)


def worst_drawdown(frame: pl.DataFrame, price: str = "btc_usd") -> tuple[float, dt.date, dt.date] | None:
    """The largest fall from a high to a later low in ``frame`` (date-sorted): (percent, peak date, trough date);
    None without prices. A frame that only rises gives 0 with peak = trough = its first price day."""
    rows = frame.filter(pl.col(price).is_not_null()).select(
        "date", pl.col(price), drawdown_pct(pl.col(price)).alias("_dd"))
    if rows.is_empty():
        return None
    trough = rows.row(rows["_dd"].arg_min(), named=True)
    if trough["_dd"] == 0:
        first = rows["date"][0]
        return 0.0, first, first
    before = rows.filter(pl.col("date") <= trough["date"])
    peak_date = before.filter(pl.col(price) == before[price].max())["date"].max()
    return trough["_dd"], peak_date, trough["date"]


def crypto_model(btc: pl.DataFrame, nasdaq: pl.DataFrame, sp500: pl.DataFrame, vol_window: int,
                 annualisation_days: float, corr_window: int) -> pl.DataFrame:
    """The daily model on (date, btc_usd), (date, nasdaq), (date, sp500) frames; see crypto_daily."""
    frame = calendar_days(btc).with_columns(pl.col("btc_usd").is_null().alias("btc_gap"))
    r = 100 * (pl.col("btc_usd") / pl.col("btc_usd").shift(1)).log()
    frame = frame.with_columns(r.alias("btc_log_return_pct")).with_columns(
        (md.rolling_std_complete(pl.col("btc_log_return_pct"), vol_window) * math.sqrt(annualisation_days))
        .alias("btc_vol_30d_pct"),
        drawdown_pct(pl.col("btc_usd")).alias("btc_drawdown_pct"))
    sessions = md.trading_days(frame["date"].min(), frame["date"].max())
    aligned = (sessions.to_frame().join(btc, on="date", how="left").join(nasdaq, on="date", how="left")
               .join(sp500, on="date", how="left").sort("date"))

    def log_return(name: str) -> pl.Expr:
        return 100 * (pl.col(name) / pl.col(name).shift(1)).log()

    aligned = aligned.with_columns(log_return("btc_usd").alias("btc_trading_day_return_pct"),
                                   log_return("nasdaq").alias("nasdaq_log_return_pct"),
                                   log_return("sp500").alias("sp500_log_return_pct"))

    def rolling_corr(other: str) -> pl.Expr:
        a, b = pl.col("btc_trading_day_return_pct"), pl.col(other)
        both = a.is_not_null() & b.is_not_null()
        complete = md.complete_window(pl.when(both).then(1), corr_window)
        return pl.when(complete).then(pl.rolling_corr(a, b, window_size=corr_window, min_samples=corr_window))

    aligned = aligned.with_columns(
        rolling_corr("nasdaq_log_return_pct").clip(-1, 1).alias("btc_nasdaq_corr_63d"),
        rolling_corr("sp500_log_return_pct").clip(-1, 1).alias("btc_sp500_corr_63d"),
        (md.rolling_std_complete(pl.col("btc_trading_day_return_pct"), corr_window)
         / md.rolling_std_complete(pl.col("sp500_log_return_pct"), corr_window)).alias("btc_to_sp500_vol_ratio_63d"))
    frame = frame.join(aligned.drop("btc_usd", "nasdaq", "sp500"), on="date", how="left").with_columns(
        pl.col("date").is_in(sessions.implode()).alias("trading_day"))
    worst = worst_drawdown(frame)
    if worst is None:
        return frame.with_columns(pl.lit(None, pl.Float64).alias("sample_worst_drawdown_pct"),
                                  pl.lit(None, pl.Date).alias("sample_worst_drawdown_peak_date"))
    value, peak, trough = worst
    on_trough = pl.col("date") == trough
    return frame.with_columns(pl.when(on_trough).then(pl.lit(value)).alias("sample_worst_drawdown_pct"),
                              pl.when(on_trough).then(pl.lit(peak)).alias("sample_worst_drawdown_peak_date"))


def drawdowns_by_year(daily: pl.DataFrame) -> pl.DataFrame:
    """Per calendar year of ``daily`` (date, btc_usd on every calendar day), the within-year worst drawdown."""
    frame = daily.with_columns(pl.col("date").dt.truncate("1y").alias("year"))
    first, last = daily["date"].min(), daily["date"].max()
    rows, previous_close = [], None
    for year in frame["year"].unique().sort():
        part = frame.filter(pl.col("year") == year)
        worst = worst_drawdown(part)
        prices = part["btc_usd"].drop_nulls()
        close = prices[-1] if prices.len() else None
        rows.append({
            "year": year, "btc_max_drawdown_pct": worst[0] if worst else None,
            "peak_date": worst[1] if worst else None, "trough_date": worst[2] if worst else None,
            "btc_return_pct": 100 * (close / previous_close - 1) if close and previous_close else None,
            "price_days": prices.len(), "gap_days": part.height - prices.len(),
            "complete_year": first <= year and last >= dt.date(year.year, 12, 31)})
        previous_close = close
    schema = {name: column.dtype.type for name, column in CryptoDrawdownByYear.to_schema().columns.items()}
    return pl.DataFrame(rows, schema=schema)


@mart("marts.crypto_daily", model=CryptoDaily, key=("date",), claims="C11", date_column="date",
      units="percent; U.S. dollars; correlation",
      inputs={"staging": Series((BTC, NASDAQ, SP500), required=(BTC,)),
              "assumptions": CatalogFile("flow_model_assumptions")})
def crypto_daily(staging: pl.DataFrame, assumptions: pl.DataFrame) -> pl.DataFrame:
    """Bitcoin per calendar day with its co-movement with tech equities (claim C11).

    Method: Coinbase bitcoin (CBBTCUSD) on every calendar day of its span (a day without a price is a gap, not
    filled); daily log returns; volatility over the last 30 daily returns annualised with sqrt(365); drawdown from
    the running high. Bitcoin's 7-day week is aligned to NYSE trading days (exchange-calendars XNYS) by the
    declared rule: on each trading day its return since the previous trading day's price, so weekend and holiday
    moves accumulate into the next trading day, set beside the NASDAQ Composite's and the S&P 500's log returns;
    rolling 63-trading-day correlations and the bitcoin/S&P 500 volatility ratio. The sample's worst
    peak-to-trough fall is shown on its trough day with its peak day. Parameters are
    catalog/flow_model_assumptions.csv, versioned.

    Limits: Coinbase's daily price is fixed at a different hour than the equity close, so a same-day correlation
    is understated slightly; one exchange's price. The claim's political part (crypto as young people's and a
    political asset) is outside market data: nothing here measures who holds it or its political salience.
    """
    btc = md.series_values(staging, BTC, "usd", "btc_usd")
    frame = crypto_model(btc, md.series_values(staging, NASDAQ, "index", "nasdaq"),
                         md.series_values(staging, SP500, "index", "sp500"),
                         int(md.parameter(assumptions, MODEL, "vol_window_days")),
                         md.parameter(assumptions, MODEL, "annualisation_days"),
                         int(md.parameter(assumptions, MODEL, "corr_window_trading_days")))
    return frame.with_columns(pl.lit(md.assumptions_version(assumptions)).alias("assumptions_version")).select(
        list(CryptoDaily.to_schema().columns))


@mart("marts.crypto_drawdown_by_year", model=CryptoDrawdownByYear, key=("year",), claims="C11", date_column="year",
      units="percent", inputs={"staging": Series((BTC,))})
def crypto_drawdown_by_year(staging: pl.DataFrame) -> pl.DataFrame:
    """Bitcoin's largest within-year drawdown per calendar year (claim C11), dated on the year's first day.

    Method: on Coinbase bitcoin (CBBTCUSD) per calendar day, for each calendar year the largest fall from a high to
    a later low with both inside the year (running high reset on 1 January), in percent of the high (negative),
    with the peak and trough dates; the year's return from the previous year's last price; days with a price and
    gaps. A year the sample covers only in part is flagged (``complete_year`` false): its drawdown is to date.

    Limits: a fall that starts in one year and ends in the next is split at the year boundary (the whole-sample
    worst fall is in marts.crypto_daily); one exchange's daily price, so intraday lows are missed.
    """
    return drawdowns_by_year(calendar_days(md.series_values(staging, BTC, "usd", "btc_usd")))
