"""Hand-made inputs for the market-structure marts: staging frames on real NYSE sessions and the packaged
assumptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from macro_pipeline.transforms import market_days as md

UNITS = {"CBBTCUSD": "usd", "DGS2": "pct", "DTB3": "pct", "DFF": "pct", "SOFR": "pct"}
REALTIME = dt.date(2026, 11, 26)


def sessions(start: dt.date, n: int) -> list[dt.date]:
    """The first ``n`` NYSE sessions on or after ``start``."""
    days = md.trading_days(start, start + dt.timedelta(days=2 * n + 30)).to_list()
    return days[:n]


def staging(series: dict[str, tuple[Sequence[dt.date], Sequence[float | None]]]) -> pl.DataFrame:
    """A staging frame (series_id, date, value, unit_id, realtime_start); a None value is not a row."""
    rows = [(series_id, day, value, UNITS.get(series_id, "index"), REALTIME)
            for series_id, (days, values) in series.items() for day, value in zip(days, values, strict=True)
            if value is not None]
    return pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64,
                                      "unit_id": pl.String, "realtime_start": pl.Date}, orient="row")


def assumptions() -> pl.DataFrame:
    return md.load_flow_assumptions()
