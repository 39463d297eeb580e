"""P4 analyst latency: the ready-made analyst queries and two point queries on the published file, read-only.

(a) idle, then (b) while ``macro-pipeline run`` subprocesses rebuild and publish the same file in a loop (the
reader keeps going until at least two publishes have landed during its measurement). Two reader styles, each in
its own interpreter (a process holding a connection to a path gets DuckDB's cached old database from every new
``connect()``, so the styles must not share a process):

* per-query: every query opens its own ``duckdb.connect(file, read_only=True)``, runs, fetches everything and
  closes, as analysts' tools do; the latency includes the open;
* held: one read-only connection opened before the measurement and reused (its latency excludes the open; it
  keeps seeing the file it opened, so it does not see new publishes — reported as 'publishes seen').

Latencies are per query (p50/p95 in ms); every exception is counted as an error with its message.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import (BIN, REPO, Row, child_env, log, percentile, run_worker, scratch, throwaway_dagster_home)

GOAL_P50_MS = 20.0
POINT_QUERIES = {
    "point: one series from raw.observations_latest":
        "SELECT date, value FROM raw.observations_latest WHERE series_id = 'WALCL' ORDER BY date",
    "point: one series from raw.observations_as_of":
        "SELECT date, value FROM raw.observations_as_of(DATE '2026-12-01') WHERE series_id = 'GDP' ORDER BY date",
}
IDLE_ROUNDS, IDLE_ROUNDS_QUICK = 25, 8
PAUSE_BETWEEN_QUERIES = 0.005
MAX_LOAD_SECONDS = 180
MIN_PUBLISHES = 2


def queries() -> dict[str, str]:
    out = {f"sql/analyst/{p.name}": p.read_text(encoding="utf-8") for p in sorted((REPO / "sql" / "analyst").glob("*.sql"))}
    out.update(POINT_QUERIES)
    return out


# ---------------------------------------------------------------------------------------------------------------
# reader worker (its own interpreter)


def reader(path: Path, mode: str, rounds: int | None, stop_file: Path | None, ready_file: Path | None,
           max_seconds: float, out: Path) -> None:
    import duckdb

    qs = queries()
    lat: dict[str, list[float]] = {name: [] for name in qs}
    connect_ms: list[float] = []
    memory_connect_ms: list[float] = []  # the floor: a new in-memory database, no file at all
    errors: list[dict] = []
    seen_runs: list[str] = []
    held = duckdb.connect(str(path), read_only=True) if mode == "held" else None
    if ready_file is not None:
        ready_file.write_text(str(time.time()), encoding="utf-8")
    started_wall, started = time.time(), time.perf_counter()
    done = 0
    try:
        while True:
            if rounds is not None and done >= rounds:
                break
            if stop_file is not None and stop_file.exists():
                break
            if time.perf_counter() - started > max_seconds:
                break
            for name, sql in qs.items():
                t0 = time.perf_counter()
                try:
                    if held is None:
                        con = duckdb.connect(str(path), read_only=True)
                        connect_ms.append((time.perf_counter() - t0) * 1000)
                        try:
                            rows = con.execute(sql).fetchall()
                        finally:
                            con.close()
                    else:
                        rows = held.execute(sql).fetchall()
                    lat[name].append((time.perf_counter() - t0) * 1000)
                    if name.endswith("run_history.sql") and rows:
                        run_id = rows[0][0]
                        if not seen_runs or seen_runs[-1] != run_id:
                            seen_runs.append(run_id)
                except Exception as err:  # noqa: BLE001 - every failure is counted, none stops the reader
                    errors.append({"query": name, "at": time.time(), "type": type(err).__name__,
                                   "message": str(err)[:300]})
                time.sleep(PAUSE_BETWEEN_QUERIES)
            if held is None:
                t0 = time.perf_counter()
                duckdb.connect(":memory:").close()
                memory_connect_ms.append((time.perf_counter() - t0) * 1000)
            done += 1
    finally:
        if held is not None:
            held.close()
    out.write_text(json.dumps({"mode": mode, "rounds": done, "started_wall": started_wall, "ended_wall": time.time(),
                               "latency_ms": lat, "connect_ms": connect_ms,
                               "memory_connect_ms": memory_connect_ms, "errors": errors,
                               "run_ids_seen": seen_runs}), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# the writer loop (threads in the bench process, each run a subprocess)


class PublishLoop:
    def __init__(self, data_dir: Path, home: Path):
        self.env = child_env(data_dir, home)
        self.runs: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def run_once(self) -> dict:
        started = time.time()
        # --force: the same inputs again would otherwise be "up to date" and publish nothing
        proc = subprocess.run([str(BIN / "macro-pipeline"), "run", "--force"], cwd=REPO, env=self.env,
                              capture_output=True, text=True, timeout=600)
        record = {"started_wall": started, "ended_wall": time.time(), "returncode": proc.returncode,
                  "stderr_tail": proc.stderr[-1500:] if proc.returncode else ""}
        self.runs.append(record)
        return record

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=660)

    def publishes_between(self, start_wall: float, end_wall: float) -> int:
        return sum(1 for r in self.runs if r["returncode"] == 0 and start_wall <= r["ended_wall"] <= end_wall)


def measure(quick: bool) -> tuple[list[Row], dict]:
    rounds = IDLE_ROUNDS_QUICK if quick else IDLE_ROUNDS
    results: dict[str, dict] = {}
    with scratch("p4") as tmp:
        data_dir = tmp / "data"
        published = data_dir / "macro.duckdb"
        loop = PublishLoop(data_dir, throwaway_dagster_home(tmp))
        log("P4: publishing the file once (macro-pipeline run) ...")
        first = loop.run_once()
        if first["returncode"] != 0:
            raise RuntimeError(f"macro-pipeline run failed: {first['stderr_tail']}")
        for mode in ("per_query", "held"):
            log(f"P4: idle, {mode} connection, {rounds} rounds of {len(queries())} queries ...")
            results[f"idle/{mode}"] = run_worker(
                "bench.p4_latency", ["--file", str(published), "--mode", mode, "--rounds", str(rounds)],
                tmp / f"idle_{mode}.json")
        log("P4: under load: macro-pipeline run in a loop ...")
        loop.start()
        try:
            for mode in ("per_query", "held"):
                stop_file, ready_file = tmp / f"stop_{mode}", tmp / f"ready_{mode}"
                out = tmp / f"load_{mode}.json"
                cmd = [sys.executable, "-m", "bench.p4_latency", "--file", str(published), "--mode", mode,
                       "--stop-file", str(stop_file), "--ready-file", str(ready_file),
                       "--max-seconds", str(MAX_LOAD_SECONDS), "--out", str(out)]
                proc = subprocess.Popen(cmd, cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                deadline = time.time() + MAX_LOAD_SECONDS + 60
                while not ready_file.exists() and proc.poll() is None and time.time() < deadline:
                    time.sleep(0.1)
                begin = time.time()
                while proc.poll() is None and time.time() < deadline:
                    if loop.publishes_between(begin, time.time()) >= MIN_PUBLISHES:
                        break
                    time.sleep(0.25)
                stop_file.touch()
                stdout, stderr = proc.communicate(timeout=120)
                if proc.returncode != 0 or not out.exists():
                    raise RuntimeError(f"reader failed: {stderr[-3000:]}")
                record = json.loads(out.read_text(encoding="utf-8"))
                record["publishes_during"] = loop.publishes_between(record["started_wall"], record["ended_wall"])
                results[f"load/{mode}"] = record
                log(f"    {mode}: {record['rounds']} rounds, {record['publishes_during']} publishes during, "
                    f"{len(record['errors'])} errors")
        finally:
            log("P4: waiting for the last writer run to finish ...")
            loop.stop()
    writer_failures = [r for r in loop.runs if r["returncode"] != 0]
    return _rows(results, writer_failures), {"runs": results, "writer_runs": loop.runs,
                                             "goal_p50_ms_max": GOAL_P50_MS, "queries": queries()}


def _summary(record: dict) -> dict[str, dict]:
    out = {}
    for name, values in record["latency_ms"].items():
        if values:
            out[name] = {"n": len(values), "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95),
                         "max_ms": max(values)}
        else:
            out[name] = {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}
    return out


def _rows(results: dict[str, dict], writer_failures: list[dict]) -> list[Row]:
    rows: list[Row] = []
    for key, record in results.items():
        record["summary"] = _summary(record)
        if record["connect_ms"]:
            record["connect_p50_ms"] = percentile(record["connect_ms"], 50)
    labels = {"idle": "P4a idle", "load": "P4b publishing"}
    for condition in ("idle", "load"):
        record = results[f"{condition}/per_query"]
        for name, s in record["summary"].items():
            shown = (f"p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms (n={s['n']})" if s["n"] else "no sample")
            rows.append(Row(labels[condition], f"own connection: {name}", s["p50_ms"], "ms", goal=GOAL_P50_MS,
                            goal_op="<=", shown=shown))
        if record.get("connect_ms"):
            c50, c95 = percentile(record["connect_ms"], 50), percentile(record["connect_ms"], 95)
            typical = statistics.median([s["p50_ms"] for s in record["summary"].values() if s["n"]])
            rows.append(Row(labels[condition], "own connection: of which duckdb.connect(read_only=True)", c50, "ms",
                            shown=f"p50 {c50:.1f} ms, p95 {c95:.1f} ms ({c50 / typical:.0%} of the median "
                                  f"query's p50 {typical:.1f} ms)"))
            if record.get("memory_connect_ms"):  # measured beside the file's connect, in the same reader
                m50 = percentile(record["memory_connect_ms"], 50)
                rows.append(Row(labels[condition],
                                "own connection: DuckDB's floor, duckdb.connect(':memory:') (no file)", m50, "ms",
                                shown=f"p50 {m50:.1f} ms: opening the published file adds {c50 - m50:.1f} ms to "
                                      "what any new DuckDB database costs here"))
        held = results[f"{condition}/held"]["summary"]
        worst_name, worst = max(((n, s) for n, s in held.items() if s["n"]), key=lambda x: x[1]["p50_ms"])
        worst95 = max(s["p95_ms"] for s in held.values() if s["n"])
        rows.append(Row(labels[condition], "held connection: slowest query's p50 (all queries)", worst["p50_ms"], "ms",
                        goal=GOAL_P50_MS, goal_op="<=",
                        shown=f"p50 {worst['p50_ms']:.1f} ms ({worst_name.split('/')[-1]}), worst p95 {worst95:.1f} ms"))
    load_pq, load_held = results["load/per_query"], results["load/held"]
    rows.append(Row("P4b publishing", "publishes during the measurement (own conn. / held conn.)",
                    min(load_pq["publishes_during"], load_held["publishes_during"]), "", goal=MIN_PUBLISHES,
                    goal_op=">=", shown=f"{load_pq['publishes_during']} / {load_held['publishes_during']} "
                                        f"(run ids seen by the reader: {len(load_pq['run_ids_seen'])} / "
                                        f"{len(load_held['run_ids_seen'])})"))
    errors = sum(len(r["errors"]) for r in results.values())
    total = sum(sum(len(v) for v in r["latency_ms"].values()) for r in results.values()) + errors
    kinds = sorted({f"{e['type']}: {e['message'][:80]}" for r in results.values() for e in r["errors"]})
    rows.append(Row("P4", "query errors (all conditions and styles)", errors, "", goal=0, goal_op="<=",
                    shown=f"{errors} of {total} queries" + (f" ({'; '.join(kinds[:3])})" if kinds else ""),
                    extra={"kinds": kinds}))
    if writer_failures:
        rows.append(Row("P4", "writer runs that failed", len(writer_failures), "", goal=0, goal_op="<=",
                        shown=f"{len(writer_failures)}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.p4_latency", description=__doc__)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--mode", choices=("per_query", "held"), required=True)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--stop-file", type=Path)
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--max-seconds", type=float, default=MAX_LOAD_SECONDS)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    reader(args.file, args.mode, args.rounds, args.stop_file, args.ready_file, args.max_seconds, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
