"""Live deliveries are isolated per series: a series whose delivery breaks a rule keeps its last good vintage and is
flagged failed with the reason; every other series is stored and published. Before, one bad row refused the whole
delivery and nothing was stored or published. The snapshot path stays strict (test_bad_inputs)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from macro_pipeline.defs import live
from macro_pipeline_tests.integration.conftest_fred import (  # noqa: F401 - fixtures are used by name
    fred_server,
    make_fred_source,
)
from macro_pipeline_tests.integration.test_fred_live import live_definitions
from macro_pipeline_tests.support import query

pytestmark = pytest.mark.integration


def _value(published, series_id: str, date: dt.date) -> float:
    return query(published, "SELECT value FROM raw.observations_latest WHERE series_id = ? AND date = ?",
                 [series_id, date])[0][0]


@pytest.mark.timeout(300)
def test_a_series_with_a_bad_revision_is_refused_alone(fred_server, make_fred_source, tmp_path):
    data = tmp_path / "data"
    published = data / "macro.duckdb"
    job = live_definitions(make_fred_source(), data).resolve_job_def(live.LIVE_REFRESH_JOB_NAME)
    gdp_last = max(fred_server.series("GDP").vintages[-1].observations)
    unrate = sorted(fred_server.series("UNRATE").vintages[-1].observations.items())
    with dg.DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance, raise_on_error=False).success
        gdp_before = _value(published, "GDP", gdp_last)
        revised_on = fred_server.initial_vintage + dt.timedelta(days=14)
        # GDP revised to an implausible level (x1000); UNRATE's last three values delivered as fractions;
        # CPIAUCSL revised normally
        fred_server.add_vintage("GDP", revised_on, {gdp_last: gdp_before * 1000})
        fred_server.add_vintage("UNRATE", revised_on, {d: v / 100 for d, v in unrate[-3:]})
        fred_server.add_vintage("CPIAUCSL", revised_on, {dt.date(2026, 10, 1): 330.0})
        second = job.execute_in_process(instance=instance, raise_on_error=False)
    assert second.success
    # the good revision is stored and published
    assert _value(published, "CPIAUCSL", dt.date(2026, 10, 1)) == 330.0
    # the bad ones keep their last good vintage
    assert _value(published, "GDP", gdp_last) == gdp_before
    assert _value(published, "UNRATE", unrate[-1][0]) == unrate[-1][1]
    status = {r[0]: (r[1], r[2]) for r in query(
        published, "SELECT series_id, status, status_detail FROM catalog.series WHERE series_id IN "
                   "('GDP', 'UNRATE', 'CPIAUCSL')")}
    assert status["CPIAUCSL"][0] == "loaded"
    assert status["GDP"][0] == "failed"
    assert "delivery refused, last good vintage kept" in status["GDP"][1]
    assert "value within the unit's plausible range" in status["GDP"][1] and str(gdp_last) in status["GDP"][1]
    assert status["UNRATE"][0] == "failed" and "step" in status["UNRATE"][1]
    assert str(unrate[-3][0]) in status["UNRATE"][1]
    report = query(published, "SELECT series_report FROM meta.runs ORDER BY finished_at DESC LIMIT 1")[0][0]
    assert "GDP: failed (delivery refused" in report and "CPIAUCSL: fetched" in report

    # the refused series is asked for again on the next refresh (its stored FRED stamp is the old one)
    fred_server.reset_log()
    with dg.DagsterInstance.ephemeral() as instance:
        third = job.execute_in_process(instance=instance, raise_on_error=False)
    assert third.success
    assert fred_server.count("series/observations", "GDP") == 1
    assert fred_server.count("series/observations", "CPIAUCSL") == 0


@pytest.mark.timeout(300)
def test_a_value_fred_withdraws_is_stored_with_a_warning(fred_server, make_fred_source, tmp_path):
    data = tmp_path / "data"
    published = data / "macro.duckdb"
    job = live_definitions(make_fred_source(), data).resolve_job_def(live.LIVE_REFRESH_JOB_NAME)
    known = sorted(fred_server.series("CPIAUCSL").vintages[-1].observations.items())[-2]
    with dg.DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance, raise_on_error=False).success
        withdrawn_on = fred_server.initial_vintage + dt.timedelta(days=14)
        fred_server.add_vintage("CPIAUCSL", withdrawn_on, {known[0]: None})  # FRED now publishes "."
        second = job.execute_in_process(instance=instance, raise_on_error=False)
    assert second.success
    warning = (f"the source withdrew 1 known value (now no value, FRED '.'), stored as delivered: "
               f"{known[0]} (was {known[1]:g})")
    metadata = second.asset_materializations_for_node("raw__observations")[0].metadata
    assert metadata["withdrawn_values"].value == {"CPIAUCSL": warning}
    # stored as delivered, the earlier value still readable as of before the withdrawal
    assert query(published, "SELECT value FROM raw.observations_latest WHERE series_id = 'CPIAUCSL' AND date = ?",
                 [known[0]])[0][0] is None
    assert query(published, "SELECT value FROM raw.observations_as_of(?) WHERE series_id = 'CPIAUCSL' AND date = ?",
                 [withdrawn_on - dt.timedelta(days=1), known[0]])[0][0] == known[1]
    assert warning in query(published, "SELECT status_detail FROM catalog.series WHERE series_id = 'CPIAUCSL'")[0][0]
