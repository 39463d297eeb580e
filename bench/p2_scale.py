"""P2 scale: synthetic catalogs of N daily series x ~10 years pushed through the real raw -> staging -> mart path.

The orchestrating side (``measure``) starts one fresh interpreter per size (``python -m bench.p2_scale --series
N --out F``) so peak RSS of one size is not inflated by an earlier one. The worker:

1. generates a synthetic delivery in memory (series ``SYN000000``..: geometric random walks on 2,520 weekdays,
   vintage 2026-11-26; SYNTHETIC, never published: everything lives in a temporary directory that is deleted),
   and a synthetic series catalog made by copying every column of one real daily catalog row (so the frame has
   exactly the shape ``load_catalog().series`` has today, whatever columns it gains);
2. raw: the real ``transforms.raw.check_delivery``, the staging pre-check the raw asset runs on every delivery
   (``transforms.staging.stage_observations``), and the real ``warehouse.raw_store.merge_delivery`` into a real
   working DuckDB (``Warehouse(data_dir=tmp).connect()``); then the same delivery again (a re-run: nothing new);
3. staging: ``Warehouse.read_latest()`` (DuckDB's raw.observations_latest view), ``stage_observations`` (the transform
   step: join + pandera validation), ``Warehouse.replace('staging.observations')``;
4. mart: a stand-in written here (the real marts read three to ten named series, so they do not scale with the
   catalog): per-series monthly mean / last / count of all staging rows, read with ``Warehouse.read`` and written
   back to the working database.

Every step is timed; check_delivery, stage_observations and read_latest run under cProfile (they make a few
thousand Python calls, so the profiler costs nothing measurable) and every SQL statement of the merge is timed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import pstats
import resource
import sys
import time
from pathlib import Path

from bench.common import (REPO, Row, RssSampler, child_env, growth_exponent, log, run_worker, scratch)

SIZES_FULL = (100, 1_000, 10_000)
SIZES_QUICK = (100, 1_000)
DAYS = 2_520
VINTAGE = dt.date(2026, 11, 26)
FIRST_DAY = dt.date(2016, 1, 1)
GOAL_EXPONENT = 1.15
GOAL_OBS_PER_S = 10e6
GOAL_RSS_BYTES = 6e9
GOAL_RSS_AT = 10_000


# ---------------------------------------------------------------------------------------------------------------
# worker (runs in its own interpreter)


def synthetic_delivery(n_series: int, days: int = DAYS, seed: int = 0):
    import numpy as np
    import polars as pl

    from macro_pipeline.transforms.raw import DELIVERY_SCHEMA

    weekdays = pl.date_range(FIRST_DAY, FIRST_DAY + dt.timedelta(days=days * 2), "1d", eager=True)
    weekdays = weekdays.filter(weekdays.dt.weekday() <= 5)[:days]
    rng = np.random.default_rng(seed)
    # geometric random walks around 100: positive, small steps (well inside any max_step_ratio), index-like
    values = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, size=(n_series, days)), axis=1))
    ids = pl.Series("series_id", [f"SYN{i:06d}" for i in range(n_series)], dtype=pl.String)
    frame = pl.DataFrame({
        "series_id": ids.gather(np.repeat(np.arange(n_series), days)),
        "date": weekdays.gather(np.tile(np.arange(days), n_series)),
        "value": values.ravel(),
    }).with_columns(pl.lit(VINTAGE, pl.Date).alias("realtime_start"),
                    pl.lit(dt.date(9999, 12, 31), pl.Date).alias("realtime_end"))
    return frame.select(list(DELIVERY_SCHEMA)), ids


def synthetic_catalog(ids):
    """The real catalog's series frame shape, one row per synthetic id, copied from a real daily weekday row."""
    import polars as pl

    from macro_pipeline.catalog import load_catalog

    real = load_catalog()
    daily = real.series.filter((pl.col("frequency") == "D") & (pl.col("date_rule") == "weekday"))
    if "unit_id" in daily.columns:
        # an index-like unit has a range wide enough for the random walks (0..1e6 today)
        wide = daily.join(real.units.filter((pl.col("plausible_min") <= 1) & (pl.col("plausible_max") >= 10_000))
                          .select("unit_id"), on="unit_id", how="semi")
        daily = wide if wide.height else daily
    if "max_step_ratio" in daily.columns and daily["max_step_ratio"].is_not_null().any():
        daily = daily.filter(pl.col("max_step_ratio").is_not_null())  # exercise the level-shift check too
    template = daily.head(1)
    if template.is_empty():
        raise RuntimeError("the catalog has no daily weekday series to copy the synthetic catalog from")
    catalog = (template.select(pl.exclude("series_id")).gather([0] * ids.len())
               .with_columns(ids.alias("series_id")))
    if "title" in catalog.columns:
        catalog = catalog.with_columns(pl.format("SYNTHETIC benchmark series {}", pl.col("series_id")).alias("title"))
    if "source" in catalog.columns:
        catalog = catalog.with_columns(pl.lit("synthetic (bench/, never published)").alias("source"))
    return catalog.select(real.series.columns), real.units, template["series_id"][0]


