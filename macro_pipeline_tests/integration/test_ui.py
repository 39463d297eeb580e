"""The Dagster UI as the README starts it: `dagster dev` (webserver + daemon) on loopback, driven over GraphQL with
the mutations the UI's buttons send, and rendered in headless Chromium.

One server for the module (starting it takes ~20 s). Its DAGSTER_HOME is a temporary folder holding a copy of the
checked-in `.dagster_home/dagster.yaml`, so the config under test is the one users get, and no run history is
written into the repository. MACRO_PIPELINE_UI_TEST_SCHEDULE=1 adds the every-minute test schedule
(`macro_pipeline/defs/jobs.py`) so that a daemon tick happens within the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from macro_pipeline_tests.support import copy_snapshot, query

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).parents[2]
LOCATION = "macro_pipeline"
REPOSITORY = "__repository__"  # the name Dagster gives the repository of a Definitions object
# Generous bounds that only stop a hung test; nothing here asserts a duration.
START_DEADLINE_S = 180
RUN_DEADLINE_S = 600
TICK_DEADLINE_S = 240


def readme_ui_command() -> list[str]:
    """The command line of the README's "The Dagster UI" section (the line that starts `dagster dev`)."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The Dagster UI", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "no bash block in the README's UI section"
    lines = [line for line in block.group(1).splitlines() if " dev " in f"{line} "]
    assert len(lines) == 1, block.group(1)
    return shlex.split(lines[0])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # loopback only
        return response.read()


