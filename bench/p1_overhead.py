"""P1 orchestration overhead: the user's entry point vs the same graph materialized in one Python call.

* entry point: ``macro-pipeline run`` (the README's run command without the installation) as a subprocess, with a
  fresh temporary MACRO_PIPELINE_DATA_DIR and a throwaway DAGSTER_HOME (telemetry off), timed from spawn to exit;
  its own "published ... in X s" line gives the part spent in ``defs()`` + ``execute_in_process``.
* in-process: a fresh interpreter (``python -m bench.p1_overhead --data-dir D``) imports the code location, then
  times one call: ``defs()`` and ``dg.materialize`` of all its assets and checks with the resources ``defs()``
  configures (the same ones the CLI uses), as ``macro_pipeline_tests/support.py::run_pipeline`` does.
* start-up + imports: ``python -c "import macro_pipeline.definitions"`` timed from spawn to exit.

Each is repeated ``REPEATS`` times (fresh data dir each time); medians are reported.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.common import (BIN, PYTHON, REPO, Row, child_env, log, median, run_worker, scratch,
                          throwaway_dagster_home)

REPEATS = 3
GOAL_RATIO = 2.0
GOAL_NOOP_RATIO = 1.5
_PUBLISHED = re.compile(r"^published .* in ([0-9.]+) s \(run ", re.M)


def worker(data_dir: Path, out: Path, warm: bool, persistent: bool) -> None:
    """Runs in a fresh interpreter: import, then time one in-process materialization of the whole graph.

    ``persistent``: record the run in the DAGSTER_HOME instance (sqlite storage), as the CLI does, instead of
    dg.materialize's default ephemeral in-memory instance; this separates the cost of the run history."""
    t_start = time.perf_counter()
    import dagster as dg

    from macro_pipeline.definitions import defs

    imports = time.perf_counter() - t_start

    def once() -> tuple[float, bool, int]:
        started = time.perf_counter()
        definitions = defs()
        assets = [*(definitions.assets or []), *(definitions.asset_checks or [])]
        if persistent:
            with dg.DagsterInstance.get() as instance:
                result = dg.materialize(assets, resources=dict(definitions.resources), raise_on_error=False,
                                        instance=instance)
        else:
            result = dg.materialize(assets, resources=dict(definitions.resources), raise_on_error=False)
        return time.perf_counter() - started, result.success, len(result.get_asset_materialization_events())

    seconds, success, materializations = once()
    record = {"seconds": seconds, "success": success, "materializations": materializations,
              "imports_seconds_in_worker": imports}
    if warm:
        # the same call again in the same interpreter (into a second fresh folder): what a warm process costs
        import os

        os.environ["MACRO_PIPELINE_DATA_DIR"] = str(data_dir.parent / (data_dir.name + "_warm"))
        record["warm_seconds"], record["warm_success"], _ = once()
    out.write_text(json.dumps(record), encoding="utf-8")


def _timed_subprocess(cmd: list[str], env: dict[str, str], timeout: float = 600) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - started, proc


