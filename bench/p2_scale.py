"""P2 scale: synthetic FRED snapshots of N series x 2,520 weekdays pushed through the real source -> raw ->
staging -> mart path, side by side with a plain-polars and a plain-DuckDB peer (``bench/peers.py``).

The orchestrating side (``measure``):

1. verifies the peers: a small snapshot with one kind of bad row injected at a time (unreadable value, bad date,
   extra or missing field, dates out of order, duplicate date, NaN, inf, implausible value, x1000 level shift,
   future date, date off the frequency, wrong header, sha256 or row-count mismatch); the real path and both peers
   must each refuse exactly the injected series (and the same dates where the failure is a row rule);
2. per size, writes a real snapshot folder (``bench/snapshot_data.py``: CSV files + MANIFEST.csv with sha256) in
   a temporary directory, then runs, alternating, ``--impl real``, ``--impl polars``, ``--impl duckdb`` (each a
   fresh interpreter, so its peak RSS is its own) ``repeats`` times and takes medians.

The real worker calls what the assets call: ``defs.ingest.ingest`` (SnapshotSource.fetch, check_delivery, the
staging pre-check, merge_delivery, raw.fetch_log) and ``defs.staging.stage_latest`` (read_latest,
stage_observations, replace), then the net-liquidity mart (``transforms.liquidity.net_liquidity`` + pandera +
replace) on three synthetic series standing in for WALCL, WDTGAL and RRPONTSYD. Then the incremental cases: the
same ingest + staging again with nothing changed, ``incremental.up_to_date`` (what the CLI asks before starting
a run), and one series file changed (only that series is parsed and merged). RSS: a psutil sampler thread (20 ms)
in the worker, and ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import shutil
import sys
import time
from pathlib import Path

from bench.common import Row, RssSampler, child_env, growth_exponent, log, median, run_worker, scratch

SIZES_FULL = (100, 1_000, 10_000, 100_000)
SIZES_QUICK = (100, 1_000)
REPEATS_FULL = 3
REPEATS_QUICK = 1
IMPLS = ("real", "polars", "duckdb")
STAGES = ("source", "raw", "staging", "mart")
GOAL_EXPONENT = 1.15
GOAL_RSS_BYTES = 4e9
GOAL_AT = 10_000
GOAL_VS_POLARS = 1.5
GOAL_SOURCE_VS_READ_CSV = 2.0
# above this size only the real path runs, once, without the incremental cases: the polars peer holds every row
# at once (5.7 GB at 10,000 series), so at 100,000 it would need ~57 GB, more than this machine has
PEERS_UP_TO = 10_000
GOAL_RSS_BYTES_AT_SCALE = 6e9  # at 100,000 series (~250 M observations), by processing bounded shards
GOAL_AT_SCALE = 100_000


# ---------------------------------------------------------------------------------------------------------------
# the synthetic catalog


def synthetic_catalog(ids: list[str]):
    """The real catalog's series frame shape, one row per synthetic id, copied from a real daily weekday row with
    an index-like unit (range 0..1e6) and a max_step_ratio, so every staging rule is exercised."""
    import polars as pl

    from macro_pipeline.catalog import Catalog, load_catalog

    real = load_catalog()
    daily = real.series.filter((pl.col("frequency") == "D") & (pl.col("date_rule") == "weekday"))
    wide = daily.join(real.units.filter((pl.col("plausible_min") <= 1) & (pl.col("plausible_max") >= 10_000))
                      .select("unit_id"), on="unit_id", how="semi")
    daily = wide if wide.height else daily
    if daily["max_step_ratio"].is_not_null().any():
        daily = daily.filter(pl.col("max_step_ratio").is_not_null())
    template = daily.head(1)
    if template.is_empty():
        raise RuntimeError("the catalog has no daily weekday series to copy the synthetic catalog from")
    id_series = pl.Series("series_id", ids, dtype=pl.String)
    series = (template.select(pl.exclude("series_id")).gather([0] * len(ids))
              .with_columns(id_series, pl.format("SYNTHETIC benchmark series {}", id_series).alias("title"),
                            pl.lit("synthetic (bench/, never published)").alias("source")))
    return Catalog(series=series.select(real.series.columns), units=real.units, claims=real.claims,
                   indicators=real.indicators), template["series_id"][0]


# ---------------------------------------------------------------------------------------------------------------
# the real path (runs in its own interpreter)


def real_path(snapshot: Path, work: Path, steps: dict, sampler: RssSampler | None, incremental: bool) -> dict:
    import polars as pl

    from bench.snapshot_data import series_ids
    from macro_pipeline.defs.ingest import ingest
    from macro_pipeline.defs.staging import stage_latest
    from macro_pipeline.sources import SnapshotSource
    from macro_pipeline.warehouse import Warehouse

    n_series = sum(1 for _ in (snapshot / "series").glob("*.csv"))
    facts, _ = synthetic_catalog(series_ids(n_series))
    warehouse = Warehouse(data_dir=str(work / "data"))
    info: dict = {}
    source = _TimedSource(SnapshotSource(snapshot_dir=str(snapshot)), info)

    def timed(stage: str, name: str, fn, *args):
        if sampler is not None:
            sampler.mark()
        rss_before = sampler.current() if sampler is not None else None
        started, cpu = time.perf_counter(), time.process_time()
        value = fn(*args)
        steps[name] = {"stage": stage, "seconds": time.perf_counter() - started,
                       "cpu_seconds": time.process_time() - cpu}
        if sampler is not None:
            steps[name].update(rss_before=rss_before, rss_peak=sampler.mark(), rss_after=sampler.current())
        return value

    def ingest_and_stage(label: str, stage_suffix: str = "") -> None:
        source.label = label
        delivery, merged, stored = timed("source+raw" + stage_suffix, f"ingest{label}", ingest, facts, source,
                                         warehouse)
        info[f"delivered{label}"] = delivery.rows
        info[f"shards{label}"] = delivery.shards
        info[f"inserted{label}"] = merged.inserted
        info[f"stored{label}"] = stored
        del delivery
        gc.collect()
        summary, report = timed("staging" + stage_suffix, f"stage_latest{label}", stage_latest, facts, warehouse)
        if not report.ok:
            raise RuntimeError(f"synthetic staging failed validation: {report.summary(5)}")
        info[f"staged{label}"] = summary.rows
        gc.collect()

    ingest_and_stage("")

    def mart() -> int:
        # the net-liquidity mart as its asset runs it (mart kit: inputs, transform, pandera, checks, write)
        from macro_pipeline.mart_kit import build_mart, mart_spec

        spec = mart_spec("marts.net_liquidity")
        staged = warehouse.read_series("staging.observations", facts.series_ids()[:3])
        outcome = build_mart(spec, {"staging": mart_input(staged.select(
            "series_id", "date", pl.col("base_value").alias("value"), "realtime_start"))})
        if not outcome.written:
            raise RuntimeError(f"the net-liquidity mart failed on the stand-in series: {outcome.reason}")
        warehouse.replace(spec.name, outcome.frame)
        return outcome.frame.height

    info["mart_rows"] = timed("mart", "net_liquidity_mart", mart)

    if incremental:
        from macro_pipeline import incremental as inc

        state = inc.RunInputs(snapshot_dir=snapshot, catalog_dir=None, reference_dir=None, data_dir=work / "data",
                              source_kind="snapshot")
        # the bench publishes nothing: an empty stand-in for macro.duckdb lets the check compare its identity
        (work / "data" / "macro.duckdb").write_bytes(b"")
        inc.record_published(state)
        info["up_to_date"] = timed("incremental", "up_to_date_check", inc.up_to_date, state)
        ingest_and_stage("_rerun_unchanged", "_rerun")
        changed = snapshot / "series" / facts.series_ids()[0]
        changed = changed.with_suffix(".csv")
        manifest, readme = snapshot / "MANIFEST.csv", snapshot / "README.md"
        saved = changed.read_bytes(), manifest.read_bytes(), readme.read_bytes()
        try:
            # a new snapshot (next day) in which one series' last value was revised; the others are unchanged
            readme.write_text(saved[2].decode().replace("Snapshot date: 2026-11-26", "Snapshot date: 2026-11-27"))
            from bench.snapshot_data import inject_bad_rows

            text = saved[0].decode()
            last = text.rstrip("\n").rsplit("\n", 1)[1]
            date, value = last.split(",")
            inject_bad_rows(snapshot, {facts.series_ids()[0]: text.replace(last, f"{date},{float(value) * 1.01:.4f}")})
            info["up_to_date_after_change"] = inc.up_to_date(state)
            ingest_and_stage("_one_series_changed", "_changed")
        finally:
            changed.write_bytes(saved[0])
            manifest.write_bytes(saved[1])
            readme.write_bytes(saved[2])
    return info


def mart_input(staged):
    """Three synthetic staged series as the net-liquidity mart's input: renamed WALCL, WDTGAL and RRPONTSYD and
    taken as billions of dollars (the mart's base unit): stand-ins with the real inputs' shape, never published."""
    import polars as pl

    from macro_pipeline.transforms.liquidity import INPUT_SERIES

    ids = sorted(staged["series_id"].unique().to_list())[:3]
    return (staged.filter(pl.col("series_id").is_in(ids))
            .with_columns(pl.col("series_id").replace_strict(dict(zip(ids, INPUT_SERIES, strict=True))),
                          pl.lit("usd_bn").alias("unit_id")))


class _TimedSource:
    """Passes ``fetch`` to the real source and records its time (the source step inside ``ingest``)."""

    def __init__(self, source, info: dict):
        self._source, self._info, self.label = source, info, ""

    def __getattr__(self, name: str):
        # everything else ingest asks of a source (isolates_failing_series, ...) is the real source's
        return getattr(self._source, name)

    def fetch(self, series_ids, stored):
        started = time.perf_counter()
        try:
            return self._source.fetch(series_ids, stored)
        finally:
            # the ingest fetches a shard at a time: the source step is the sum of its calls
            key = f"fetch_seconds{self.label}"
            self._info[key] = self._info.get(key, 0.0) + time.perf_counter() - started


def peer_path(impl: str, snapshot: Path, work: Path, steps: dict, sampler: RssSampler | None) -> dict:
    from bench import peers
    from bench.snapshot_data import series_ids

    n_series = sum(1 for _ in (snapshot / "series").glob("*.csv"))
    facts, _ = synthetic_catalog(series_ids(n_series))
    if sampler is not None:
        sampler.mark()
    fn = peers.polars_peer if impl == "polars" else peers.duckdb_peer
    out = fn(snapshot, facts.series, facts.units, work)
    if out["failures"]:
        raise RuntimeError(f"{impl} peer refused the synthetic snapshot: {dict(list(out['failures'].items())[:5])}")
    for stage, seconds in out["steps"].items():
        steps[stage] = {"stage": stage, "seconds": seconds}
    if sampler is not None:
        steps["source"]["rss_peak"] = sampler.mark()
    info = {}
    if impl == "duckdb":
        info["duckdb_read_csv_seconds"] = peers.duckdb_read_csv(snapshot, work)
    return info


def worker(impl: str, snapshot: Path, out: Path, incremental: bool) -> None:
    sampler = RssSampler().start()
    t0 = time.perf_counter()
    import duckdb  # noqa: F401
    import polars  # noqa: F401

    import macro_pipeline.defs.ingest  # noqa: F401
    import macro_pipeline.defs.staging  # noqa: F401

    result: dict = {"impl": impl, "imports_seconds": time.perf_counter() - t0, "steps": {}}
    with scratch(f"p2_{impl}") as tmp:
        # warm-up on a 3 x 30 snapshot: one-time costs (pandera building schemas, lazy imports) are not counted
        from bench.snapshot_data import write_snapshot

        write_snapshot(tmp / "warm_snapshot", 3, 30)
        (tmp / "warm").mkdir()
        if impl == "real":
            real_path(tmp / "warm_snapshot", tmp / "warm", {}, None, False)
        else:
            peer_path(impl, tmp / "warm_snapshot", tmp / "warm", {}, None)
        shutil.rmtree(tmp / "warm", ignore_errors=True)
        sampler.mark()
        result["rss_after_warmup"] = sampler.current()
        (tmp / "work").mkdir()
        if impl == "real":
            result["info"] = real_path(snapshot, tmp / "work", result["steps"], sampler, incremental)
        else:
            result["info"] = peer_path(impl, snapshot, tmp / "work", result["steps"], sampler)
    result["peak_rss_sampled"] = sampler.stop()
    result["peak_rss_ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["peak_rss"] = max(result["peak_rss_sampled"], result["peak_rss_ru_maxrss"])
    out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# the peers' self-check: the same injected bad rows are refused by all three


def _bad_cases(days_text: list[str]) -> dict[str, object]:
    d = days_text
    body = [f"{x},{100 + i * 0.01:.4f}" for i, x in enumerate(d)]

    def with_lines(lines: list[str], header: str = "date,value") -> str:
        return header + "\n" + "\n".join(lines) + "\n"

    saturday = next(x for x in (dt.date.fromisoformat(d[5]) + dt.timedelta(days=k) for k in range(7))
                    if x.weekday() == 5).isoformat()
    return {
        "value not a number": (with_lines([*body[:10], f"{d[10]},abc", *body[11:]]), [d[10]]),
        "date not ISO": (with_lines([*body[:10], "2020-13-01,100.0", *body[11:]]), ["line"]),
        "extra field": (with_lines([*body[:10], f"{d[10]},100.0,7", *body[11:]]), ["line"]),
        "missing field": (with_lines([*body[:10], d[10], *body[11:]]), ["line"]),
        "dates out of order": (with_lines([*body[:10], body[11], body[10], *body[12:]]), ["line"]),
        "wrong header": (with_lines(body, "DATE,VALUE"), ["header"]),
        "duplicate date": (with_lines([*body[:11], f"{d[10]},100.5", *body[11:]]), [d[10]]),
        "NaN value": (with_lines([*body[:10], f"{d[10]},NaN", *body[11:]]), [d[10]]),
        "infinite value": (with_lines([*body[:10], f"{d[10]},inf", *body[11:]]), [d[10]]),
        "implausible value": (with_lines([*body[:10], f"{d[10]},2e7", *body[11:]]), [d[10]]),
        "level shift x1000": (with_lines([*body[:10], *(f"{x},{100000 + i:.4f}" for i, x in enumerate(d[10:]))]),
                              [d[10]]),
        "date after the vintage": (with_lines([*body, "2027-01-04,100.0"]), ["2027-01-04"]),
        "date off the frequency": (with_lines(sorted([*body[:8], f"{saturday},100.0"])), [saturday]),
        "sha256 mismatch": ("sha", []),
        "row count mismatch": ("rows", []),
    }


def verify_peers() -> dict:
    """Each case on a fresh 5-series snapshot with SYN000001 broken; every implementation must refuse exactly
    SYN000001, and where the failure is a row rule, at the same dates."""
    import polars as pl

    from bench import peers
    from bench.snapshot_data import inject_bad_rows, series_ids, weekdays, write_snapshot
    from macro_pipeline.defs.ingest import ingest
    from macro_pipeline.defs.staging import stage_latest
    from macro_pipeline.sources import SnapshotSource, SourceError
    from macro_pipeline.transforms.raw import DeliveryValidationError
    from macro_pipeline.warehouse import Warehouse

    days = 40
    dates = [x.isoformat() for x in weekdays(days).to_list()]
    facts, _ = synthetic_catalog(series_ids(5))
    bad_id = "SYN000001"
    results = {}
    for case, (text, _hint) in _bad_cases(dates).items():
        with scratch("p2_verify") as tmp:
            snap = tmp / "snap"
            write_snapshot(snap, 5, days)
            if text == "sha":
                path = snap / "series" / f"{bad_id}.csv"
                path.write_bytes(path.read_bytes().replace(b"100", b"101", 1))
            elif text == "rows":
                data = (snap / "series" / f"{bad_id}.csv").read_text()
                inject_bad_rows(snap, {bad_id: data})
                manifest = (snap / "MANIFEST.csv").read_text().replace(f",{days},", f",{days + 1},", 2)
                lines = manifest.splitlines()
                lines = [line.replace(f",{days + 1},", f",{days},") if not line.startswith(bad_id) else line
                         for line in lines]
                (snap / "MANIFEST.csv").write_text("\n".join(lines) + "\n")
            else:
                inject_bad_rows(snap, {bad_id: text})
            found = {}
            try:
                warehouse = Warehouse(data_dir=str(tmp / "real"))
                ingest(facts, SnapshotSource(snapshot_dir=str(snap)), warehouse)
                _, report = stage_latest(facts, warehouse)
                found["real"] = ({s: sorted({str(d) for d in report.failures.filter(pl.col("series_id") == s)["date"]
                                             .to_list()}) for s in report.series_ids()})
            except SourceError as err:
                found["real"] = {s: [] for s in err.failures}
            except DeliveryValidationError as err:
                f = err.report.failures
                found["real"] = {s: sorted({str(d) for d in f.filter(pl.col("series_id") == s)["date"].to_list()})
                                 for s in err.report.series_ids()}
            for impl, fn in (("polars", peers.polars_peer), ("duckdb", peers.duckdb_peer)):
                (tmp / impl).mkdir()
                out = fn(snap, facts.series, facts.units, tmp / impl)["failures"]
                found[impl] = {s: sorted({str(x) for x in v if isinstance(x, dt.date)}) for s, v in out.items()}
            agree = (all(set(v) == {bad_id} for v in found.values())
                     and found["real"] == found["polars"] == found["duckdb"])
            results[case] = {"agree": agree, "found": found}
    return results


# ---------------------------------------------------------------------------------------------------------------
# orchestration (runs in the bench process)


def measure(quick: bool, sizes: tuple[int, ...] | None = None, repeats: int | None = None,
            repeats_10k: int | None = None) -> tuple[list[Row], dict]:
    sizes = sizes or (SIZES_QUICK if quick else SIZES_FULL)
    repeats = repeats or (REPEATS_QUICK if quick else REPEATS_FULL)
    repeats_by_size = {n: 1 if n > PEERS_UP_TO else (repeats_10k or repeats) if n >= 10_000 else repeats
                       for n in sizes}
    rows: list[Row] = []
    log("P2: verifying the peers against the real path on injected bad rows ...")
    verification = verify_peers()
    disagree = [case for case, r in verification.items() if not r["agree"]]
    rows.append(Row("P2.peers", f"real path, polars peer and DuckDB peer refuse the same injected bad rows "
                    f"({len(verification)} cases)", len(verification) - len(disagree), "cases",
                    goal=len(verification), goal_op=">=",
                    shown=f"{len(verification) - len(disagree)}/{len(verification)} agree"
                          + (f"; disagree: {', '.join(disagree)}" if disagree else "")))
    runs: dict[int, dict[str, list[dict]]] = {}
    from bench.snapshot_data import write_snapshot

    with scratch("p2") as tmp:
        for n in sizes:
            snap = tmp / f"snapshot_{n}"
            started = time.perf_counter()
            facts = write_snapshot(snap, n)
            log(f"P2: {n:,} series ({facts['observations'] / 1e6:.2f} M obs, {facts['csv_bytes'] / 1e6:.0f} MB of "
                f"CSV) written in {time.perf_counter() - started:.0f} s")
            impls = IMPLS if n <= PEERS_UP_TO else ("real",)
            runs[n] = {impl: [] for impl in impls}
            for rep in range(repeats_by_size[n]):
                for impl in impls:  # alternating: one of each per repetition, so load hits all alike
                    incremental = impl == "real" and n <= PEERS_UP_TO
                    args = ["--impl", impl, "--snapshot", str(snap)] + (["--incremental"] if incremental else [])
                    started = time.perf_counter()
                    r = run_worker("bench.p2_scale", args, tmp / f"p2_{n}_{impl}_{rep}.json", env=child_env(),
                                   timeout=3600)
                    r["worker_wall_seconds"] = time.perf_counter() - started
                    runs[n][impl].append(r)
                    log(f"    {n:,} {impl} rep {rep + 1}: " + ", ".join(
                        f"{k} {v['seconds']:.2f}s" for k, v in r["steps"].items())
                        + f"; peak RSS {r['peak_rss'] / 1e9:.2f} GB")
            shutil.rmtree(snap, ignore_errors=True)
    summary = {n: _summarise(runs[n]) for n in sizes}
    for n in sizes:
        s = summary[n]
        real = s["real"]
        obs = n * 2520
        at_goal = n == GOAL_AT
        rows.append(Row(f"P2.n{n}", f"{n:,} series ({obs / 1e6:.2f} M obs) real path: source+raw / staging / mart",
                        real["total"], "s", shown=f"{real['total']:.2f} s (source+raw {real['source+raw']:.2f}, "
                        f"staging {real['staging']:.2f}, mart {real['mart']:.2f})"))
        if "polars" not in s:
            # the real path alone (see PEERS_UP_TO): its memory at scale is the measure
            at_scale = n == GOAL_AT_SCALE
            rows.append(Row(f"P2.n{n}", "  peak RSS: real path alone (peers not run at this size)",
                            real["peak_rss"] / 1e9, "GB", goal=GOAL_RSS_BYTES_AT_SCALE / 1e9 if at_scale else None,
                            goal_op="<=" if at_scale else None,
                            shown=f"{real['peak_rss'] / 1e9:.2f} GB in {real['peak_step']} (source "
                                  f"{real['source']:.2f} s)"))
            continue
        pol, duck = s["polars"], s["duckdb"]
        rows.append(Row(f"P2.n{n}", "  polars peer: source / raw / staging / mart", pol["total"], "s",
                        shown=f"{pol['total']:.2f} s ({pol['source']:.2f} / {pol['raw']:.2f} / "
                              f"{pol['staging']:.2f} / {pol['mart']:.2f})"))
        rows.append(Row(f"P2.n{n}", "  DuckDB peer: source / raw / staging / mart", duck["total"], "s",
                        shown=f"{duck['total']:.2f} s ({duck['source']:.2f} / {duck['raw']:.2f} / "
                              f"{duck['staging']:.2f} / {duck['mart']:.2f}); read_csv alone "
                              f"{duck['read_csv']:.2f} s"))
        ingest_staging = real["source+raw"] + real["staging"]
        ratio_pol = ingest_staging / (pol["source"] + pol["raw"] + pol["staging"])
        ratio_duck = ingest_staging / (duck["source"] + duck["raw"] + duck["staging"])
        rows.append(Row(f"P2.n{n}", "  ingest+staging: real / polars peer", ratio_pol, "×",
                        goal=GOAL_VS_POLARS if at_goal else None, goal_op="<=" if at_goal else None,
                        shown=f"{ratio_pol:.2f}× (vs DuckDB peer {ratio_duck:.2f}×)"))
        rows.append(Row(f"P2.n{n}", "  source step (fetch, real) / DuckDB read_csv of the same files",
                        real["source"] / duck["read_csv"], "×",
                        goal=GOAL_SOURCE_VS_READ_CSV if at_goal else None, goal_op="<=" if at_goal else None,
                        shown=f"{real['source'] / duck['read_csv']:.2f}× ({real['source']:.2f} s vs "
                              f"{duck['read_csv']:.2f} s)"))
        rows.append(Row(f"P2.n{n}", "  peak RSS: real (polars peer, DuckDB peer)", real["peak_rss"] / 1e9, "GB",
                        goal=GOAL_RSS_BYTES / 1e9 if at_goal else None, goal_op="<=" if at_goal else None,
                        shown=f"{real['peak_rss'] / 1e9:.2f} GB ({pol['peak_rss'] / 1e9:.2f}, "
                              f"{duck['peak_rss'] / 1e9:.2f}) in {real['peak_step']}"))
        if "rerun" in real:
            rows.append(Row(f"P2.n{n}", "  re-run, nothing changed: up_to_date() / ingest+staging anyway",
                            real["up_to_date"], "s", shown=f"{real['up_to_date']:.3f} s (answer "
                            f"{real['up_to_date_answer']}) / {real['rerun']:.2f} s"))
            rows.append(Row(f"P2.n{n}", "  one series changed: ingest+staging (rows merged)", real["changed"], "s",
                            shown=f"{real['changed']:.2f} s ({real['changed_inserted']} rows merged; up_to_date "
                                  f"said {real['up_to_date_after_change']})"))
    for a, b in zip(sizes, sizes[1:], strict=False):
        ta, tb = summary[a]["real"]["total"], summary[b]["real"]["total"]
        e = growth_exponent(a, ta, b, tb)
        rows.append(Row("P2.exp", f"growth exponent of the real path's wall time {a:,}->{b:,} series", e, "",
                        goal=GOAL_EXPONENT, goal_op="<=", shown=f"{e:.2f}"))
    detail = {"sizes": list(sizes), "repeats": {str(n): r for n, r in repeats_by_size.items()},
              "summary": {str(n): summary[n] for n in sizes},
              "runs": {str(n): runs[n] for n in sizes}, "peer_verification": verification,
              "goals": {"exponent_max": GOAL_EXPONENT, "peak_rss_bytes_max_at_10k": GOAL_RSS_BYTES,
                        "peak_rss_bytes_max_at_100k": GOAL_RSS_BYTES_AT_SCALE,
                        "ingest_staging_vs_polars_peer_max": GOAL_VS_POLARS,
                        "source_vs_duckdb_read_csv_max": GOAL_SOURCE_VS_READ_CSV}}
    return rows, detail


def _summarise(runs: dict[str, list[dict]]) -> dict:
    out = {}
    for impl, reps in runs.items():
        s: dict = {"peak_rss": median([r["peak_rss"] for r in reps])}
        if impl == "real":
            def step(r, name):
                return r["steps"][name]["seconds"]

            s["source+raw"] = median([step(r, "ingest") for r in reps])
            s["staging"] = median([step(r, "stage_latest") for r in reps])
            s["mart"] = median([step(r, "net_liquidity_mart") for r in reps])
            s["total"] = s["source+raw"] + s["staging"] + s["mart"]
            # the source step alone: the fetch inside ingest, timed by a second worker call would double the
            # run; it is what ingest spends before check_delivery (recorded by the worker, see info)
            s["source"] = median([r["info"].get("fetch_seconds", step(r, "ingest")) for r in reps])
            if "ingest_rerun_unchanged" in reps[0]["steps"]:
                s["rerun"] = median([step(r, "ingest_rerun_unchanged") + step(r, "stage_latest_rerun_unchanged")
                                     for r in reps])
                s["up_to_date"] = median([step(r, "up_to_date_check") for r in reps])
                s["up_to_date_answer"] = reps[0]["info"]["up_to_date"]
                s["changed"] = median([step(r, "ingest_one_series_changed")
                                       + step(r, "stage_latest_one_series_changed") for r in reps])
                s["changed_inserted"] = reps[0]["info"]["inserted_one_series_changed"]
                s["up_to_date_after_change"] = reps[0]["info"]["up_to_date_after_change"]
            peaks = {k: v.get("rss_peak", 0) for k, v in reps[0]["steps"].items()}
            s["peak_step"] = max(peaks, key=peaks.get)
        else:
            for stage in STAGES:
                s[stage] = median([r["steps"][stage]["seconds"] for r in reps])
            s["total"] = sum(s[stage] for stage in STAGES)
            if impl == "duckdb":
                s["read_csv"] = median([r["info"]["duckdb_read_csv_seconds"] for r in reps])
        out[impl] = s
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.p2_scale", description=__doc__)
    parser.add_argument("--impl", choices=IMPLS, required=True)
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--incremental", action="store_true", help="real path: also the re-run cases")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    worker(args.impl, args.snapshot, args.out, args.incremental)
    return 0


if __name__ == "__main__":
    sys.exit(main())
