"""``python -m bench [--quick] [--only P1,P4]``: measure, print the table, write bench/results/latest.json."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

from bench import p1_overhead, p2_scale, p3_live, p4_latency, p5_startup
from bench.common import (RESULTS_DIR, Row, busy_cpu_elsewhere, git_facts, load_average, log, machine_facts,
                          now_iso, render_table)

MEASURES = {
    "P1": ("orchestration overhead", p1_overhead.measure),
    "P2": ("scale", p2_scale.measure),
    "P3": ("live ingest", p3_live.measure),
    "P4": ("analyst latency", p4_latency.measure),
    "P5": ("start-up", p5_startup.measure),
}
ORDER = ("P1", "P2", "P3", "P4", "P5")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes for a smoke run (P2 at 100 and 1,000 series, one repetition, "
                             "P3 without the rate limit)")
    parser.add_argument("--only", default="", help="comma-separated measures to run, e.g. P1,P4 (default: all)")
    parser.add_argument("--p2-sizes", default="",
                        help="P2's catalog sizes, e.g. 100,1000 (default: 100,1000,10000,100000; --quick: "
                             "100,1000); above 10000 the real path alone, once")
    parser.add_argument("--p2-repeats", type=int, default=0,
                        help="P2's repetitions per size and implementation (default 3; --quick: 1)")
    parser.add_argument("--p2-repeats-10k", type=int, default=0,
                        help="P2's repetitions at 10,000 series and more (default: as --p2-repeats)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "latest.json",
                        help="where to write the JSON results (default: %(default)s)")
    args = parser.parse_args(argv)
    selected = [m.strip().upper() for m in args.only.split(",") if m.strip()] or list(ORDER)
    unknown = [m for m in selected if m not in MEASURES]
    if unknown:
        parser.error(f"unknown measure(s) {unknown}; choose from {', '.join(ORDER)}")

    started = time.perf_counter()
    report: dict = {"started_at": now_iso(), "quick": args.quick, "selected": selected, "machine": machine_facts(),
                    "git": git_facts(), "measures": {}}
    log(f"bench: {', '.join(selected)}{' (quick)' if args.quick else ''} on {report['machine']['cores_logical']} "
        f"cores, {report['machine']['ram_gib']} GiB, python {report['machine']['python']}")
    all_rows: list[Row] = []
    failed = False
    for key in ORDER:
        if key not in selected:
            continue
        title, measure = MEASURES[key]
        other = busy_cpu_elsewhere(1.0)
        load_before = load_average()
        if other > 0.5:
            log(f"bench: note: other processes use {other:.1f} of the cores right now; timings of {key} will "
                f"be slower than on an idle machine")
        t0 = time.perf_counter()
        try:
            if key == "P2" and (args.p2_sizes or args.p2_repeats or args.p2_repeats_10k):
                sizes = tuple(int(x) for x in args.p2_sizes.split(",") if x.strip()) or None
                rows, detail = p2_scale.measure(args.quick, sizes, args.p2_repeats or None,
                                                args.p2_repeats_10k or None)
            else:
                rows, detail = measure(args.quick)
            error = None
        except Exception as err:  # noqa: BLE001 - one broken measure must not hide the others
            failed = True
            error = f"{type(err).__name__}: {err}"
            log(f"bench: {key} failed: {error}\n{traceback.format_exc()}")
            rows, detail = [Row(key, f"{title}: FAILED", None, note=error.splitlines()[0][:120])], {}
        seconds = time.perf_counter() - t0
        report["measures"][key] = {"title": title, "seconds": seconds, "error": error,
                                   "other_processes_cores_before": round(other, 2),
                                   "load_average_before": load_before, "load_average_after": load_average(),
                                   "rows": [r.to_json() for r in rows], "detail": detail}
        all_rows.extend(rows)
        log(f"bench: {key} done in {seconds:.0f} s")
    report["total_seconds"] = time.perf_counter() - started
    report["finished_at"] = now_iso()
    report["table"] = render_table(all_rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    contention = {k: v["other_processes_cores_before"] for k, v in report["measures"].items()}
    print()
    print(report["table"])
    print(f"\n{len(all_rows)} rows in {report['total_seconds']:.0f} s; commit {str(report['git']['commit'])[:12]}"
          f"{' + uncommitted pipeline changes' if report['git']['pipeline_code_dirty'] else ''}; "
          f"cores busy elsewhere before each measure: {contention}; written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