def measure(quick: bool) -> tuple[list[Row], dict]:
    repeats = 1 if quick else REPEATS
    cli = str(BIN / "macro-pipeline")
    runs = {"cli_seconds": [], "cli_reported_execution_seconds": [], "inprocess_seconds": [],
            "inprocess_process_seconds": [], "inprocess_imports_seconds": [], "cli_up_to_date_seconds": [],
            "cli_help_seconds": [],
            "inprocess_persistent_instance_seconds": [],
            "import_seconds": [], "inprocess_warm_seconds": None, "materializations": None}
    with scratch("p1") as tmp:
        for i in range(repeats):
            log(f"P1: repetition {i + 1}/{repeats}: macro-pipeline run, in-process materialize, import ...")
            # exactly the README's run command (minus installing): no DAGSTER_HOME, so no run history on disk
            seconds, proc = _timed_subprocess([cli, "run"], child_env(tmp / f"cli_{i}" / "data", None))
            if proc.returncode != 0:
                raise RuntimeError(f"macro-pipeline run failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n"
                                   f"{proc.stderr[-3000:]}")
            runs["cli_seconds"].append(seconds)
            found = _PUBLISHED.search(proc.stdout)
            if found:
                runs["cli_reported_execution_seconds"].append(float(found.group(1)))

            # the CLI again on the same folder: nothing changed, so it answers "up to date" without building
            seconds, proc = _timed_subprocess([cli, "run"], child_env(tmp / f"cli_{i}" / "data", None))
            if proc.returncode != 0 or "up to date" not in proc.stdout:
                raise RuntimeError(f"the no-op re-run did not report up to date:\n{proc.stdout[-2000:]}")
            runs["cli_up_to_date_seconds"].append(seconds)
            runs["cli_help_seconds"].append(_timed_subprocess([cli, "--help"], child_env())[0])

            data_dir = tmp / f"inproc_{i}" / "data"
            home = throwaway_dagster_home(tmp / f"inproc_{i}")
            started = time.perf_counter()
            record = run_worker("bench.p1_overhead", ["--data-dir", str(data_dir)],
                                tmp / f"inproc_{i}.json", env=child_env(data_dir, home))
            # spawn to exit, imports included: the same process boundary as the CLI
            runs["inprocess_process_seconds"].append(time.perf_counter() - started)
            if not record["success"]:
                raise RuntimeError("the in-process materialization failed")
            runs["inprocess_seconds"].append(record["seconds"])
            runs["inprocess_imports_seconds"].append(record["imports_seconds_in_worker"])
            runs["materializations"] = record["materializations"]
            if "warm_seconds" in record:
                runs["inprocess_warm_seconds"] = record["warm_seconds"]

            data_dir = tmp / f"inproc_sqlite_{i}" / "data"
            home = throwaway_dagster_home(tmp / f"inproc_sqlite_{i}")
            record = run_worker("bench.p1_overhead", ["--data-dir", str(data_dir), "--persistent-instance"],
                                tmp / f"inproc_sqlite_{i}.json", env=child_env(data_dir, home))
            if not record["success"]:
                raise RuntimeError("the in-process materialization with a persistent instance failed")
            runs["inprocess_persistent_instance_seconds"].append(record["seconds"])

            seconds, proc = _timed_subprocess([PYTHON, "-c", "import macro_pipeline.definitions"],
                                              child_env(tmp / "imp" / "data", throwaway_dagster_home(tmp / "imp")))
            if proc.returncode != 0:
                raise RuntimeError(f"import failed: {proc.stderr[-2000:]}")
            runs["import_seconds"].append(seconds)
            log(f"    cli {runs['cli_seconds'][-1]:.2f} s, in-process {runs['inprocess_seconds'][-1]:.2f} s "
                f"(with a sqlite instance {runs['inprocess_persistent_instance_seconds'][-1]:.2f} s), "
                f"import {runs['import_seconds'][-1]:.2f} s")
        _timed_subprocess([PYTHON, "-c", "pass"], child_env())  # warm the interpreter's files once
        bare = [_timed_subprocess([PYTHON, "-c", "pass"], child_env())[0] for _ in range(3)]

    cli, inproc, imp = median(runs["cli_seconds"]), median(runs["inprocess_seconds"]), median(runs["import_seconds"])
    process = median(runs["inprocess_process_seconds"])
    reported = median(runs["cli_reported_execution_seconds"]) if runs["cli_reported_execution_seconds"] else None
    ratio = cli / process
    rest = cli - imp - reported if reported is not None else None
    noop, help_ = median(runs["cli_up_to_date_seconds"]), median(runs["cli_help_seconds"])
    rows = [
        Row("P1", f"macro-pipeline run (subprocess, spawn to exit), median of {repeats}", cli, "s", shown=f"{cli:.2f} s"),
        Row("P1", f"same graph: fresh interpreter, imports + dg.materialize in one call, spawn to exit, median of "
                  f"{repeats}", process, "s",
            shown=f"{process:.2f} s (imports {median(runs['inprocess_imports_seconds']):.2f} s, the call "
                  f"{inproc:.2f} s)"),
        Row("P1", "ratio entry point / in-process (both with imports)", ratio, "×", goal=GOAL_RATIO, goal_op="<=",
            shown=f"{ratio:.2f}×"),
        Row("P1", "  the CLI's own overhead (CLI - in-process process)", cli - process, "s",
            shown=f"{cli - process:+.2f} s"),
        Row("P1", "  split: python start-up + import macro_pipeline.definitions", imp, "s",
            shown=f"{imp:.2f} s ({imp / cli:.0%}; bare interpreter {median(bare):.2f} s)"),
        Row("P1", "re-run with nothing changed ('up to date') / macro-pipeline --help", noop / help_, "×",
            goal=GOAL_NOOP_RATIO, goal_op="<=",
            shown=f"{noop / help_:.2f}× ({noop:.2f} s vs {help_:.2f} s bare start-up)"),
    ]
    persistent = median(runs["inprocess_persistent_instance_seconds"])
    rows.append(Row("P1", "  in-process again, recording the run in a DAGSTER_HOME (sqlite) instance like the CLI",
                    persistent, "s", shown=f"{persistent:.2f} s (+{persistent - inproc:.2f} s for the run history)"))
    if reported is not None:
        rows.append(Row("P1", "  split: execution (defs() + execute_in_process, as the CLI prints it)", reported, "s",
                        shown=f"{reported:.2f} s ({reported / cli:.0%})"))
        rows.append(Row("P1", "  split: the rest (CLI imports beyond definitions, row-count read, exit)", rest, "s",
                        shown=f"{rest:.2f} s ({rest / cli:.0%})"))
    detail = {**runs, "bare_interpreter_seconds": bare, "median_cli_seconds": cli, "median_inprocess_seconds": inproc,
              "median_import_seconds": imp, "median_cli_reported_execution_seconds": reported, "ratio": ratio,
              "median_inprocess_process_seconds": process, "median_cli_up_to_date_seconds": noop,
              "median_cli_help_seconds": help_,
              "goal_ratio_max": GOAL_RATIO, "repeats": repeats,
              "notes": "the CLI records the run in a sqlite instance under DAGSTER_HOME and logs every step through "
                       "its progress logger; dg.materialize uses an ephemeral instance"}
    return rows, detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.p1_overhead", description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--persistent-instance", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    worker(args.data_dir, args.out, args.warm, args.persistent_instance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
