"""The glitch guard: every series has a step rule from its unit family (catalog units.csv, overridable per series in
series.csv), and the wealth shares must sum to ~100 (catalog consistency.csv). The percent-for-fraction slips that
used to pass are refused naming series and dates; no real observation of the embedded snapshot is refused.

Near-zero series: RRPONTSYD really went 0.002 -> 27 bn on 2019-11-18 (x13,500), so no ratio rule can guard it.
Its catalog row says so ('none') and guards it with an absolute step instead (max_step_abs 1500 bn; its largest
real daily move is 365 bn): a x1000 slip of any value above 1.5 bn is refused; a /1000 slip is refused only
when the true value is above 1,500 bn, and smaller ones pass. That is said here and in the README, plainly."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.transforms.raw import parse_observations_csv
from macro_pipeline.transforms.staging import stage_observations
from macro_pipeline_tests.support import SNAPSHOT_DIR

VINTAGE = dt.date(2026, 11, 26)
WEALTH_SHARES = ["WFRBSB50215", "WFRBSN40188", "WFRBSN09161", "WFRBST01134"]
RATIO_RULE = "no jump beyond max_step_ratio from the previous value (a unit change?)"


@cache
def snapshot() -> pl.DataFrame:
    """Every observation of every catalog series in the embedded snapshot, as the latest vintage."""
    frames = []
    for series_id in load_catalog().series_ids():
        path = SNAPSHOT_DIR / "series" / f"{series_id}.csv"
        if path.is_file():
            frames.append(parse_observations_csv(series_id, path.read_text(encoding="utf-8"), VINTAGE))
    return pl.concat(frames).select("series_id", "date", "value", "realtime_start")


def guard(frame: pl.DataFrame):
    facts = load_catalog()
    _, report = stage_observations(frame, facts.series, facts.units, consistency=facts.consistency)
    return report


def with_values(frame: pl.DataFrame, series_id: str, dates: list[dt.date], factor: float) -> pl.DataFrame:
    hit = (pl.col("series_id") == series_id) & pl.col("date").is_in(dates)
    return frame.with_columns(pl.when(hit).then(pl.col("value") * factor).otherwise(pl.col("value")).alias("value"))


def last_dates(series_id: str, n: int) -> list[dt.date]:
    rows = snapshot().filter((pl.col("series_id") == series_id) & pl.col("value").is_not_null())
    return rows.sort("date")["date"].tail(n).to_list()


def last_date_with_every_share() -> dt.date:
    shares = snapshot().filter(pl.col("series_id").is_in(WEALTH_SHARES) & pl.col("value").is_not_null())
    return shares.group_by("date").len().filter(pl.col("len") == len(WEALTH_SHARES))["date"].max()


def failing(report, series_id: str) -> pl.DataFrame:
    return report.failures.filter(pl.col("series_id") == series_id)


def test_no_real_observation_of_the_snapshot_is_refused():
    report = guard(snapshot())
    assert report.ok, report.summary(30)
    assert snapshot()["series_id"].n_unique() >= 60  # the whole history of every series was checked


def test_every_series_has_a_step_rule_or_says_why_not():
    series = load_catalog().series
    unguarded = series.filter(pl.col("max_step_ratio").is_null() & pl.col("max_step_abs").is_null()
                              & pl.col("max_step_p99_multiple").is_null())
    assert unguarded.is_empty(), unguarded["series_id"].to_list()


@pytest.mark.parametrize(("series_id", "n_values", "factor"), [
    ("UNRATE", 3, 0.01),        # 4.3 % delivered as 0.043
    ("DFF", 1, 0.01),
    ("MORTGAGE30US", 1, 0.01),
    ("WFRBSB50215", 1, 10.0),   # the bottom-50 % wealth share x10
])
def test_a_percent_for_fraction_slip_is_refused_naming_series_and_dates(series_id, n_values, factor):
    dates = last_dates(series_id, n_values)
    report = guard(with_values(snapshot(), series_id, dates, factor))
    assert not report.ok
    rows = failing(report, series_id)
    # the first slipped value is named; the ones after it move with it, so a step rule names the first
    assert dates[0] in rows["date"].to_list(), report.summary()
    assert series_id in report.summary()
    # nothing else is refused
    assert set(report.failures["series_id"]) <= {series_id, *WEALTH_SHARES}


def test_unrate_slip_is_named_by_the_ratio_rule_with_its_date():
    dates = last_dates("UNRATE", 3)
    rows = failing(guard(with_values(snapshot(), "UNRATE", dates, 0.01)), "UNRATE")
    assert rows.filter(pl.col("check") == RATIO_RULE)["date"].to_list() == [dates[0]]


def test_the_wealth_shares_must_sum_to_100_where_all_are_present():
    date = last_date_with_every_share()
    # x3 is a step the share's ratio rule (x8) lets through: only the sum catches it
    report = guard(with_values(snapshot(), "WFRBSB50215", [date], 3.0))
    rows = report.failures.filter(pl.col("check").str.starts_with("wealth_shares_sum_to_100"))
    assert sorted(rows["series_id"].to_list()) == sorted(WEALTH_SHARES)
    assert set(rows["date"]) == {date}
    assert re.search(r"sum to 10[5-7]\.\d+, expected 100 \+/- 2\.5$", rows["check"][0]), rows["check"][0]


def test_a_share_alone_on_its_date_is_not_a_broken_sum():
    # the latest quarter has no top-1 % share yet: the bottom-50 % share x3 there breaks no sum (and no step
    # rule: x3 is within its ratio of 8), so it passes; said plainly rather than guessed at
    date = last_dates("WFRBSB50215", 1)[0]
    assert date > last_date_with_every_share()
    assert guard(with_values(snapshot(), "WFRBSB50215", [date], 3.0)).ok


def test_growth_rates_crossing_zero_get_an_absolute_step_from_their_own_history():
    # real GDP growth: a ratio means nothing (0.1 -> 2.9 is real). A value given in basis points (x100) is a
    # step beyond five times the 99th percentile of its own quarter-to-quarter moves (20 pp: a limit of 100 pp,
    # above the real 2020 swing of 63 pp). A fraction for a percent (/100) is a step of a few points: no step
    # rule can see it in a series that crosses zero, and none is claimed.
    series_id = "A191RL1Q225SBEA"
    rows = snapshot().filter(pl.col("series_id") == series_id).drop_nulls("value").sort("date")
    date = rows.filter(pl.col("value").abs().is_between(1.1, 1.99))["date"][-1]
    report = guard(with_values(snapshot(), series_id, [date], 100.0))  # inside the unit's range (-100..200)
    rule = failing(report, series_id).filter(pl.col("check").str.starts_with("no step beyond max_step_abs"))
    assert date in rule["date"].to_list(), report.summary()


def test_near_zero_reverse_repos_are_guarded_by_an_absolute_step_not_a_ratio():
    series = load_catalog().series.filter(pl.col("series_id") == "RRPONTSYD").to_dicts()[0]
    assert series["max_step_ratio"] is None and series["max_step_abs"] == 1500.0
    # the real x13,500 day passes (test_no_real_observation...); a x1000 slip of 27 bn is refused
    date = dt.date(2019, 11, 19)
    report = guard(with_values(snapshot(), "RRPONTSYD", [date], 1000.0))
    assert date in failing(report, "RRPONTSYD")["date"].to_list()
    # and, said plainly: a /1000 slip of a small value passes
    assert guard(with_values(snapshot(), "RRPONTSYD", [date], 0.001)).ok


def test_a_series_override_replaces_the_unit_default(tmp_path):
    from macro_pipeline.catalog import PACKAGED_CATALOG_DIR, parse_claims, parse_series, parse_units

    units = parse_units((PACKAGED_CATALOG_DIR / "units.csv").read_text())
    claims = parse_claims((PACKAGED_CATALOG_DIR / "claims.csv").read_text())
    text = (PACKAGED_CATALOG_DIR / "series.csv").read_text()
    unrate = next(line for line in text.splitlines() if line.startswith("UNRATE,"))
    fields = unrate.split(",")
    header = text.splitlines()[0].split(",")
    fields[header.index("max_step_ratio")] = "none"
    fields[header.index("max_step_abs")] = "2"
    series = parse_series(text.replace(unrate, ",".join(fields)), units, claims)
    row = series.filter(pl.col("series_id") == "UNRATE").to_dicts()[0]
    assert row["max_step_ratio"] is None and row["max_step_abs"] == 2.0 and row["max_step_p99_multiple"] is None
    fields[header.index("max_step_ratio")] = "0.5"
    with pytest.raises(ValueError, match="max_step_ratio is blank"):
        parse_series(text.replace(unrate, ",".join(fields)), units, claims)


@pytest.mark.integration
def test_a_snapshot_delivery_with_the_slip_fails_the_run_naming_series_and_date(tmp_path):
    from macro_pipeline_tests.support import copy_snapshot, read_series, run_pipeline, write_series

    snapshot_dir = copy_snapshot(tmp_path / "fred_snapshot")
    lines = read_series(snapshot_dir, "MORTGAGE30US").splitlines()
    date, value = lines[-1].split(",")
    write_series(snapshot_dir, "MORTGAGE30US", "\n".join([*lines[:-1], f"{date},{float(value) / 100:g}"]) + "\n")
    (tmp_path / "data").mkdir()
    outcome = run_pipeline(tmp_path / "data", snapshot_dir)
    assert not outcome.success
    assert "the delivery was refused, nothing was stored" in outcome.failure_text
    assert f"series_id=MORTGAGE30US, date={date}" in outcome.failure_text
    assert not (tmp_path / "data" / "macro.duckdb").exists()
