"""The live refresh's Dagster objects against the loopback FRED server: the job end to end, schedule, sensor."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from macro_pipeline import settings
from macro_pipeline.catalog import load_catalog
from macro_pipeline.defs import live
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.sources import SnapshotSource
from macro_pipeline.sources.fred_api import DEFAULT_ROOT_URL, FredApiSource
from macro_pipeline.warehouse import Warehouse
from macro_pipeline_tests.fred_server import SNAPSHOT_DIR, FredTestServer, fred_timestamp
from macro_pipeline_tests.integration.conftest_fred import (  # noqa: F401 - fixtures are used by name
    fred_server,
    make_fred_source,
)

CENTRAL = ZoneInfo("America/Chicago")


def live_definitions(source: FredApiSource, data_dir) -> dg.Definitions:
    from macro_pipeline.definitions import defs

    base = defs()
    return dg.Definitions(
        assets=list(base.assets or []), asset_checks=list(base.asset_checks or []),
        jobs=[live.live_refresh_job], schedules=[live.live_refresh_schedule], sensors=[live.fred_updates_sensor],
        resources={"catalog": CatalogResource(), "source": source, "warehouse": Warehouse(data_dir=str(data_dir))})


@pytest.mark.timeout(180)
def test_live_refresh_job_builds_the_warehouse_from_fred_then_refreshes_incrementally(fred_server, make_fred_source,
                                                                                     tmp_path):
    definitions = live_definitions(make_fred_source(), tmp_path / "data")
    job = definitions.resolve_job_def(live.LIVE_REFRESH_JOB_NAME)
    ids = load_catalog().series_ids()
    known = [s for s in ids if s in fred_server.known_series()]

    with dg.DagsterInstance.ephemeral() as instance:
        first = job.execute_in_process(instance=instance, raise_on_error=False)
        assert first.success
        assert fred_server.counts() == {"series": len(ids), "series/observations": len(known)}
        print(f"\n[requests] live job, first run: {fred_server.counts()}")

        fred_server.add_vintage("CPIAUCSL", fred_server.initial_vintage + dt.timedelta(days=14),
                                {dt.date(2026, 10, 1): 330.0})
        fred_server.reset_log()
        second = job.execute_in_process(instance=instance, raise_on_error=False)
        assert second.success
        assert fred_server.counts() == {"series": len(ids), "series/observations": 1}
        print(f"[requests] live job, second run after a CPIAUCSL release: {fred_server.counts()}")

    log = Warehouse(data_dir=str(tmp_path / "data")).read("raw.fetch_log")
    statuses = dict(zip(log["series_id"], log["status"], strict=True))
    assert statuses["CPIAUCSL"] == "fetched"
    assert {statuses[s] for s in known if s != "CPIAUCSL"} == {"unchanged"}
    assert {statuses[s] for s in ids if s not in known} == {"missing"}
    assert set(log["source"]) == {f"fred_api {dt.datetime.now(dt.UTC).date().isoformat()}"}


def test_schedule_runs_after_the_0830_release_in_new_york_time_across_dst():
    schedule = live.live_refresh_schedule
    assert schedule.cron_schedule == "15 9 * * 1-5"
    assert schedule.execution_timezone == "America/New_York"
    assert schedule.job_name == live.LIVE_REFRESH_JOB_NAME
    new_york = ZoneInfo("America/New_York")
    winter = dt.datetime(2026, 1, 15, 9, 15, tzinfo=new_york).astimezone(dt.UTC)
    summer = dt.datetime(2026, 7, 15, 9, 15, tzinfo=new_york).astimezone(dt.UTC)
    assert (winter.hour, winter.minute) == (14, 15)  # EST, UTC-5
    assert (summer.hour, summer.minute) == (13, 15)  # EDT, UTC-4


def test_live_job_runs_in_process_over_every_asset(tmp_path):
    definitions = live_definitions(FredApiSource(api_key="unused-in-this-test", root_url="http://127.0.0.1:9/fred"),
                                   tmp_path)
    job = definitions.resolve_job_def(live.LIVE_REFRESH_JOB_NAME)
    assert job.executor_def is dg.in_process_executor
    assets = set(definitions.resolve_asset_graph().get_all_asset_keys())
    assert set(job.asset_layer.selected_asset_keys) == assets


# --- sensor -------------------------------------------------------------------------------------------------

def _quiet_history(server: FredTestServer) -> None:
    # the snapshot's stamps are dated the snapshot day; push them a month back so "now" windows start empty
    month_ago = fred_timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    for series_id in server.known_series():
        server.set_last_updated(series_id, month_ago)


def _tick(source, cursor: str | None, instance: dg.DagsterInstance):
    context = dg.build_sensor_context(cursor=cursor, instance=instance,
                                      resources={"source": source, "catalog": CatalogResource()})
    return live.fred_updates_sensor(context)


def test_sensor_requests_a_run_only_when_a_catalog_series_was_updated(fred_server, make_fred_source):
    _quiet_history(fred_server)
    source = make_fred_source()
    now = dt.datetime.now(dt.UTC)
    fred_server.add_series("NOTINCATALOG", [(fred_server.today, {dt.date(2026, 1, 1): 1.0})])
    fred_server.set_last_updated("NOTINCATALOG", now - dt.timedelta(minutes=10))

    with dg.DagsterInstance.ephemeral() as instance:
        first = _tick(source, (now - dt.timedelta(hours=1)).isoformat(), instance)
        assert not first.run_requests
        assert "none in the catalog" in first.skip_reason.skip_message
        request = fred_server.requests("series/updates")[0]
        assert request.params["start_time"] == (now - dt.timedelta(hours=1)).astimezone(CENTRAL).strftime("%Y%m%d%H%M")
        assert first.cursor and dt.datetime.fromisoformat(first.cursor) >= now

        fred_server.set_last_updated("GDP", dt.datetime.now(dt.UTC))
        second = _tick(source, first.cursor, instance)
        (run,) = second.run_requests
        assert run.tags["macro_pipeline/updated_series"] == "GDP"
        assert "GDP" in run.run_key
        assert dt.datetime.fromisoformat(second.cursor) >= dt.datetime.fromisoformat(first.cursor)

        # the same update seen again (overlapping minute) asks for the same run key: Dagster runs it once
        again = _tick(source, first.cursor, instance)
        assert again.run_requests[0].run_key == run.run_key
    assert fred_server.count("series/updates") == 3
    assert fred_server.count() == 3  # the sensor never reads series or observations


def test_sensor_looks_back_a_day_on_its_first_tick(fred_server, make_fred_source):
    _quiet_history(fred_server)
    fred_server.set_last_updated("UNRATE", dt.datetime.now(dt.UTC) - dt.timedelta(hours=20))
    with dg.DagsterInstance.ephemeral() as instance:
        result = _tick(make_fred_source(), None, instance)
    assert result.run_requests[0].tags["macro_pipeline/updated_series"] == "UNRATE"


def test_sensor_waits_while_a_live_refresh_is_in_flight(fred_server, make_fred_source):
    _quiet_history(fred_server)
    fred_server.set_last_updated("GDP", dt.datetime.now(dt.UTC))
    with dg.DagsterInstance.ephemeral() as instance:
        # a run of the live job that has started and not ended (add_run is how a test puts one there)
        instance.add_run(dg.DagsterRun(job_name=live.LIVE_REFRESH_JOB_NAME, run_id=str(uuid.uuid4()),
                                       status=dg.DagsterRunStatus.STARTED))
        result = _tick(make_fred_source(), "2026-01-01T00:00:00+00:00", instance)
    assert isinstance(result, dg.SkipReason) and "queued or running" in result.skip_message
    assert fred_server.count() == 0


def test_sensor_skips_when_the_source_is_the_snapshot():
    with dg.DagsterInstance.ephemeral() as instance:
        result = _tick(SnapshotSource(snapshot_dir=str(SNAPSHOT_DIR)), None, instance)
    assert isinstance(result, dg.SkipReason) and "MACRO_PIPELINE_SOURCE=fred" in result.skip_message


# --- configuration from the environment ---------------------------------------------------------------------

def test_fred_source_from_env_reads_the_root_url_and_leaves_the_key_to_dagster(monkeypatch):
    monkeypatch.delenv(settings.FRED_ROOT_URL_ENV, raising=False)
    assert live.fred_source_from_env().root_url == DEFAULT_ROOT_URL
    monkeypatch.setenv(settings.FRED_ROOT_URL_ENV, "http://127.0.0.1:8080/fred")
    source = live.fred_source_from_env()
    assert source.root_url == "http://127.0.0.1:8080/fred"
    # an EnvVar: the name is configured, the value is read by Dagster when a run starts
    assert source.api_key == "FRED_API_KEY" and isinstance(source.api_key, dg.EnvVar)


@pytest.mark.parametrize(("value", "kind"), [(None, "snapshot"), ("fred", "fred"), (" FRED ", "fred"),
                                              ("snapshot", "snapshot")])
def test_source_kind_from_the_environment(monkeypatch, value, kind):
    if value is None:
        monkeypatch.delenv(settings.SOURCE_ENV, raising=False)
    else:
        monkeypatch.setenv(settings.SOURCE_ENV, value)
    assert settings.source_kind() == kind


def test_an_unknown_source_kind_is_refused(monkeypatch):
    monkeypatch.setenv(settings.SOURCE_ENV, "alfred")
    with pytest.raises(ValueError, match="MACRO_PIPELINE_SOURCE"):
        settings.source_kind()
