"""The Dagster UI for real: dagster-webserver on loopback, queried over GraphQL and rendered in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # loopback only
        return response.read()


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    (home / ".nux").mkdir()
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n")
    data = tmp_path_factory.mktemp("data")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "MACRO_PIPELINE_DATA_DIR": str(data)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
         "-w", str(ROOT / "workspace.yaml")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                _get(url + "/server_info", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "dagster-webserver did not start in 90 s"
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(url + "/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    assert "errors" not in payload, payload
    return payload["data"]


def test_webserver_lists_every_asset_with_group_and_description(webserver: str) -> None:
    data = _graphql(webserver, "{ assetNodes { assetKey { path } groupName description "
                               "jobNames } }")
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert {"raw/observations", "staging/observations", "marts/net_liquidity", "published/indicators",
            "published/macro_duckdb", "catalog/series"} <= set(nodes)
    for name, node in nodes.items():
        assert node["description"], name
        assert "build_warehouse_job" in node["jobNames"], name
    assert nodes["raw/observations"]["groupName"] == "ingest"
    assert "vintage" in nodes["raw/observations"]["description"]


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
             f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1400,900", "--virtual-time-budget=15000"]
    if screenshot is not None:
        subprocess.run([browser, *flags, f"--screenshot={screenshot}", url], capture_output=True, timeout=120)
    done = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    return done.stdout


def test_browser_renders_the_asset_graph_and_an_asset_page(webserver: str, tmp_path: Path) -> None:
    shot = tmp_path / "asset.png"
    dom = _render(webserver + "/assets/raw/observations", tmp_path, screenshot=shot)
    assert "observations" in dom
    assert "Every observation of every catalog series" in dom  # the asset's docstring, shown to analysts
    assert "Join the Dagster community" not in dom  # the pop-up is marked seen in DAGSTER_HOME/.nux
    assert shot.exists() and shot.stat().st_size > 10_000
    jobs = _render(webserver + "/locations/macro_pipeline/jobs/build_warehouse_job", tmp_path)
    assert "build_warehouse_job" in jobs
