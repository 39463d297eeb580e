"""Models of the revisions tables: indicators as first published vs now, from the vintages raw.observations holds."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

_RAW = "raw.observations (all vintages)"
# what every revisions table says about where its vintages come from and what a single vintage means
VINTAGE_NOTE = ("Vintages: raw.observations, i.e. the embedded snapshot's earlier releases "
                "(data/fred_snapshot/vintages: GDPC1 sparse, first/second/third/latest estimate per quarter, BEA "
                "release dates 1991-2026; PAYEMS complete, every BLS release 2024-02..2026-03) plus the snapshot's "
                "own vintage (2026-11-26), or FRED's vintages with MACRO_PIPELINE_FRED_VINTAGES=1. A period with a "
                "single known vintage has no first value: no revision known, not 'not revised'.")


def _f(description: str, unit: str, source: str = "computed", nullable: bool = True) -> dict:
    return {"description": description, "nullable": nullable, "metadata": {"unit": unit, "source": source}}


class IndicatorRevisions(pa.DataFrameModel):
    """published.indicator_revisions."""

    indicator_id: str = pa.Field(**_f("indicator id; the C6 ones are the ids of published.indicators, computed "
                                      "here with each release's GDP growth", "text", "macro_pipeline",
                                      nullable=False))
    claim_id: str = pa.Field(str_matches=r"^C(1[0-2]|[1-9])$",
                             **_f("the claim the indicator measures", "text", "catalog.claims", nullable=False))
    date: pl.Date = pa.Field(**_f("period (a month, quarter or year by its first day; a benchmark row by its "
                                  "reference month)", "date", _RAW, nullable=False))
    unit: str = pa.Field(**_f("unit of the values, spelled out", "text", "macro_pipeline", nullable=False))
    first_value: float = pa.Field(**_f("the value as first published: computed within the first release that "
                                       "holds the period (growth and gains from that release's own levels)",
                                       "see unit", _RAW))
    first_release_date: pl.Date = pa.Field(**_f("release date (realtime_start) of first_value", "date", _RAW))
    third_estimate_value: float = pa.Field(**_f("the value after the third estimate (GDP: third release holding "
                                                "the quarter; payrolls: third release holding the month); null "
                                                "where not applicable or not known", "see unit", _RAW))
    third_estimate_release_date: pl.Date = pa.Field(**_f("release date of third_estimate_value", "date", _RAW))
    first_benchmark_value: float = pa.Field(**_f("payrolls: the value in the first annual benchmark release after "
                                                 "first publication; null for GDP (the sparse GDPC1 vintages do "
                                                 "not list BEA's annual updates)", "see unit", _RAW))
    first_benchmark_release_date: pl.Date = pa.Field(**_f("release date of first_benchmark_value", "date", _RAW))
    latest_value: float = pa.Field(**_f("the value in the latest release that holds the period", "see unit", _RAW))
    latest_release_date: pl.Date = pa.Field(**_f("release date of latest_value", "date", _RAW))
    revision: float = pa.Field(**_f("latest_value - first_value; null when no first value is known", "see unit"))
    vintaged_inputs: str = pa.Field(**_f("input series whose vintages the values use (comma-separated)", "text",
                                         "catalog.series", nullable=False))
    latest_only_inputs: str = pa.Field(**_f("inputs available in their latest vintage only, used unchanged on both "
                                            "sides (empty: none)", "text", "marts.gdp_ex_ai"))
    moved_by: str = pa.Field(**_f("the vintaged input series whose revision moved the value (null: no revision, "
                                  "or none known)", "text"))
    method: str = pa.Field(**_f("how the value is computed from each release's levels", "text", "macro_pipeline",
                                nullable=False))

    class Config:
        description = ("Indicators built on vintaged inputs as first published vs now, with release dates, the "
                       "value after the third estimate or the first benchmark, the total revision and the input "
                       "series that moved it. Growth rates and gains are computed within one release (never "
                       "across the levels of two releases, which may be in different base years). "
                       + VINTAGE_NOTE)
        unique = ["indicator_id", "date"]


class PayrollGainsRevisions(pa.DataFrameModel):
    """published.payroll_gains_revisions."""

    month: pl.Date = pa.Field(**_f("month (first day)", "date", "PAYEMS (BLS CES via FRED)", nullable=False))
    first_print_gain_thousands: float = pa.Field(**_f(
        "payroll gain (PAYEMS this month - last month) in the first release holding the month; null: one vintage "
        "known only (no revision known)", "thousands of persons", "PAYEMS vintages (raw.observations)"))
    first_release_date: pl.Date = pa.Field(**_f("release date of the first print", "date", _RAW))
    third_estimate_gain_thousands: float = pa.Field(**_f("the gain in the third release holding the month",
                                                         "thousands of persons", _RAW))
    latest_gain_thousands: float = pa.Field(**_f("the gain in the latest release", "thousands of persons", _RAW,
                                                 nullable=False))
    latest_release_date: pl.Date = pa.Field(**_f("release date of the latest gain", "date", _RAW, nullable=False))
    revision_thousands: float = pa.Field(**_f("latest - first print; null when no first print is known",
                                              "thousands of persons"))

    class Config:
        description = ("Monthly nonfarm payroll gains (PAYEMS, claim C7) as first printed vs in the latest "
                       "release, each computed within one release. " + VINTAGE_NOTE)
        unique = ["month"]
