"""Shared pieces of the market-structure marts (C1-C5, C11): the NYSE trading calendar, daily series on it, and
the versioned flow-model assumptions (``catalog/flow_model_assumptions.csv``).

Trading days come from ``exchange-calendars`` (XNYS), never from "days with a price": a trading day without a
price is a gap the marts report (``*_gap`` columns and counts), not a holiday, and nothing is filled in.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from pathlib import Path

import exchange_calendars as xcals
import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import CatalogError, check_file, read_csv_text, rule

ASSUMPTIONS_FILE = Path(__file__).resolve().parents[1] / "catalog" / "flow_model_assumptions.csv"
ASSUMPTION_COLUMNS = ["version", "model", "parameter", "value", "unit", "rationale", "source"]
# every parameter a model reads; text parameters are the rest
NUMERIC_PARAMETERS = {
    "policy_sensitivity": ("largest_move_share_pct",),
    "vol_target": ("target_vol_pct", "leverage_cap_pct", "vol_lookback_short_days", "vol_lookback_long_days",
                   "aum_usd_bn", "annualisation_days", "window_days"),
    "cta_trend": ("lookback_days", "full_position_usd_bn", "followthrough_days", "window_days"),
    "buyback_windows": ("blackout_start_days_before_quarter_end", "typical_earnings_days_after_quarter_end",
                        "blackout_end_days_after_earnings", "significance_abs_t", "min_days_per_group"),
    "vix_term_structure": ("panic_drawdown_pct", "drawdown_high_lookback_days", "drawdown_before_days",
                           "return_after_days"),
    "crypto": ("vol_window_days", "annualisation_days", "corr_window_trading_days"),
}
TEXT_PARAMETERS = {"policy_sensitivity": {"policy_proxy": ("DGS2 - DFF",)},
                   "vol_target": {"vol_rule": ("max",)},
                   "crypto": {"week_alignment": ("accumulate",)}}
# parameters a model may declare more than once (a list)
REPEATABLE = {("cta_trend", "lookback_days")}
CALENDAR_START = dt.date(1990, 1, 1)
CALENDAR_END = dt.date(2030, 12, 31)


class FlowAssumptionError(ValueError):
    """The flow-model assumptions file breaks a rule; the message names the row."""


def load_flow_assumptions(path: Path | str | None = None) -> pl.DataFrame:
    path = Path(path or ASSUMPTIONS_FILE)
    return parse_flow_assumptions(path.read_text(encoding="utf-8"), path.name)


def parse_flow_assumptions(text: str, name: str = "flow_model_assumptions.csv") -> pl.DataFrame:
    """The assumptions as a frame (ASSUMPTION_COLUMNS, all text), validated by one pandera schema
    (catalog.check_file, naming the rows that break a rule): every row with its version, model, parameter, value,
    unit, rationale and source; known models and parameters; numbers where numbers are due (positive, whole for
    day counts); one version. Then per model: every parameter present, once (lookbacks may repeat)."""
    try:
        frame = read_csv_text(name, text)
    except CatalogError as err:
        raise FlowAssumptionError(str(err)) from None
    missing = [c for c in ASSUMPTION_COLUMNS if c not in frame.columns]
    if missing:
        raise FlowAssumptionError(f"{name}: missing columns {missing}")
    model, param, value = pl.col("model"), pl.col("parameter"), pl.col("value")
    number = value.cast(pl.Float64, strict=False)
    numeric = pl.concat_str(model, param, separator=".").is_in(
        [f"{m}.{p}" for m, ps in NUMERIC_PARAMETERS.items() for p in ps])
    text_keys = {f"{m}.{p}": list(allowed) for m, ps in TEXT_PARAMETERS.items() for p, allowed in ps.items()}
    key = pl.concat_str(model, param, separator=".")
    schema = pa.DataFrameSchema(
        {c: pa.Column(str, nullable=False, description="every assumption needs one") for c in ASSUMPTION_COLUMNS},
        checks=[
            rule(model.is_in(sorted(NUMERIC_PARAMETERS)), f"model is one of {sorted(NUMERIC_PARAMETERS)}"),
            rule(numeric | key.is_in(sorted(text_keys)), "parameter is a known parameter of its model"),
            rule(~numeric | number.is_not_null(), "a numeric parameter's value is a number"),
            rule(~numeric | param.str.ends_with("drawdown_pct") | (number > 0),
                 "a numeric parameter (other than a drawdown threshold) is positive"),
            rule(~numeric | ~param.str.ends_with("_days") | (number == number.round(0)),
                 "a number of days is whole"),
            *[rule((key != k) | value.is_in(allowed), f"{k} is one of {allowed}") for k, allowed in text_keys.items()],
            rule(pl.col("version").n_unique() == 1, "all rows carry the same version"),
        ], name=name)
    check_file(name, frame, schema, error=FlowAssumptionError)
    declared = frame.group_by("model", "parameter").len()
    repeated = declared.filter((pl.col("len") > 1) & ~pl.struct("model", "parameter").is_in(
        [{"model": m, "parameter": p} for m, p in REPEATABLE]))
    if repeated.height:
        raise FlowAssumptionError(f"{name}: {sorted(f'{m}.{p}' for m, p, _ in repeated.iter_rows())} declared more "
                                  "than once")
    for m, parameters in NUMERIC_PARAMETERS.items():
        present = set(frame.filter(model == m)["parameter"].to_list())
        absent = [p for p in (*parameters, *TEXT_PARAMETERS.get(m, {})) if p not in present]
        if absent:
            raise FlowAssumptionError(f"{name}: model {m} lacks {absent}")
    return frame.select(ASSUMPTION_COLUMNS)


def parameter_values(assumptions: pl.DataFrame, model: str, parameter: str) -> list[float]:
    values = assumptions.filter((pl.col("model") == model) & (pl.col("parameter") == parameter))["value"]
    if values.is_empty():
        raise FlowAssumptionError(f"the assumptions declare no {model}.{parameter}")
    return [float(v) for v in values]


def parameter(assumptions: pl.DataFrame, model: str, name: str) -> float:
    return parameter_values(assumptions, model, name)[0]


def text_parameter(assumptions: pl.DataFrame, model: str, name: str) -> str:
    values = assumptions.filter((pl.col("model") == model) & (pl.col("parameter") == name))["value"]
    if values.is_empty():
        raise FlowAssumptionError(f"the assumptions declare no {model}.{name}")
    return values[0]


def assumptions_version(assumptions: pl.DataFrame) -> str:
    return assumptions["version"][0]


# ---------------------------------------------------------------------------------------------------------------
# trading days


@functools.lru_cache(maxsize=1)
def _nyse_sessions() -> tuple[dt.date, ...]:
    with warnings.catch_warnings():
        # exchange-calendars 4.13 on pandas 3 warns about its own use of Series.values; the sessions are unaffected
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        calendar = xcals.get_calendar("XNYS", start=CALENDAR_START.isoformat(), end=CALENDAR_END.isoformat())
        return tuple(session.date() for session in calendar.sessions)


def trading_days(start: dt.date, end: dt.date) -> pl.Series:
    """NYSE sessions from ``start`` to ``end`` (both inclusive), from exchange-calendars' XNYS calendar."""
    if start < CALENDAR_START or end > CALENDAR_END:
        raise ValueError(f"trading days are known from {CALENDAR_START} to {CALENDAR_END}, not {start}..{end}")
    return pl.Series("date", [d for d in _nyse_sessions() if start <= d <= end], dtype=pl.Date)


