"""A FRED that does not answer: the circuit breaker and the refresh's deadline end the refresh early, with a message
that says so, and nothing stored. Before, every request timed out in turn (19 minutes for a cold run) and the run
then failed on an unrelated check. Bounds are on request counts, never on wall time."""

from __future__ import annotations

import re

import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.defs import live
from macro_pipeline.sources.fred_api import FredUnavailable
from macro_pipeline_tests.integration.conftest_fred import (  # noqa: F401 - fixtures are used by name
    fred_server,
    make_fred_source,
)
from macro_pipeline_tests.integration.test_fred_live import live_definitions
from macro_pipeline_tests.support import failure_text, query, sha256_file

pytestmark = pytest.mark.integration
TIMED_OUT = re.compile(r"FRED did not answer \((\d+) of (\d+) requests timed out\)")


@pytest.mark.timeout(60)
def test_the_breaker_opens_when_most_requests_time_out(fred_server, make_fred_source):
    fred_server.inject("stall", endpoint=None, times=100_000)  # no request is answered before the 0.2 s timeout
    source = make_fred_source(timeout_seconds=0.2)
    ids = load_catalog().series_ids()
    with pytest.raises(FredUnavailable) as raised:
        source.fetch(ids, pl.DataFrame())
    message = str(raised.value)
    timed_out, sent = map(int, TIMED_OUT.search(message).groups())
    assert timed_out == sent == fred_server.count()
    # it stopped after a handful of requests, not after every series and retry (over 500 requests here)
    assert source.breaker_min_requests <= sent < source.breaker_min_requests + source.max_retries + 1
    assert f"after trying 2 of {len(ids)} series" in message and "circuit breaker" in message
    assert "Nothing was stored; every series keeps its last good vintage" in message
    assert set(raised.value.failures) == set(ids)


@pytest.mark.timeout(60)
def test_the_deadline_ends_a_slow_refresh(fred_server, make_fred_source):
    # a request that would wait 30 s for an answer is cut at the refresh's 0.5 s deadline; the budget ran out,
    # FRED's own timeout never came, so it is not counted as timed out
    fred_server.inject("stall", endpoint=None, times=100_000)
    source = make_fred_source(timeout_seconds=30.0, deadline_seconds=0.5)
    ids = load_catalog().series_ids()
    with pytest.raises(FredUnavailable) as raised:
        source.fetch(ids, pl.DataFrame())
    message = str(raised.value)
    timed_out, sent = map(int, TIMED_OUT.search(message).groups())
    assert (timed_out, sent) == (0, 1) and fred_server.count() == 1
    assert ("the refresh ran out of its time budget of 0.5 s (setting MACRO_PIPELINE_FRED_DEADLINE_SECONDS)"
            in message)


def test_the_deadline_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("MACRO_PIPELINE_FRED_DEADLINE_SECONDS", "90")
    assert live.fred_source_from_env().deadline_seconds == 90.0
    monkeypatch.delenv("MACRO_PIPELINE_FRED_DEADLINE_SECONDS")
    assert live.fred_source_from_env().deadline_seconds == 600.0


def _stored(data) -> list[tuple]:
    return query(data / "work" / "pipeline.duckdb", "SELECT count(*), max(loaded_at), sum(hash(series_id, date, "
                 "value, realtime_start, realtime_end)) FROM raw.observations")


@pytest.mark.timeout(240)
def test_an_unreachable_fred_fails_the_live_job_with_that_message_and_stores_nothing(fred_server, make_fred_source,
                                                                                   tmp_path):
    import dagster as dg

    data = tmp_path / "data"
    definitions = live_definitions(make_fred_source(timeout_seconds=0.2), data)
    job = definitions.resolve_job_def(live.LIVE_REFRESH_JOB_NAME)
    with dg.DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance, raise_on_error=False).success
        published = data / "macro.duckdb"
        before = (sha256_file(published), _stored(data))
        fred_server.inject("stall", endpoint=None, times=100_000)
        second = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not second.success
    text = failure_text(second)
    assert TIMED_OUT.search(text), text
    assert "as_of" not in text  # not the unrelated check that used to end such a run
    assert (sha256_file(published), _stored(data)) == before
    assert query(published, "SELECT count(*) FROM meta.runs")[0][0] == 1