@dataclass
class UiServer:
    url: str
    data_dir: Path
    log: Path

    def graphql(self, query_text: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query_text, "variables": variables or {}}).encode()
        request = urllib.request.Request(self.url + "/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:  # loopback only
            payload = json.loads(response.read())
        assert "errors" not in payload, payload
        return payload["data"]


LOCATION_STATUS = """
{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""

INSTANCE_STATUS = """
{ shouldShowNux
  instance { runQueuingSupported runQueueConfig { maxConcurrentRuns }
             daemonHealth { allDaemonStatuses { daemonType required healthy } } } }
"""


def _wait_until_ready(server: UiServer, process: subprocess.Popen) -> None:
    """Webserver answering, the code location loaded, and every required daemon reporting healthy."""
    deadline = time.monotonic() + START_DEADLINE_S
    while True:
        assert process.poll() is None, f"dagster dev exited: {server.log.read_text()[-4000:]}"
        assert time.monotonic() < deadline, f"dagster dev not ready: {server.log.read_text()[-4000:]}"
        try:
            _get(server.url + "/server_info", timeout=2)
            entries = server.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
            daemons = server.graphql(INSTANCE_STATUS)["instance"]["daemonHealth"]["allDaemonStatuses"]
        except OSError:
            time.sleep(1)
            continue
        loaded = [e for e in entries if e["loadStatus"] == "LOADED"]
        required = [d for d in daemons if d["required"]]
        if loaded and required and all(d["healthy"] for d in required):
            return
        time.sleep(1)


def _stop(process: subprocess.Popen) -> None:
    """Ctrl-C as a person would (dagster dev then stops its webserver, daemon and code server), then make sure:
    anything left in the process group is killed, so no test leaves a process behind."""
    group = process.pid  # start_new_session: the group id is the leader's pid
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while True:
        left = [p for p in psutil.process_iter(["pid", "status"])
                if _pgid(p.pid) == group and p.info["status"] != psutil.STATUS_ZOMBIE]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert not left, f"processes left behind: {[p.pid for p in left]}"


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    data_dir = tmp_path_factory.mktemp("data")
    snapshot_dir = copy_snapshot(tmp_path_factory.mktemp("snapshot") / "fred_snapshot")
    port = _free_port()
    command = readme_ui_command()
    command[0] = str(Path(sys.executable).parent / Path(command[0]).name)  # this venv's dagster
    command[command.index("-p") + 1] = str(port)
    env = {**os.environ, "DAGSTER_HOME": str(home), "MACRO_PIPELINE_DATA_DIR": str(data_dir),
           "MACRO_PIPELINE_SNAPSHOT_DIR": str(snapshot_dir), "MACRO_PIPELINE_SOURCE": "snapshot",
           "MACRO_PIPELINE_UI_TEST_SCHEDULE": "1", "PYTHONUNBUFFERED": "1"}
    log = tmp_path_factory.mktemp("logs") / "dagster_dev.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = UiServer(f"http://127.0.0.1:{port}", data_dir, log)
    try:
        _wait_until_ready(server, process)
        yield server
    finally:
        _stop(process)


def test_readme_ui_command_is_dagster_dev_on_loopback_with_the_checked_in_instance() -> None:
    command = readme_ui_command()
    assert Path(command[0]).name == "dagster" and command[1] == "dev", command
    assert command[command.index("-w") + 1] == "workspace.yaml"
    assert command[command.index("-h") + 1] == "127.0.0.1"
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The Dagster UI", 1)[1]
    assert "DAGSTER_HOME=$PWD/.dagster_home" in section
    assert (ROOT / ".dagster_home" / "dagster.yaml").is_file()


def test_location_instance_and_daemon_are_as_configured(ui_server: UiServer) -> None:
    entries = ui_server.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
    assert [(e["name"], e["loadStatus"], e["locationOrLoadError"]["__typename"]) for e in entries] == [
        (LOCATION, "LOADED", "RepositoryLocation")]
    status = ui_server.graphql(INSTANCE_STATUS)
    assert status["shouldShowNux"] is False  # nux disabled in the checked-in dagster.yaml
    instance = status["instance"]
    assert instance["runQueuingSupported"] is True
    assert instance["runQueueConfig"]["maxConcurrentRuns"] == 1
    daemons = {d["daemonType"]: d for d in instance["daemonHealth"]["allDaemonStatuses"]}
    for kind in ("SCHEDULER", "QUEUED_RUN_COORDINATOR", "SENSOR"):
        assert daemons[kind]["required"] and daemons[kind]["healthy"], daemons


def test_webserver_lists_every_asset_with_group_and_description(ui_server: UiServer) -> None:
    data = ui_server.graphql("{ assetNodes { assetKey { path } groupName description jobNames } }")
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert {"raw/observations", "staging/observations", "marts/net_liquidity", "published/indicators",
            "published/macro_duckdb", "catalog/series"} <= set(nodes)
    for name, node in nodes.items():
        assert node["description"], name
        assert "build_warehouse_job" in node["jobNames"], name
    assert "vintage" in nodes["raw/observations"]["description"]


# The UI's "Materialize all" on the asset graph: it picks the job every selected asset shares
# (executionParamsForAssetJob in the webapp) and sends LaunchPipelineExecution with this selector.
ASSETS_FOR_MATERIALIZE = """
query ($location: String!, $repository: String!) {
  repositoryOrError(repositorySelector: {repositoryLocationName: $location, repositoryName: $repository}) {
    ... on Repository { assetNodes { assetKey { path } isMaterializable jobNames
        assetChecksOrError { ... on AssetChecks { checks { name jobNames } } } } } } }
"""

LAUNCH_PIPELINE_EXECUTION = """
mutation LaunchPipelineExecution($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    ... on LaunchRunSuccess { run { id pipelineName } }
    ... on PipelineNotFoundError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message stack }
  }
}
"""

RUN_STATUS = "query ($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status pipelineName } } }"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _materialize_all_params(server: UiServer, location: str) -> dict:
    repo = server.graphql(ASSETS_FOR_MATERIALIZE, {"location": location, "repository": REPOSITORY})
    assets = [a for a in repo["repositoryOrError"]["assetNodes"] if a["isMaterializable"]]
    common = [job for job in assets[0]["jobNames"] if all(job in a["jobNames"] for a in assets)]
    job = common[0]
    checks = [{"assetKey": {"path": a["assetKey"]["path"]}, "name": c["name"]}
              for a in assets for c in a["assetChecksOrError"].get("checks", [])
              if not c["jobNames"] or job in c["jobNames"]]
    return {"mode": "default", "executionMetadata": {"tags": []}, "runConfigData": "{}",
            "selector": {"repositoryLocationName": location, "repositoryName": REPOSITORY,
                         "pipelineName": job, "assetSelection": [{"path": a["assetKey"]["path"]} for a in assets],
                         "assetCheckSelection": checks}}


def _wait_for_run(server: UiServer, run_id: str) -> str:
    deadline = time.monotonic() + RUN_DEADLINE_S
    while True:
        run = server.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]
        assert run["__typename"] == "Run", run
        if run["status"] in FINISHED:
            return run["status"]
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']}: {server.log.read_text()[-4000:]}"
        time.sleep(2)


def test_materialize_all_runs_to_success_through_the_daemon(ui_server: UiServer) -> None:
    params = _materialize_all_params(ui_server, LOCATION)
    assert params["selector"]["pipelineName"] in {"__ASSET_JOB", "build_warehouse_job"}
    assert len(params["selector"]["assetSelection"]) >= 10 and params["selector"]["assetCheckSelection"]
    launched = ui_server.graphql(LAUNCH_PIPELINE_EXECUTION, {"executionParams": params})["launchPipelineExecution"]
    assert "run" in launched, launched
    # The queued-run coordinator (part of the daemon) dequeues it; without a daemon it would stay QUEUED.
    assert _wait_for_run(ui_server, launched["run"]["id"]) == "SUCCESS", ui_server.log.read_text()[-4000:]
    published = ui_server.data_dir / "macro.duckdb"
    assert query(published, "SELECT count(*) FROM published.indicators")[0][0] > 0


def test_materialize_under_another_location_name_is_refused(ui_server: UiServer) -> None:
    """The old second name (the module path) must not exist: a run queued under it would fail later."""
    params = _materialize_all_params(ui_server, LOCATION)
    params["selector"]["repositoryLocationName"] = "macro_pipeline.definitions"
    launched = ui_server.graphql(LAUNCH_PIPELINE_EXECUTION, {"executionParams": params})["launchPipelineExecution"]
    assert "run" not in launched
    assert "macro_pipeline.definitions" in launched["message"], launched


START_SCHEDULE = """
mutation StartThisSchedule($scheduleSelector: ScheduleSelector!) {
  startSchedule(scheduleSelector: $scheduleSelector) {
    ... on ScheduleStateResult { scheduleState { id status } }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""

STOP_SCHEDULE = """
mutation StopSchedule($id: String!) {
  stopRunningSchedule(id: $id) {
    ... on ScheduleStateResult { scheduleState { id status } }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""

SCHEDULE_TICKS = """
query ($selector: ScheduleSelector!) {
  scheduleOrError(scheduleSelector: $selector) {
    __typename
    ... on Schedule { scheduleState { status ticks(limit: 10) { status runIds error { message } } } }
  }
}
"""


def test_schedule_turned_on_is_ticked_by_the_daemon_and_its_run_succeeds(ui_server: UiServer) -> None:
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY,
                "scheduleName": "ui_test_every_minute_schedule"}
    before = ui_server.graphql(SCHEDULE_TICKS, {"selector": selector})["scheduleOrError"]
    assert before["__typename"] == "Schedule", before
    assert before["scheduleState"]["status"] == "STOPPED" and before["scheduleState"]["ticks"] == []

    started = ui_server.graphql(START_SCHEDULE, {"scheduleSelector": selector})["startSchedule"]
    assert started.get("scheduleState", {}).get("status") == "RUNNING", started
    try:
        deadline = time.monotonic() + TICK_DEADLINE_S
        while True:
            state = ui_server.graphql(SCHEDULE_TICKS, {"selector": selector})["scheduleOrError"]["scheduleState"]
            failed = [t for t in state["ticks"] if t["status"] == "FAILURE"]
            assert not failed, failed
            ticked = [t for t in state["ticks"] if t["status"] == "SUCCESS" and t["runIds"]]
            if ticked:
                break
            assert time.monotonic() < deadline, f"no tick: {state} {ui_server.log.read_text()[-4000:]}"
            time.sleep(2)
    finally:
        stopped = ui_server.graphql(STOP_SCHEDULE, {"id": started["scheduleState"]["id"]})["stopRunningSchedule"]
        assert stopped["scheduleState"]["status"] == "STOPPED", stopped
    assert _wait_for_run(ui_server, ticked[0]["runIds"][0]) == "SUCCESS", ui_server.log.read_text()[-4000:]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _render(url: str, tmp_path: Path, screenshot: Path | None = None) -> str:
    browser = _chromium()
    if browser is None:
        if os.environ.get("MACRO_PIPELINE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (apt-get install -y chromium) but not installed")
        pytest.skip("Debian chromium is not installed (CI installs it: see .ci/run)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1400,900", "--virtual-time-budget=20000"]
    if screenshot is not None:
        subprocess.run([browser, *flags, f"--screenshot={screenshot}", url], capture_output=True, timeout=120,
                       check=False)
    done = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120,
                          check=False)
    return done.stdout


def test_browser_renders_an_asset_page(ui_server: UiServer, tmp_path: Path) -> None:
    shot = tmp_path / "asset.png"
    dom = _render(ui_server.url + "/assets/raw/observations", tmp_path, screenshot=shot)
    assert "Every observation of every catalog series" in dom  # the asset's docstring, shown to analysts
    assert "Join the Dagster community" not in dom  # nux disabled in the checked-in dagster.yaml
    assert shot.exists() and shot.stat().st_size > 10_000


JOB_NOT_FOUND = "not found"  # the error page: "Pipeline not found" / "Could not find ..." headings


def test_browser_renders_the_job_graph_under_the_location_name(ui_server: UiServer, tmp_path: Path) -> None:
    nodes = ui_server.graphql("{ assetNodes { groupName jobNames } }")["assetNodes"]
    in_job = [n for n in nodes if "build_warehouse_job" in n["jobNames"]]
    shot = tmp_path / "ui_job_page.png"
    dom = _render(f"{ui_server.url}/locations/{LOCATION}/jobs/build_warehouse_job", tmp_path, screenshot=shot)
    (tmp_path / "ui_job_page.html").write_text(dom, encoding="utf-8")
    assert JOB_NOT_FOUND not in dom.lower(), dom[-2000:]
    # what only the real job page draws: the job's description, its asset count, the Materialize button and its
    # asset graph (one box per asset group at this size; the graph draws only the boxes in view, so at least one)
    assert "Fetch every series, validate, build the marts" in dom
    assert f"View {len(in_job)} assets" in dom
    assert "Materialize all" in dom
    drawn = {n["groupName"] for n in in_job if f">{n['groupName']}<" in dom}
    assert drawn, "no asset group box drawn"
    assert shot.exists() and shot.stat().st_size > 10_000
    print(f"job page screenshot: {shot}; groups drawn: {sorted(drawn)}")


def test_browser_shows_the_error_page_under_the_old_location_name(ui_server: UiServer, tmp_path: Path) -> None:
    """The check above can fail: under the module-path name the same URL is the error page."""
    dom = _render(f"{ui_server.url}/locations/macro_pipeline.definitions/jobs/build_warehouse_job", tmp_path)
    assert JOB_NOT_FOUND in dom.lower(), dom[-2000:]
    assert "Fetch every series, validate, build the marts" not in dom
    assert "Materialize all" not in dom
