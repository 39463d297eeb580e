"""Model of the VIX term-structure mart (claim C5)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

SOURCE = ("Cboe (VIXCLS, VXVCLS) and S&P Dow Jones Indices (SP500) via FRED; NYSE calendar (exchange-calendars "
          "XNYS); panic rule catalog/flow_model_assumptions.csv")
KINDS = ["panic", "hedging"]


def field(description: str, unit: str, nullable: bool = True, **checks: object) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": SOURCE}, **checks)


class VixTermStructureDaily(pa.DataFrameModel):
    """VIX against VIX3M (claim C5), one row per NYSE trading day from the first to the last day either index has
    a close: the ratio, whether the curve is inverted, the inversion episode a day belongs to, and on each
    episode's first day its summary (end, length, peak ratio, the index's move before and after, the drawdown
    during it and its kind by the declared panic rule). Running totals to date give the share of common trading
    days inverted and the episodes' kinds and length."""

    date: pl.Date = field("NYSE trading day (exchange-calendars XNYS)", "date", nullable=False, unique=True)
    vix: float = field("VIX close; null on a trading day without one (a gap)", "index", gt=0)
    vix3m: float = field("VIX3M close; null on a trading day without one (a gap)", "index", gt=0)
    common_day: bool = field("both closes observed", "boolean", nullable=False)
    vix_to_vix3m: float = field("vix / vix3m", "ratio", gt=0)
    inverted: bool = field("VIX above VIX3M (null unless both observed)", "boolean")
    episode_start: pl.Date = field("first day of the inversion episode this day belongs to", "date")
    episode_end: pl.Date = field("on an episode's first day: its last day", "date")
    episode_length_days: pl.Int32 = field("on an episode's first day: its length", "trading days", ge=1)
    episode_peak_ratio: float = field("on an episode's first day: the highest vix / vix3m in it", "ratio", gt=1)
    sp500_change_before_pct: float = field("on an episode's first day: S&P 500 change over the 21 trading days "
                                           "before it starts (close before the start vs 21 sessions earlier)",
                                           "percent")
    sp500_return_after_pct: float = field("on an episode's first day: S&P 500 return from the episode's last day "
                                          "to 21 trading days later (null until known)", "percent")
    sp500_drawdown_in_episode_pct: float = field(
        "on an episode's first day: the lowest S&P 500 close in the episode relative to the highest close of the "
        "252 trading days up to it (negative)", "percent", le=0)
    episode_kind: str = field("on an episode's first day: 'panic' if that drawdown is at or below the declared "
                              "threshold (-10%), else 'hedging'; null without an S&P 500 drawdown", "category",
                              isin=KINDS)
    common_days_to_date: pl.Int32 = field("common trading days from the start of the sample to this day",
                                          "trading days", nullable=False, ge=0)
    inversion_share_to_date_pct: float = field("share of those days with VIX above VIX3M", "percent", ge=0, le=100)
    episodes_to_date: pl.Int32 = field("inversion episodes ended by this day", "count", nullable=False, ge=0)
    hedging_share_to_date_pct: float = field("share of the classified episodes ended by this day that are "
                                             "'hedging'", "percent", ge=0, le=100)
    mean_episode_length_to_date_days: float = field("mean length of the episodes ended by this day",
                                                    "trading days", ge=1)
    assumptions_version: str = field("version of catalog/flow_model_assumptions.csv used", "text", nullable=False)

    class Config:
        description = ("VIX vs VIX3M (claim C5): inversion episodes with the S&P 500's move around them, their kind "
                       "(panic or hedging) by a declared rule, and the share of common trading days inverted.")
