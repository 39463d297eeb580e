"""P5 start-up: import time of the code location, and the Dagster UI's load time of it.

* ``python -X importtime -c "import macro_pipeline.definitions"``: wall time of the process, the sum of the
  modules' own import times, the top 5 modules by cumulative time outside macro_pipeline (inside it the top is
  just the chain definitions -> sources -> schemas ...), and the exclusive import time per top-level package.
* ``dagster-webserver -h 127.0.0.1 -p <free port> -w workspace.yaml`` with a throwaway DAGSTER_HOME: time from
  spawn until ``/server_info`` answers 200, and until the GraphQL query ``{ assetNodes { assetKey { path } } }``
  returns the assets; then SIGTERM (and the time it takes to exit).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import defaultdict

from bench.common import (BIN, PYTHON, REPO, Row, child_env, free_port, log, median, scratch,
                          throwaway_dagster_home)

REPEATS = 3
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")
GRAPHQL_QUERY = "{ assetNodes { assetKey { path } } }"
UI_TIMEOUT = 120
CHILD_GRACE = 10.0


HEAVY_PACKAGES = ("dagster", "duckdb", "polars", "pandera", "pandas", "pyarrow", "numpy")


def importtime_once(env: dict[str, str], module: str = "macro_pipeline.definitions") -> dict:
    started = time.perf_counter()
    proc = subprocess.run([PYTHON, "-X", "importtime", "-c", f"import {module}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"import failed: {proc.stderr[-2000:]}")
    entries = []
    for line in proc.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            entries.append({"module": m.group(4), "self_us": int(m.group(1)), "cumulative_us": int(m.group(2)),
                            "depth": len(m.group(3)) // 2})
    total_self = sum(e["self_us"] for e in entries) / 1e6
    outside = [e for e in entries if not e["module"].startswith("macro_pipeline")]
    top_cum = sorted(outside, key=lambda e: e["cumulative_us"], reverse=True)[:5]
    by_package: dict[str, int] = defaultdict(int)
    for e in entries:
        by_package[e["module"].split(".")[0]] += e["self_us"]
    top_packages = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:8]
    target = next((e for e in entries if e["module"] == module), None)
    return {"module": module, "wall_seconds": wall, "sum_self_seconds": total_self,
            "heavy_packages_imported": sorted(set(by_package) & set(HEAVY_PACKAGES)),
            "definitions_cumulative_seconds": target["cumulative_us"] / 1e6 if target else None,
            "modules": len(entries),
            "top5_cumulative_outside_macro_pipeline": [
                {"module": e["module"], "cumulative_seconds": e["cumulative_us"] / 1e6} for e in top_cum],
            "exclusive_seconds_by_package": [{"package": p, "seconds": us / 1e6} for p, us in top_packages]}


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, b""
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, b""


def _graphql(url: str, query: str, timeout: float = 10.0) -> dict | None:
    req = urllib.request.Request(url, data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return json.loads(resp.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError):
        return None


def webserver_once(tmp) -> dict:
    port = free_port()
    home = throwaway_dagster_home(tmp)
    env = child_env(tmp / "data", home)
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w",
                             "workspace.yaml"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    record: dict = {"port": port}
    try:
        deadline = started + UI_TIMEOUT
        while time.perf_counter() < deadline and proc.poll() is None:
            status, body = _get(f"{base}/server_info")
            if status == 200:
                record["server_info_seconds"] = time.perf_counter() - started
                record["server_info"] = json.loads(body or b"{}")
                break
            time.sleep(0.05)
        while time.perf_counter() < deadline and proc.poll() is None:
            answer = _graphql(f"{base}/graphql", GRAPHQL_QUERY)
            nodes = ((answer or {}).get("data") or {}).get("assetNodes") or []
            if nodes:
                record["assets_seconds"] = time.perf_counter() - started
                record["asset_count"] = len(nodes)
                break
            time.sleep(0.1)
        if "assets_seconds" not in record:
            record["error"] = f"the UI did not list the assets within {UI_TIMEOUT} s (exit {proc.poll()})"
    finally:
        stop_started = time.perf_counter()
        children = _children(proc.pid)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
            record["sigterm_exit_seconds"] = time.perf_counter() - stop_started
            record["exit_code"] = proc.returncode
        except subprocess.TimeoutExpired:
            record["sigterm_exit_seconds"] = None
            proc.kill()
            proc.wait(timeout=10)
        # the code server the webserver started: give it CHILD_GRACE seconds to follow its parent, then stop it
        # ourselves (these are processes this benchmark started, addressed by pid)
        record["children"] = len(children)
        grace_started = time.perf_counter()
        alive = _alive(children)
        while alive and time.perf_counter() - grace_started < CHILD_GRACE:
            time.sleep(0.1)
            alive = _alive(alive)
        record["children_exit_seconds_after_parent"] = (None if alive else time.perf_counter() - grace_started)
        record["children_left_after_grace"] = len(alive)
        for pid in alive:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        if proc.stderr is not None:
            proc.stderr.close()
    return record


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            import psutil

            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except Exception:  # noqa: BLE001 - gone
            continue
    return alive


def _children(pid: int) -> list[int]:
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except Exception:  # noqa: BLE001
        return []


def measure(quick: bool) -> tuple[list[Row], dict]:
    repeats = 1 if quick else REPEATS
    imports, cli_imports, uis = [], [], []
    with scratch("p5") as tmp:
        env = child_env(tmp / "data", throwaway_dagster_home(tmp / "imp"))
        for i in range(repeats):
            log(f"P5: import time {i + 1}/{repeats} ...")
            imports.append(importtime_once(env))
            cli_imports.append(importtime_once(env, "macro_pipeline.cli"))
        for i in range(repeats):
            log(f"P5: dagster-webserver load {i + 1}/{repeats} ...")
            uis.append(webserver_once(tmp / f"ui_{i}"))
            log(f"    /server_info {uis[-1].get('server_info_seconds', float('nan')):.2f} s, assets "
                f"{uis[-1].get('assets_seconds', float('nan')):.2f} s")
    wall = median([r["wall_seconds"] for r in imports])
    total_self = median([r["sum_self_seconds"] for r in imports])
    typical = min(imports, key=lambda r: abs(r["wall_seconds"] - wall))
    top5 = ", ".join(f"{e['module']} {e['cumulative_seconds']:.2f}" for e in
                     typical["top5_cumulative_outside_macro_pipeline"])
    packages = ", ".join(f"{e['package']} {e['seconds']:.2f}" for e in typical["exclusive_seconds_by_package"][:5])
    rows = [
        Row("P5", f"import macro_pipeline.definitions: process wall time (-X importtime), median of {repeats}",
            wall, "s", shown=f"{wall:.2f} s (sum of module self times {total_self:.2f} s, "
                             f"{typical['modules']} modules)"),
        Row("P5", "  top 5 modules by cumulative import time (outside macro_pipeline), s", None,
            shown=top5, note="", extra={"info": True}),
        Row("P5", "  exclusive import time by package (top 5), s", None, shown=packages, extra={"info": True}),
    ]
    cli_wall = median([r["wall_seconds"] for r in cli_imports])
    cli_heavy = sorted({p for r in cli_imports for p in r["heavy_packages_imported"]})
    rows.append(Row("P5", f"import macro_pipeline.cli (the command before a run starts), median of {repeats}",
                    cli_wall, "s", shown=f"{cli_wall:.2f} s; of {', '.join(HEAVY_PACKAGES)} it imports: "
                                         f"{', '.join(cli_heavy) or 'none'}"))
    ok = [u for u in uis if "assets_seconds" in u]
    if ok:
        srv = median([u["server_info_seconds"] for u in ok])
        assets = median([u["assets_seconds"] for u in ok])
        stop = [u["sigterm_exit_seconds"] for u in ok if u.get("sigterm_exit_seconds") is not None]
        rows.append(Row("P5", f"dagster-webserver: spawn -> /server_info answers, median of {len(ok)}", srv, "s",
                        shown=f"{srv:.2f} s"))
        rows.append(Row("P5", "dagster-webserver: spawn -> GraphQL assetNodes lists the assets", assets, "s",
                        shown=f"{assets:.2f} s ({ok[0]['asset_count']} assets)"))
        left = sum(u.get("children_left_after_grace", 0) for u in ok)
        follow = [u["children_exit_seconds_after_parent"] for u in ok
                  if u.get("children_exit_seconds_after_parent") is not None]
        rows.append(Row("P5", "dagster-webserver: SIGTERM -> exit (and its code server after it)",
                        median(stop) if stop else None, "s",
                        shown=(f"{median(stop):.2f} s" if stop else "did not exit in 30 s") +
                        (f"; code server gone {median(follow):.2f} s later" if follow else "") +
                        (f"; {left} code server(s) still running {CHILD_GRACE:.0f} s later" if left else "")))
    else:
        rows.append(Row("P5", "dagster-webserver load", None, note=uis[0].get("error", "failed")))
    for row in rows:
        if row.extra.get("info"):
            row.value = 0.0  # informational text rows: shown, no goal
    return rows, {"importtime": imports, "importtime_cli": cli_imports, "webserver": uis}
