"""Jobs and schedules: the whole graph, run in process."""

import os

import dagster as dg

BUILD_WAREHOUSE_JOB_NAME = "build_warehouse_job"

build_warehouse_job = dg.define_asset_job(
    BUILD_WAREHOUSE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Fetch every series, validate, build the marts and indicators, and publish data/macro.duckdb "
                "atomically. Runs in process: the multiprocess executor costs seconds per step.",
    executor_def=dg.in_process_executor,
    tags={"dagster/max_runtime": 1800},
)

# The snapshot does not change by itself; the daily rebuild re-derives everything so a code or catalog change
# reaches the published file within a day. 11:00 UTC is after the 08:30 ET releases in both EST and EDT.
build_warehouse_schedule = dg.ScheduleDefinition(
    name="build_warehouse_schedule",
    job=build_warehouse_job,
    cron_schedule="0 11 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Daily rebuild and publish of the warehouse from the configured source.",
)

# Only for the UI test (macro_pipeline_tests/integration/test_ui.py), which turns it on and waits for the daemon
# to tick it: the daily schedule would not tick within a test. Added to the location only when
# MACRO_PIPELINE_UI_TEST_SCHEDULE=1; never set it for real use.
UI_TEST_SCHEDULE_ENV = "MACRO_PIPELINE_UI_TEST_SCHEDULE"

ui_test_every_minute_schedule = dg.ScheduleDefinition(
    name="ui_test_every_minute_schedule",
    job=build_warehouse_job,
    cron_schedule="* * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description=f"Test only (present when {UI_TEST_SCHEDULE_ENV}=1): build_warehouse_job every minute, so a test "
                "can check that the daemon ticks a schedule turned on in the UI.",
)


def ui_test_schedules() -> list[dg.ScheduleDefinition]:
    """The every-minute schedule when MACRO_PIPELINE_UI_TEST_SCHEDULE=1 (read when the location loads), else none."""
    return [ui_test_every_minute_schedule] if os.environ.get(UI_TEST_SCHEDULE_ENV) == "1" else []
