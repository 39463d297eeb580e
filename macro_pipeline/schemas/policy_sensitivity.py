"""Models of the policy-path sensitivity marts (claim C1)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

SOURCE = ("Federal Reserve H.15 (DGS2, DTB3, DFF), New York Fed (SOFR) and S&P Dow Jones Indices (SP500) via FRED; "
          "event dates data/reference/event_calendar_us.csv (Federal Reserve, BLS); NYSE calendar (exchange-calendars "
          "XNYS); largest-move share catalog/flow_model_assumptions.csv")
DAY_GROUPS = ["fomc", "data_release", "policy_move", "other"]


def field(description: str, unit: str, nullable: bool = True, **checks: object) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": SOURCE}, **checks)


class PolicyProxyDaily(pa.DataFrameModel):
    """A market-implied policy proxy and the S&P 500, one row per NYSE trading day of the S&P 500's span, with
    the group each day falls in (FOMC decision, CPI or jobs release, largest policy-proxy move, other)."""

    date: pl.Date = field("NYSE trading day (exchange-calendars XNYS)", "date", nullable=False, unique=True)
    dgs2_pct: float = field("2-year Treasury yield (DGS2); null on a day without one", "percent")
    dtb3_pct: float = field("3-month Treasury bill rate (DTB3)", "percent")
    dff_pct: float = field("effective federal funds rate (DFF) of that day", "percent")
    sofr_pct: float = field("secured overnight financing rate (SOFR)", "percent")
    policy_path_2y_pp: float = field("DGS2 - DFF: the policy path the market implies over two years beyond "
                                     "today's rate", "percentage points")
    policy_path_3m_pp: float = field("DTB3 - DFF: the same over three months", "percentage points")
    dgs2_change_bp: float = field("DGS2 minus its value on the previous trading day (null next to a gap)",
                                  "basis points")
    sp500: float = field("S&P 500 close; null on a trading day without one (a gap)", "index", gt=0)
    sp500_gap: bool = field("trading day without an S&P 500 close in the data", "boolean", nullable=False)
    sp500_log_return_pct: float = field("100 * ln(close / previous trading day's close); null next to a gap",
                                        "percent")
    fomc_day: bool = field("an FOMC decision was announced (or, off a trading day, the next trading day)",
                           "boolean", nullable=False)
    data_release_day: bool = field("a CPI or Employment Situation release day", "boolean", nullable=False)
    largest_policy_move: bool = field("|dgs2_change_bp| in the top declared share (5%) of the sample",
                                      "boolean", nullable=False)
    day_group: str = field("fomc, else data_release, else policy_move, else other; null outside the event "
                           "calendar's years", "category", isin=DAY_GROUPS)

    class Config:
        description = ("Market-implied policy proxy (DGS2 - DFF, DTB3 - DFF), its daily change and the S&P 500 return "
                       "per NYSE trading day, grouped by FOMC, CPI/jobs, largest policy moves and other days.")


class PolicySensitivityByYear(pa.DataFrameModel):
    """Per calendar year, the share of S&P 500 return variance (sum of squared daily log returns) that falls on
    FOMC days, CPI and jobs days, the largest policy-proxy moves and all other days, beside each group's share of
    days: a group carrying more variance than days (positive excess) is where the swings are."""

    year: pl.Date = field("calendar year, by its first day", "date", nullable=False, unique=True)
    trading_days: pl.Int32 = field("NYSE trading days of the year in the sample", "trading days", nullable=False,
                                   ge=0)
    return_days: pl.Int32 = field("days with an S&P 500 return and a day group", "trading days", nullable=False,
                                  ge=0)
    sp500_gap_days: pl.Int32 = field("trading days without an S&P 500 close", "trading days", nullable=False, ge=0)
    policy_move_threshold_bp: float = field("the |DGS2 change| above which a day is a largest policy move "
                                            "(whole sample)", "basis points", ge=0)
    mean_abs_dgs2_change_bp: float = field("mean absolute daily DGS2 change", "basis points", ge=0)
    fomc_days_share_pct: float = field("share of return days that are FOMC days", "percent", ge=0, le=100)
    fomc_variance_share_pct: float = field("share of the year's return variance on FOMC days", "percent", ge=0,
                                           le=100)
    data_release_days_share_pct: float = field("share of return days that are CPI or jobs days", "percent", ge=0,
                                               le=100)
    data_release_variance_share_pct: float = field("share of return variance on CPI or jobs days", "percent",
                                                   ge=0, le=100)
    policy_move_days_share_pct: float = field("share of return days that are largest policy moves", "percent",
                                              ge=0, le=100)
    policy_move_variance_share_pct: float = field("share of return variance on largest policy moves", "percent",
                                                  ge=0, le=100)
    other_days_share_pct: float = field("share of return days in no group", "percent", ge=0, le=100)
    other_variance_share_pct: float = field("share of return variance on other days", "percent", ge=0, le=100)
    policy_days_variance_excess_pp: float = field(
        "(FOMC + largest policy move) variance share minus their days share", "percentage points")
    data_release_variance_excess_pp: float = field("CPI/jobs variance share minus their days share",
                                                   "percentage points")
    assumptions_version: str = field("version of catalog/flow_model_assumptions.csv used", "text", nullable=False)

    class Config:
        description = ("Share of S&P 500 return variance on FOMC, CPI/jobs, largest policy-move and other days per "
                       "year (claim C1), beside each group's share of days.")
