"""Freshness of the series: when each series' next observation is due, from its frequency and its typical release
lag (catalog/release_lags.csv), and whether it is late on the reference date (the vintage date of the run)."""

from __future__ import annotations

import calendar
import datetime as dt

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import FREQUENCIES, CatalogError, check_file, read_csv_text, rule

LAG_COLUMNS = ["frequency", "series_id", "lag_days", "rationale", "source"]
# months per period of the frequencies dated by the first day of their period
_MONTHS = {"M": 1, "Q": 3, "SA": 6, "A": 12}
_DAYS = {"D": 1, "W": 7}


def parse_release_lags(text: str, series: pl.DataFrame, name: str = "release_lags.csv") -> pl.DataFrame:
    """The lags: one default row per frequency (series_id blank) and per-series overrides of the same frequency,
    validated by one pandera schema (catalog.check_file: errors name the file, the rows and the rule)."""
    frame = read_csv_text(name, text)
    if frame.columns != LAG_COLUMNS:
        raise CatalogError(f"{name}: header must be {LAG_COLUMNS}, not {frame.columns}")
    frequency_of = dict(zip(series["series_id"], series["frequency"], strict=True))
    frame = frame.with_columns(pl.col("lag_days").cast(pl.Int64, strict=False),
                               pl.col("series_id").replace_strict(frequency_of, default=None).alias("_frequency"))
    schema = pa.DataFrameSchema({"frequency": pa.Column(str, nullable=True)}, checks=[
        rule(pl.col("frequency").is_in(list(FREQUENCIES)), f"frequency is one of {list(FREQUENCIES)}"),
        rule(pl.col("lag_days") >= 0, "lag_days is a whole number of days >= 0"),
        rule(pl.col("rationale").is_not_null() & pl.col("source").is_not_null(),
             "every lag has a rationale and a source"),
        rule(pl.col("series_id").is_null() | (pl.col("_frequency") == pl.col("frequency")),
             "an override names a series of series.csv with that frequency"),
        rule(~pl.struct("frequency", "series_id").is_duplicated(),
             "a frequency default or a series override is given once"),
    ], name=name)
    check_file(name, frame, schema)
    missing = sorted(set(series["frequency"]) - set(frame.filter(pl.col("series_id").is_null())["frequency"]))
    if missing:
        raise CatalogError(f"{name}: no default lag for frequencies {missing}")
    return frame.drop("_frequency").with_columns(pl.col("series_id").fill_null(""))


def period_end(date: dt.date, frequency: str) -> dt.date:
    """The last day of the period an observation dated ``date`` describes (a daily or weekly date is its own)."""
    if frequency in _DAYS:
        return date
    months = _MONTHS[frequency]
    index = date.year * 12 + date.month - 1 + months - 1
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def next_period(date: dt.date, frequency: str) -> dt.date:
    if frequency in _DAYS:
        return date + dt.timedelta(days=_DAYS[frequency])
    index = date.year * 12 + date.month - 1 + _MONTHS[frequency]
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


def series_freshness(series: pl.DataFrame, lags: pl.DataFrame, reference_date: dt.date | None) -> pl.DataFrame:
    """Per series of ``series`` (series_id, frequency, last_date): the lag it is held to, the date its next
    observation is due (end of the next period + lag) and whether it is late on ``reference_date`` (null when the
    series has no data or there is no reference date: nothing to judge)."""
    defaults = dict(zip(*lags.filter(pl.col("series_id") == "").select("frequency", "lag_days"), strict=True))
    overrides = dict(zip(*lags.filter(pl.col("series_id") != "").select("series_id", "lag_days"), strict=True))
    rows = []
    for r in series.select("series_id", "frequency", "last_date").iter_rows(named=True):
        lag = overrides.get(r["series_id"], defaults.get(r["frequency"]))
        due = None
        if r["last_date"] is not None and lag is not None:
            due = period_end(next_period(r["last_date"], r["frequency"]), r["frequency"]) + dt.timedelta(days=lag)
        late = None if due is None or reference_date is None else reference_date > due
        rows.append({"series_id": r["series_id"], "release_lag_days": lag, "next_due_date": due, "late": late})
    return pl.DataFrame(rows, schema={"series_id": pl.String, "release_lag_days": pl.Int64,
                                      "next_due_date": pl.Date, "late": pl.Boolean})


def late_text(late: pl.DataFrame, reference_date: dt.date) -> str:
    """One sentence naming late series (series_id, last_date, next_due_date), or '' when none is late."""
    if late.is_empty():
        return ""
    items = ", ".join(f"{r['series_id']} (last {r['last_date']}, next due {r['next_due_date']})"
                      for r in late.sort("series_id").iter_rows(named=True))
    return f"Late inputs on {reference_date} (catalog.series.late): {items}."
