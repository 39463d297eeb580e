"""P3 live ingest: requests per refresh against updated series, and refresh time against the rate-limit bound.

Runs in its own interpreter (``python -m bench.p3_live --out F``) so the process-wide rate limiter starts empty.
The loopback FRED server of the tests (``macro_pipeline_tests/fred_server.py``, serving the embedded snapshot on
127.0.0.1) answers the real ``FredApiSource`` (default settings: 120 requests/minute, FRED's limit), for the
whole catalog:

1. cold refresh: nothing stored, every series read in full;
2. incremental refreshes after k = 0, 1 and 10 series got a new vintage on the server.

Each refresh's delivery is stored as the raw asset stores it (``check_delivery`` + ``merge_delivery`` + the fetch
log with FRED's stamps), so the next refresh is incremental. Before each refresh the process' limiter is reset
(refreshes are a day apart in production; a fresh window is what each of them meets). The expectation is the
source's documented model R = M + U (M catalog ids, U series whose FRED last_updated changed or that are not
stored); the rate-limit bound of R requests with a limit of L per window of P seconds, starting from an empty
window, is floor((R - 1) / L) * P.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
from pathlib import Path

from bench.common import REPO, Row, child_env, log, run_worker, scratch

FRED_SERVER = REPO / "macro_pipeline_tests" / "fred_server.py"
UPDATED = (0, 1, 10)
NOT_YET = "needs the loopback FRED server (macro_pipeline_tests/fred_server.py)"


def available() -> tuple[bool, str]:
    if not FRED_SERVER.is_file():
        return False, NOT_YET
    try:
        import importlib

        importlib.import_module("macro_pipeline.sources.fred_api")
    except Exception as err:  # noqa: BLE001
        return False, f"macro_pipeline.sources.fred_api does not import ({type(err).__name__}: {err})"
    return True, ""


def worker(out: Path, requests_per_minute: float | None) -> None:
    import polars as pl

    from macro_pipeline.catalog import load_catalog
    from macro_pipeline.sources import fred_api, rate_limit
    from macro_pipeline.transforms.raw import check_delivery
    from macro_pipeline.warehouse import Warehouse
    from macro_pipeline.warehouse.raw_store import merge_delivery, stored_summary
    from macro_pipeline_tests.fred_server import VALID_KEY, FredTestServer

    rpm = requests_per_minute or rate_limit.DEFAULT_REQUESTS_PER_MINUTE
    limit, period = rate_limit.window_for_rate(rpm)
    ids = load_catalog().series_ids()
    result: dict = {"requests_per_minute": rpm, "window_limit": limit, "window_seconds": period,
                    "catalog_series": len(ids), "refreshes": []}
    server = FredTestServer().start()
    try:
        known = [s for s in ids if s in server.known_series()]
        result["series_on_server"] = len(known)
        source = fred_api.FredApiSource(api_key=VALID_KEY, root_url=server.root_url, requests_per_minute=rpm)
        with scratch("p3") as tmp:
            warehouse = Warehouse(data_dir=str(tmp / "data"))

            def stored() -> pl.DataFrame:
                with warehouse.connect() as con:
                    return stored_summary(con)

            def refresh(label: str, expected_u: int) -> dict:
                rate_limit._process_limiter = None  # a fresh window, as a refresh a day later meets
                server.reset_log()
                before = stored()
                started = time.perf_counter()
                delivery = source.fetch(ids, before)
                seconds = time.perf_counter() - started
                counts = server.counts()
                requests = sum(counts.values())
                store_started = time.perf_counter()
                check_delivery(delivery.observations)
                loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                with warehouse.connect() as con:
                    merged = merge_delivery(con, delivery.observations, delivery.source, loaded_at)
                warehouse.replace("raw.fetch_log", delivery.fetch_log(merged.inserted_by_series, loaded_at))
                statuses: dict[str, int] = {}
                for o in delivery.outcomes:
                    statuses[o.status] = statuses.get(o.status, 0) + 1
                bound = math.floor(max(requests - 1, 0) / limit) * period
                record = {"label": label, "seconds": seconds, "store_seconds": time.perf_counter() - store_started,
                          "requests": requests, "requests_by_endpoint": counts,
                          "expected_requests": len(ids) + expected_u, "updated_or_new_series": expected_u,
                          "rate_limit_bound_seconds": bound, "rows_delivered": delivery.observations.height,
                          "rows_inserted": merged.inserted, "outcomes": statuses}
                log(f"    {label}: {requests} requests (expected {len(ids) + expected_u}) in {seconds:.2f} s, "
                    f"bound {bound:.0f} s")
                result["refreshes"].append(record)
                return record

            refresh("cold refresh (nothing stored)", len(known))
            vintage = server.initial_vintage
            candidates = [s for s in known if s in set(stored()["series_id"].to_list())]
            for k in UPDATED:
                vintage = vintage + dt.timedelta(days=7)
                changed = candidates[:k]
                for series_id in changed:
                    state = server.series(series_id)
                    last = state.vintages[-1].observations
                    day = max(d for d, v in last.items() if v is not None)
                    server.add_vintage(series_id, vintage, {day: last[day] * 1.001 + 0.01},
                                       last_updated=f"{vintage.isoformat()} 07:30:00-06")
                refresh(f"incremental, {k} series updated", k)
    finally:
        server.stop()
    out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


def measure(quick: bool) -> tuple[list[Row], dict]:
    ok, why = available()
    if not ok:
        return [Row("P3", "live ingest: requests per refresh and time vs the rate-limit bound", None, note=why)], \
            {"measured": False, "reason": why}
    log("P3: live refreshes against the loopback FRED server" + (" (rate limit lifted: --quick)" if quick else
                                                                  " at 120 requests/minute ..."))
    with scratch("p3_out") as tmp:
        args = ["--requests-per-minute", "1000000"] if quick else []
        result = run_worker("bench.p3_live", args, tmp / "p3.json", env=child_env(), timeout=900)
    rows = []
    for r in result["refreshes"]:
        rows.append(Row("P3", f"{r['label']}: requests (R = M + U = {result['catalog_series']} + "
                              f"{r['updated_or_new_series']})", r["requests"], "", goal=r["expected_requests"],
                        goal_op="<=", shown=f"{r['requests']} ({', '.join(f'{k} {v}' for k, v in r['requests_by_endpoint'].items())})"))
        overhead = r["seconds"] - r["rate_limit_bound_seconds"]
        rows.append(Row("P3", f"{r['label']}: refresh time vs rate-limit bound "
                              f"({result['window_limit']}/{result['window_seconds']:.0f} s)", r["seconds"], "s",
                        shown=f"{r['seconds']:.2f} s vs bound {r['rate_limit_bound_seconds']:.0f} s "
                              f"(+{overhead:.2f} s, {overhead / max(r['requests'], 1) * 1000:.1f} ms/request)"))
    return rows, {"measured": True, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.p3_live", description=__doc__)
    parser.add_argument("--requests-per-minute", type=float)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    worker(args.out, args.requests_per_minute)
    return 0


if __name__ == "__main__":
    sys.exit(main())
