"""Trading days from exchange-calendars, gaps kept as gaps, the versioned flow-model assumptions and the two
reference files the market marts read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from macro_pipeline.reference.tables import REFERENCE_FILES, ReferenceError, load_reference, parse_reference
from macro_pipeline.transforms import market_days as md

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
D = dt.date


def test_trading_days_are_nyse_sessions_not_weekdays():
    days = md.trading_days(D(2024, 12, 30), D(2025, 1, 10)).to_list()
    # New Year's Day and the national day of mourning for President Carter (9 January 2025) are closures
    assert days == [D(2024, 12, 30), D(2024, 12, 31), D(2025, 1, 2), D(2025, 1, 3), D(2025, 1, 6), D(2025, 1, 7),
                    D(2025, 1, 8), D(2025, 1, 10)]


def test_an_event_off_a_session_moves_to_the_next_session():
    moved = md.next_trading_day_on_or_after(pl.Series([D(2020, 3, 15), D(2024, 7, 4), D(2024, 7, 3)]))
    assert moved.to_list() == [D(2020, 3, 16), D(2024, 7, 5), D(2024, 7, 3)]


def test_a_missing_price_on_a_session_is_a_gap_not_a_dropped_day():
    values = pl.DataFrame({"date": [D(2025, 1, 6), D(2025, 1, 8)], "v": [1.0, 3.0]})
    out = md.on_trading_days(values)
    assert out["date"].to_list() == [D(2025, 1, 6), D(2025, 1, 7), D(2025, 1, 8)]
    assert out["v"].to_list() == [1.0, None, 3.0]


def test_a_series_in_another_unit_is_refused():
    staging = pl.DataFrame({"series_id": ["SP500"], "date": [D(2025, 1, 6)], "value": [1.0], "unit_id": ["usd"]})
    with pytest.raises(ValueError, match="SP500 arrives in \\['usd'\\], not index"):
        md.series_values(staging, "SP500", "index", "sp500")


def test_the_packaged_assumptions_parse_with_one_version_and_every_parameter():
    frame = md.load_flow_assumptions()
    assert frame["version"].n_unique() == 1
    assert md.parameter(frame, "vol_target", "leverage_cap_pct") == 150
    assert md.parameter_values(frame, "cta_trend", "lookback_days") == [20, 50, 100, 200]
    assert frame.filter(pl.col("source").str.len_chars() < 10).is_empty()


def _packaged_text() -> str:
    return md.ASSUMPTIONS_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("vol_target,leverage_cap_pct,150", "vol_target,leverage_cap_pct,lots"),
     r"rows \[4\] break the rule: a numeric parameter's value is a number"),
    (lambda t: "\n".join(line for line in t.splitlines() if ",aum_usd_bn," not in line) + "\n",
     r"model vol_target lacks \['aum_usd_bn'\]"),
    (lambda t: t.replace("2026-12-04.1,crypto,vol_window_days", "2026-12-05.1,crypto,vol_window_days"),
     "all rows carry the same version"),
    (lambda t: t + "2026-12-04.1,vol_target,aum_usd_bn,500,usd bn,why,src\n", "declared more than once"),
    (lambda t: t.replace('"10% is the most common target of index-provider risk-control indices (S&P 500 Risk Control '
                         'indices offer 5/10/12/15/18%; 10/12/15% typical)."', '""'),
     r"rows \[3\] break the rule: rationale: "),
    (lambda t: t.replace("vol_target,vol_rule,max", "vol_target,vol_rule,min"),
     r"rows \[7\] break the rule: vol_target.vol_rule is one of \['max'\]"),
    (lambda t: t.replace("crypto,corr_window_trading_days", "crypto,corr_window_days"),
     "break the rule: parameter is a known parameter of its model"),
    (lambda t: t.replace("cta_trend,followthrough_days,5,", "cta_trend,followthrough_days,2.5,"),
     r"rows \[16\] break the rule: a number of days is whole"),
])
def test_a_broken_assumptions_file_is_refused_naming_the_row(edit, message):
    with pytest.raises(md.FlowAssumptionError, match=message):
        md.parse_flow_assumptions(edit(_packaged_text()))


def test_the_two_reference_files_load_with_their_citations():
    flows = load_reference("flow_model_assumptions", REFERENCE_DIR)
    events = load_reference("event_calendar_us", REFERENCE_DIR)
    assert set(flows["model"].unique()) >= {"vol_control", "cta_trend", "corporate_buybacks", "vix_term_structure"}
    assert set(events["event"].unique()) == {"fomc_decision", "cpi_release", "employment_situation_release"}
    assert events["date"].dtype == pl.Date
    # a source page without a date keeps a null, never a made-up one
    assert flows["published"].null_count() > 0 and flows["url"].null_count() == 0


def test_only_the_publication_date_may_be_empty():
    spec = REFERENCE_FILES["event_calendar_us"]
    header = "event,date,note,source_title,publisher,published,url,locator\n"
    ok = parse_reference(spec, header + "cpi_release,2024-01-11,n,t,BLS,,https://bls.gov,l\n")
    assert ok["published"].to_list() == [None]
    with pytest.raises(ReferenceError, match="column 'url' is empty"):
        parse_reference(spec, header + "cpi_release,2024-01-11,n,t,BLS,,,l\n")