class TimedConnection:
    """Delegates to a DuckDB connection and times every ``execute``/``sql`` call by its statement."""

    def __init__(self, con):
        self._con = con
        self.timings: list[dict] = []

    def _timed(self, method: str, query, *args, **kwargs):
        label = " ".join(str(query).split())[:90]
        started = time.perf_counter()
        result = getattr(self._con, method)(query, *args, **kwargs)
        if method == "sql":
            result = _TimedRelation(result, self.timings, label, started)
        else:
            self.timings.append({"statement": label, "seconds": time.perf_counter() - started})
        return result

    def execute(self, query, *args, **kwargs):
        return self._timed("execute", query, *args, **kwargs)

    def sql(self, query, *args, **kwargs):
        return self._timed("sql", query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


class _TimedRelation:
    """A lazy relation: its time is counted when it is materialized."""

    def __init__(self, rel, timings, label, started):
        self._rel, self._timings, self._label, self._started = rel, timings, label, started

    def _finish(self, value):
        self._timings.append({"statement": self._label, "seconds": time.perf_counter() - self._started})
        return value

    def pl(self, *a, **k):
        return self._finish(self._rel.pl(*a, **k))

    def fetchall(self):
        return self._finish(self._rel.fetchall())

    def __getattr__(self, name):
        return getattr(self._rel, name)


def _profiled(profiles: dict, name: str, fn, *args):
    prof = cProfile.Profile()
    prof.enable()
    try:
        return fn(*args)
    finally:
        prof.disable()
        profiles[name] = prof


def _profile_summary(prof: cProfile.Profile, top: int = 8) -> dict:
    stats = pstats.Stats(prof)
    rows = []
    for (filename, line, func), (cc, nc, tottime, cumtime, _callers) in stats.stats.items():
        # module paths relative to site-packages or the repository, so results do not name this machine's folders
        short = filename.split("site-packages/")[-1].removeprefix(str(REPO) + "/")
        for prefix in (sys.base_prefix, sys.prefix):  # the standard library, wherever this interpreter lives
            short = short.removeprefix(f"{prefix}/lib/python{sys.version_info.major}.{sys.version_info.minor}/")
        rows.append({"function": f"{short}:{line}({func})", "calls": nc, "tottime": tottime, "cumtime": cumtime})
    by_self = sorted(rows, key=lambda r: r["tottime"], reverse=True)[:top]
    total = max((r["cumtime"] for r in rows), default=0.0)

    def pick(key: str, *fragments: str) -> float:
        return sum(r[key] for r in rows if all(f in r["function"] for f in fragments))

    breakdown = {
        # pandera 0.35's polars backend: the whole validate call and its parts
        "pandera_validate": pick("cumtime", "pandera/api/polars/model.py", "(validate)"),
        "pandera_unique_check": pick("cumtime", "pandera/backends/polars/container.py",
                                     "(check_column_values_are_unique)"),
        "pandera_dataframe_checks": pick("cumtime", "pandera/backends/polars/container.py", "(run_checks)"),
        "pandera_column_checks": pick("cumtime", "pandera/backends/polars/container.py",
                                      "(run_schema_component_checks)"),
        "polars_is_duplicated_native": pick("tottime", "is_duplicated' of"),
        "polars_lazy_collect_native": pick("tottime", "collect' of"),
        "polars_join": pick("cumtime", "polars/dataframe/frame.py", "(join)"),
        "polars_sort": pick("cumtime", "polars/dataframe/frame.py", "(sort)"),
    }
    return {"total_seconds": total, "top_by_self_time": by_self, "breakdown_seconds": breakdown}


def _path(n_series: int, days: int, rerun: bool, steps: dict, profiles: dict, result: dict,
          sampler: RssSampler | None) -> None:
    import polars as pl

    from macro_pipeline.transforms.raw import check_delivery
    from macro_pipeline.transforms.staging import stage_observations
    from macro_pipeline.warehouse import Warehouse
    from macro_pipeline.warehouse.raw_store import merge_delivery

    peaks = result.setdefault("peak_rss_by_stage", {})

    def mark(stage: str) -> None:
        if sampler is not None:
            peaks[stage] = max(peaks.get(stage, 0), sampler.mark())

    def timed(stage: str, name: str, fn, *args, profile: bool = False):
        if sampler is not None:
            peaks[stage] = max(peaks.get(stage, 0), sampler.mark())
        rss_before = sampler.current() if sampler is not None else None
        started, cpu_started = time.perf_counter(), time.process_time()
        value = _profiled(profiles, name, fn, *args) if profile else fn(*args)
        # CPU seconds of all threads of this process: less sensitive than wall time to other work on the machine
        steps[name] = {"stage": stage, "seconds": time.perf_counter() - started,
                       "cpu_seconds": time.process_time() - cpu_started}
        if sampler is not None:
            # memory of one step: RSS when it started, its peak, RSS when it returned (its result still held)
            steps[name].update(rss_before=rss_before, rss_peak=sampler.mark(), rss_after=sampler.current())
            peaks[stage] = max(peaks.get(stage, 0), steps[name]["rss_peak"])
        return value

    with scratch(f"p2_{n_series}") as tmp:
        warehouse = Warehouse(data_dir=str(tmp / "data"))
        delivery, ids = timed("generate", "generate_synthetic_delivery", synthetic_delivery, n_series, days)
        catalog, units, template = synthetic_catalog(ids)
        result.update(observations=delivery.height, catalog_template=template,
                      delivery_bytes=delivery.estimated_size())
        mark("generate")

        # raw: what the raw asset does with a delivery
        timed("raw", "check_delivery", check_delivery, delivery, profile=True)
        _, precheck = timed("raw", "ingest_precheck_stage_observations", stage_observations, delivery, catalog, units,
                            profile=True)
        if not precheck.ok:
            raise RuntimeError(f"synthetic delivery refused by the staging pre-check: {precheck.summary(5)}")
        loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with warehouse.connect() as con:
            timed_con = TimedConnection(con)
            merged = timed("raw", "merge_delivery_first_load", merge_delivery, timed_con, delivery,
                           "synthetic bench", loaded_at)
            result["merge_statements_first_load"] = timed_con.timings
            result["rows_inserted_first_load"] = merged.inserted
            mark("raw")
            if rerun:
                timed_con = TimedConnection(con)
                merged = timed("raw_rerun", "merge_delivery_rerun_same_delivery", merge_delivery, timed_con,
                               delivery, "synthetic bench", loaded_at + dt.timedelta(hours=1))
                result["merge_statements_rerun"] = timed_con.timings
                result["rows_inserted_rerun"] = merged.inserted
                mark("raw_rerun")
        del delivery, precheck
        gc.collect()

        # staging: what the staging asset does
        latest = timed("staging", "read_latest", warehouse.read_latest, profile=True)
        sizes = result.setdefault("frame_bytes", {})
        sizes["read_latest"] = latest.estimated_size()
        staged, report = timed("staging", "stage_observations", stage_observations, latest, catalog, units,
                               profile=True)
        if not report.ok:
            raise RuntimeError(f"synthetic staging failed validation: {report.summary(5)}")
        del latest
        timed("staging", "replace_staging_observations", warehouse.replace, "staging.observations", staged)
        result["staged_rows"] = staged.height
        sizes["staging_observations"] = staged.estimated_size()
        del staged
        gc.collect()
        mark("staging")

        # mart: a generic per-series monthly aggregate (stand-in; see the module docstring)
        def monthly_mart() -> int:
            # a mart reads the columns it needs, as the real marts do (they read a few named series)
            with warehouse.connect() as con:
                staging = con.sql("SELECT series_id, date, value FROM staging.observations").pl()
            mart = (staging.group_by("series_id", pl.col("date").dt.truncate("1mo").alias("month"))
                    .agg(pl.col("value").mean().alias("mean_value"),
                         pl.col("value").sort_by("date").last().alias("last_value"),
                         pl.len().alias("n_obs"))
                    .sort("series_id", "month"))
            with warehouse.connect() as con:
                con.register("bench_monthly", mart)
                con.execute("CREATE OR REPLACE TABLE main.bench_synthetic_monthly AS SELECT * FROM bench_monthly")
                con.unregister("bench_monthly")
            return mart.height

        result["mart_rows"] = timed("mart", "monthly_mart_standin", monthly_mart)
        mark("mart")


def worker(n_series: int, out: Path, rerun: bool) -> None:
    sampler = RssSampler().start()
    import macro_pipeline.transforms.staging  # noqa: F401 - imports are not part of any step

    result: dict = {"series": n_series, "days": DAYS, "steps": {}, "peak_rss_by_stage": {}, "profiles": {}}
    # warm-up: the whole path once on 3 series x 30 days, so first-call costs (pandera building its schema,
    # lazy imports, DuckDB catalog set-up) are not counted as work of the measured size
    warm_steps: dict = {}
    profiles: dict = {}
    _path(3, 30, False, warm_steps, {}, {}, None)
    result["warmup_seconds"] = sum(v["seconds"] for v in warm_steps.values())
    result["rss_after_warmup"] = sampler.mark()
    _path(n_series, DAYS, rerun, result["steps"], profiles, result, sampler)
    result["peak_rss_sampled"] = sampler.stop()
    result["peak_rss_ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["peak_rss"] = max(result["peak_rss_sampled"], result["peak_rss_ru_maxrss"])
    result["profiles"] = {name: _profile_summary(prof) for name, prof in profiles.items()}
    out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# orchestration (runs in the bench process)

STAGES = ("raw", "staging", "mart")


def measure(quick: bool) -> tuple[list[Row], dict]:
    sizes = SIZES_QUICK if quick else SIZES_FULL
    runs: dict[int, dict] = {}
    with scratch("p2_out") as tmp:
        for n in sizes:
            log(f"P2: {n:,} synthetic series x {DAYS:,} days in a fresh interpreter ...")
            started = time.perf_counter()
            runs[n] = run_worker("bench.p2_scale", ["--series", str(n), "--rerun"], tmp / f"p2_{n}.json",
                                 env=child_env(), timeout=1500)
            runs[n]["worker_wall_seconds"] = time.perf_counter() - started
            _log_run(runs[n])
    rows: list[Row] = []
    for n in sizes:
        r = runs[n]
        st = stage_totals(r)
        obs = r["observations"]
        transform = r["steps"]["stage_observations"]["seconds"]
        rows.append(Row(f"P2.n{n}", f"{n:,} series ({obs / 1e6:.2f} M obs): raw+staging+mart wall time",
                        sum(st[s] for s in STAGES), "s",
                        shown=f"{sum(st[s] for s in STAGES):.2f} s (raw {st['raw']:.2f}, staging "
                              f"{st['staging']:.2f}, mart {st['mart']:.2f})"))
        rows.append(Row(f"P2.n{n}", "transform step (stage_observations) throughput", obs / transform, "obs/s",
                        goal=GOAL_OBS_PER_S, goal_op=">=",
                        shown=f"{obs / transform / 1e6:.2f} M obs/s ({transform:.2f} s)"))
        rss = r["peak_rss"]
        measured = {k: v for k, v in r["steps"].items() if v["stage"] in STAGES}
        top_rss = max(measured, key=lambda k: measured[k].get("rss_peak", 0))
        step = measured[top_rss]
        rows.append(Row(f"P2.n{n}", "peak RSS (fresh interpreter)", rss / 1e9, "GB",
                        goal=GOAL_RSS_BYTES / 1e9 if n == GOAL_RSS_AT else None,
                        goal_op="<=" if n == GOAL_RSS_AT else None,
                        shown=f"{rss / 1e9:.2f} GB (in {top_rss}: {step.get('rss_before', 0) / 1e9:.2f} -> "
                              f"{step.get('rss_peak', 0) / 1e9:.2f} GB)"))
        slow = sorted(measured, key=lambda k: measured[k]["seconds"], reverse=True)[:3]
        rows.append(Row(f"P2.n{n}", "slowest steps", 0.0, shown=", ".join(
            f"{k} {measured[k]['seconds']:.2f} s" for k in slow)))
        if "merge_delivery_rerun_same_delivery" in r["steps"]:
            rerun = r["steps"]["merge_delivery_rerun_same_delivery"]["seconds"]
            rows.append(Row(f"P2.n{n}", "raw re-run: merge of the same delivery again (0 new rows)", rerun, "s",
                            shown=f"{rerun:.2f} s"))
    exponents = {}
    for a, b in zip(sizes, sizes[1:], strict=False):
        ta, tb = stage_totals(runs[a]), stage_totals(runs[b])
        ta["total"], tb["total"] = sum(ta[s] for s in STAGES), sum(tb[s] for s in STAGES)
        ta["transform"] = runs[a]["steps"]["stage_observations"]["seconds"]
        tb["transform"] = runs[b]["steps"]["stage_observations"]["seconds"]
        ea = {k: growth_exponent(a, ta[k], b, tb[k]) for k in ("total", *STAGES, "transform")}
        ca, cb = stage_totals(runs[a], "cpu_seconds"), stage_totals(runs[b], "cpu_seconds")
        ca["total"], cb["total"] = sum(ca[s] for s in STAGES), sum(cb[s] for s in STAGES)
        cpu_exp = {k: growth_exponent(a, ca[k], b, cb[k]) for k in ("total", *STAGES) if ca[k] > 0 and cb[k] > 0}
        per_step = {name: growth_exponent(a, runs[a]["steps"][name]["seconds"], b, runs[b]["steps"][name]["seconds"])
                    for name in runs[a]["steps"] if name in runs[b]["steps"] and runs[a]["steps"][name]["seconds"] > 0}
        exponents[f"{a}->{b}"] = {"by_stage": ea, "by_stage_cpu_time": cpu_exp, "by_step": per_step}
        for key in ("total", *STAGES):
            cpu = f" (CPU time: {cpu_exp[key]:.2f})" if key in cpu_exp else ""
            rows.append(Row("P2.exp", f"growth exponent of wall time {a:,}->{b:,} series: {key}", ea[key], "",
                            goal=GOAL_EXPONENT, goal_op="<=", shown=f"{ea[key]:.2f}{cpu}"))
    detail = {"sizes": list(sizes), "runs": {str(n): runs[n] for n in sizes}, "exponents": exponents,
              "goals": {"exponent_max": GOAL_EXPONENT, "transform_obs_per_s_min": GOAL_OBS_PER_S,
                        "peak_rss_bytes_max_at_10k": GOAL_RSS_BYTES},
              "mart": "stand-in: per-series monthly mean/last/count of all staging rows (bench/p2_scale.py)"}
    return rows, detail


def stage_totals(run: dict, key: str = "seconds") -> dict[str, float]:
    totals = {s: 0.0 for s in STAGES}
    for step in run["steps"].values():
        if step["stage"] in totals:
            totals[step["stage"]] += step[key]
    return totals


def _log_run(r: dict) -> None:
    parts = ", ".join(f"{k} {v['seconds']:.2f}s" for k, v in r["steps"].items())
    log(f"    {r['observations']:,} obs: {parts}; peak RSS {r['peak_rss'] / 1e9:.2f} GB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.p2_scale", description=__doc__)
    parser.add_argument("--series", type=int, required=True)
    parser.add_argument("--rerun", action="store_true", help="also merge the same delivery a second time")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    worker(args.series, args.out, args.rerun)
    return 0


if __name__ == "__main__":
    sys.exit(main())
