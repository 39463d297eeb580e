"""Freshness of the series (release lags as data), late series in catalog.series and the scorecard, and the
release-aware schedules and freshness policies of the graph."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import polars as pl
import pytest

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR, CatalogError, load_catalog
from macro_pipeline.transforms.freshness import (
    late_text,
    next_period,
    parse_release_lags,
    period_end,
    series_freshness,
)

D = dt.date
HEADER = "frequency,series_id,lag_days,rationale,source\n"
DEFAULTS = "".join(f"{f},,{n},why,src\n" for f, n in
                   (("D", 4), ("W", 3), ("M", 45), ("Q", 95), ("SA", 120), ("A", 300)))


@pytest.fixture(scope="module")
def series() -> pl.DataFrame:
    return load_catalog().series


def test_packaged_lags_parse_with_a_default_for_every_frequency(series) -> None:
    lags = parse_release_lags((PACKAGED_CATALOG_DIR / "release_lags.csv").read_text(), series)
    defaults = set(lags.filter(pl.col("series_id") == "")["frequency"].to_list())
    assert set(series["frequency"].to_list()) <= defaults


@pytest.mark.parametrize(("rows", "message"), [
    ("W,,x,why,src\n", "lag_days is a whole number"),
    ("W,,-1,why,src\n", "lag_days is a whole number"),
    ("H,,3,why,src\n", "frequency is one of"),
    ("W,WALCL,2,,src\n", "rationale and a source"),
    ("M,WALCL,2,why,src\n", "a series of series.csv with that frequency"),
    ("W,NOSUCH,2,why,src\n", "a series of series.csv with that frequency"),
    ("W,WALCL,2,why,src\nW,WALCL,3,why,src\n", "given once"),
])
def test_a_bad_lag_row_is_refused(series, rows: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_release_lags(HEADER + DEFAULTS + rows, series)


def test_a_frequency_without_a_default_is_refused(series) -> None:
    with pytest.raises(CatalogError, match=r"no default lag for frequencies \['A'\]"):
        parse_release_lags(HEADER + DEFAULTS.replace("A,,300,why,src\n", ""), series)


@pytest.mark.parametrize(("date", "frequency", "end", "after"), [
    (D(2026, 8, 26), "W", D(2026, 8, 26), D(2026, 9, 2)),
    (D(2026, 8, 28), "D", D(2026, 8, 28), D(2026, 8, 29)),
    (D(2026, 11, 1), "M", D(2026, 11, 30), D(2026, 12, 1)),
    (D(2026, 10, 1), "Q", D(2026, 12, 31), D(2027, 1, 1)),
    (D(2024, 2, 1), "M", D(2024, 2, 29), D(2024, 3, 1)),
    (D(2021, 7, 1), "SA", D(2021, 12, 31), D(2022, 1, 1)),
    (D(2023, 1, 1), "A", D(2023, 12, 31), D(2024, 1, 1)),
])
def test_period_end_and_next_period(date, frequency, end, after) -> None:
    assert period_end(date, frequency) == end
    assert next_period(date, frequency) == after


def test_a_series_is_late_once_its_next_observation_is_overdue(series) -> None:
    lags = parse_release_lags(HEADER + DEFAULTS + "W,WALCL,2,why,src\n", series)
    frame = pl.DataFrame({"series_id": ["WALCL", "WTREGEN", "UNRATE", "GDP"], "frequency": ["W", "W", "M", "Q"],
                          "last_date": [D(2026, 8, 26), D(2025, 11, 19), D(2026, 7, 1), None]})
    out = series_freshness(frame, lags, D(2026, 9, 3))
    rows = {r["series_id"]: r for r in out.iter_rows(named=True)}
    # WALCL: next Wednesday 2026-09-02 + its own 2-day lag = due 2026-09-04: not late on 2026-09-03
    assert (rows["WALCL"]["next_due_date"], rows["WALCL"]["late"], rows["WALCL"]["release_lag_days"]) == \
        (D(2026, 9, 4), False, 2)
    # WTREGEN stopped in November 2025 while its H.4.1 siblings run on: late (frequency default lag 3)
    assert (rows["WTREGEN"]["next_due_date"], rows["WTREGEN"]["late"]) == (D(2025, 11, 29), True)
    # July's month ends 2026-08-31; + 45 days = 2026-10-15
    assert (rows["UNRATE"]["next_due_date"], rows["UNRATE"]["late"]) == (D(2026, 10, 15), False)
    assert rows["GDP"]["late"] is None and rows["GDP"]["next_due_date"] is None  # no data: nothing to judge
    # the day after it is due, WALCL is late
    assert series_freshness(frame, lags, D(2026, 9, 5))["late"][0] is True
    assert set(series_freshness(frame, lags, None)["late"].to_list()) == {None}


def test_late_text_names_each_late_series_or_nothing() -> None:
    late = pl.DataFrame({"series_id": ["WTREGEN"], "last_date": [D(2025, 11, 19)], "next_due_date": [D(2025, 11, 29)]})
    assert late_text(late, D(2026, 11, 26)) == ("Late inputs on 2026-11-26 (catalog.series.late): WTREGEN "
                                                "(last 2025-11-19, next due 2025-11-29).")
    assert late_text(late.clear(), D(2026, 11, 26)) == ""


def test_catalog_series_lists_late_series_against_the_run_vintage_date(series) -> None:
    from macro_pipeline.transforms.catalog_tables import series_table

    latest = pl.DataFrame({"series_id": ["WALCL", "WTREGEN"], "date": [D(2026, 8, 26), D(2025, 11, 19)],
                           "value": [1.0, 2.0], "realtime_start": [D(2026, 8, 28), D(2026, 8, 28)]})
    outcomes = pl.DataFrame(schema={"series_id": pl.String, "status": pl.String, "detail": pl.String})
    table = series_table(series, latest, outcomes)
    late = dict(zip(table["series_id"], table["late"], strict=True))
    assert late["WALCL"] is False and late["WTREGEN"] is True and late["GDP"] is None


def test_scorecard_evidence_names_late_inputs() -> None:
    from macro_pipeline.transforms.scorecard import claims_scorecard, load_rules

    catalog = load_catalog()
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    empty = pl.DataFrame(schema={"indicator_id": pl.String, "claim_id": pl.String, "date": pl.Date,
                                 "value": pl.Float64, "unit": pl.String, "source": pl.String, "as_of": pl.Date})
    note = "Late inputs on 2026-11-26 (catalog.series.late): WTREGEN (last 2025-11-19, next due 2025-11-29)."
    card = claims_scorecard(empty, rules, catalog.claims, D(2026, 11, 26), late_inputs={"C8": note})
    evidence = dict(zip(card["claim_id"], card["evidence"], strict=True))
    assert evidence["C8"].endswith(note) and note not in evidence["C6"]


# ---------------------------------------------------------------------------------------------- the graph


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    from macro_pipeline.definitions import defs

    return defs()


def test_a_schedule_per_frequency_ships_stopped_and_rebuilds_only_the_marts_its_series_feed(definitions) -> None:
    from macro_pipeline.defs.schedules import FREQUENCY_SCHEDULES, mart_frequencies

    by_mart = mart_frequencies()
    for frequency, (stem, _, _) in FREQUENCY_SCHEDULES.items():
        schedule = definitions.resolve_schedule_def(f"{stem}_schedule")
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
        job = definitions.resolve_job_def(f"{stem}_job")
        assert schedule.job_name == job.name
        selected = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
        marts = {k for k in selected if k.startswith("marts/")}
        fed = {name.replace(".", "/") for name, found in by_mart.items() if frequency in found}
        # every mart the frequency feeds, plus only the marts those read (their inputs)
        assert fed <= marts, frequency
        assert {"raw/observations", "staging/observations", "published/macro_duckdb", "published/chart_book",
                "published/exports", "catalog/series"} <= selected
        assert job.executor_def.name == "in_process"
    weekly = {k.to_user_string() for k in definitions.resolve_job_def("weekly_h41_job").asset_layer
              .executable_asset_keys}
    assert "marts/net_liquidity" in weekly and "marts/gdp_ex_ai" not in weekly
    quarterly = {k.to_user_string() for k in definitions.resolve_job_def("quarterly_gdp_job").asset_layer
                 .executable_asset_keys}
    assert "marts/gdp_ex_ai" in quarterly and "marts/net_liquidity" not in quarterly


def test_assets_fed_by_series_carry_a_freshness_policy_from_their_fastest_input(definitions) -> None:
    graph = definitions.resolve_asset_graph()
    net = graph.get(dg.AssetKey(["marts", "net_liquidity"])).freshness_policy
    gdp = graph.get(dg.AssetKey(["marts", "gdp_ex_ai"])).freshness_policy
    assert net is not None and gdp is not None
    # net liquidity reads a daily series (RRPONTSYD): one day + the daily lag; GDP is quarterly
    assert net.fail_window.to_timedelta() == dt.timedelta(days=1 + 4)
    assert gdp.fail_window.to_timedelta() == dt.timedelta(days=92 + 95)
    assert graph.get(dg.AssetKey(["raw", "observations"])).freshness_policy is not None
    assert graph.get(dg.AssetKey(["published", "chart_book"])).freshness_policy is None