def next_trading_day_on_or_after(dates: pl.Series) -> pl.Series:
    """Each date moved to the first NYSE session on or after it (an event on a weekend or holiday is priced at
    the next session)."""
    sessions = pl.DataFrame({"session": pl.Series(_nyse_sessions(), dtype=pl.Date)})
    frame = pl.DataFrame({"date": dates.cast(pl.Date)}).with_row_index("_i").sort("date")
    joined = frame.join_asof(sessions, left_on="date", right_on="session", strategy="forward").sort("_i")
    return joined["session"].alias("date")


def series_values(staging: pl.DataFrame, series_id: str, unit_id: str, name: str) -> pl.DataFrame:
    """One series' (date, value) rows, named ``name``; refuses a unit other than ``unit_id`` (catalog change)."""
    rows = staging.filter((pl.col("series_id") == series_id) & pl.col("value").is_not_null())
    units = set(rows["unit_id"].unique().to_list())
    if units - {unit_id}:
        raise ValueError(f"{series_id} arrives in {sorted(units)}, not {unit_id}: its catalog unit changed")
    return rows.select("date", pl.col("value").alias(name)).sort("date")


def on_trading_days(values: pl.DataFrame, start: dt.date | None = None, end: dt.date | None = None) -> pl.DataFrame:
    """``values`` (date + value columns) on every NYSE session from its first to its last date (or the given
    bounds): a session without a value keeps a null (a gap); a dated value on a non-session day is dropped."""
    if values.is_empty():
        return values.clear()
    start = start or values["date"].min()
    end = end or values["date"].max()
    days = trading_days(start, end).to_frame()
    return days.join(values, on="date", how="left").sort("date")


def complete_window(expr: pl.Expr, window: int) -> pl.Expr:
    """True where the last ``window`` rows of ``expr`` all have a value (a rolling statistic over them is then
    over exactly ``window`` observations; otherwise it is left without a value, never computed on fewer)."""
    return expr.is_null().cast(pl.Int32).rolling_sum(window, min_samples=window) == 0


def rolling_std_complete(expr: pl.Expr, window: int) -> pl.Expr:
    return pl.when(complete_window(expr, window)).then(expr.rolling_std(window, min_samples=window))


def rolling_mean_complete(expr: pl.Expr, window: int) -> pl.Expr:
    return pl.when(complete_window(expr, window)).then(expr.rolling_mean(window, min_samples=window))
