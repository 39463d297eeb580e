"""The live FRED refresh: its job, the post-release schedule, the FRED series-updates sensor, and the source."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from macro_pipeline import settings
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.sources import ObservationSource
from macro_pipeline.sources.fred_api import DEFAULT_ROOT_URL, FredApiSource

LIVE_REFRESH_JOB_NAME = "live_refresh_job"
# the sensor looks this far back on its first tick; later ticks start at the cursor
FIRST_TICK_LOOKBACK = dt.timedelta(days=1)


def fred_source_from_env() -> FredApiSource:
    """The FRED API source: key from FRED_API_KEY (resolved by Dagster when a run starts, never stored in code
    or shown in the UI), API root from MACRO_PIPELINE_FRED_ROOT_URL (default FRED's own)."""
    return FredApiSource(api_key=dg.EnvVar(settings.FRED_API_KEY_ENV),
                         root_url=settings.fred_root_url(DEFAULT_ROOT_URL),
                         fetch_vintages=settings.fred_vintages(),
                         deadline_seconds=settings.fred_deadline_seconds())


live_refresh_job = dg.define_asset_job(
    LIVE_REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Refresh from the FRED API (only series whose FRED last_updated changed are downloaded), "
                "validate, rebuild the marts and publish. Runs in process: the multiprocess executor costs "
                "seconds per step.",
    executor_def=dg.in_process_executor,
    tags={"dagster/max_runtime": 3600, "macro_pipeline/source": "fred_api"},
)

# US statistical releases come out at 08:30 New York time (BLS, BEA, Census). The schedule is expressed in New York
# time so Dagster keeps it 45 minutes after the releases across DST: 09:15 EST is 14:15 UTC, 09:15 EDT is 13:15 UTC.
live_refresh_schedule = dg.ScheduleDefinition(
    name="live_refresh_schedule",
    job=live_refresh_job,
    cron_schedule="15 9 * * 1-5",
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Weekdays at 09:15 New York time (after the 08:30 ET releases): incremental refresh from FRED.",
)


@dg.sensor(job=live_refresh_job, minimum_interval_seconds=30 * 60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Asks FRED's series/updates which series changed since the cursor and requests a live "
                       "refresh only when a catalog series is among them.")
def fred_updates_sensor(context: dg.SensorEvaluationContext, source: ObservationSource,
                        catalog: CatalogResource) -> dg.SensorResult | dg.SkipReason:
    if not isinstance(source, FredApiSource):
        return dg.SkipReason(f"the configured source is {type(source).__name__}, not the FRED API "
                             f"(set {settings.SOURCE_ENV}=fred)")
    now = dt.datetime.now(dt.UTC)
    since = _cursor_time(context.cursor) or now - FIRST_TICK_LOOKBACK
    if _refresh_in_flight(context.instance):
        # the cursor stays: updates seen now are picked up by the next tick, after that run
        return dg.SkipReason("a live refresh is queued or running; checking again on the next tick")
    updates = source.updated_series(since, now)
    catalog_ids = set(catalog.load().series_ids())
    wanted = {series_id: stamp for series_id, stamp in updates.items() if series_id in catalog_ids}
    cursor = now.isoformat()
    if not wanted:
        return dg.SensorResult(skip_reason=dg.SkipReason(
            f"{len(updates)} FRED series updated since {since.isoformat()}, none in the catalog"), cursor=cursor)
    ids = sorted(wanted)
    newest = max(wanted.values())
    return dg.SensorResult(
        run_requests=[dg.RunRequest(
            run_key=f"fred-updates {newest} {','.join(ids)}",
            tags={"macro_pipeline/trigger": "fred_series_updates",
                  "macro_pipeline/updated_series": ",".join(ids)[:200]})],
        cursor=cursor)


def _cursor_time(cursor: str | None) -> dt.datetime | None:
    if not cursor:
        return None
    try:
        moment = dt.datetime.fromisoformat(cursor)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _refresh_in_flight(instance: dg.DagsterInstance) -> bool:
    active = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
              dg.DagsterRunStatus.STARTED]
    return bool(instance.get_run_records(dg.RunsFilter(job_name=LIVE_REFRESH_JOB_NAME, statuses=active), limit=1))
