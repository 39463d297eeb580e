"""The command line: ``macro-pipeline run`` builds and publishes the warehouse in process, with progress."""

import argparse
import os
import sys
import time

import dagster as dg
import duckdb

from macro_pipeline import settings
from macro_pipeline.defs.jobs import BUILD_WAREHOUSE_JOB_NAME


def _instance() -> dg.DagsterInstance:
    # with DAGSTER_HOME the run lands in the same history the UI shows; without it nothing is left behind
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run(job_name: str = BUILD_WAREHOUSE_JOB_NAME) -> int:
    from macro_pipeline.definitions import defs

    started = time.monotonic()
    definitions = defs()
    job = definitions.resolve_job_def(job_name)
    steps = len(job.graph.node_defs)
    print(f"macro_pipeline: {job_name} ({steps} steps), data dir {settings.data_dir()}", flush=True)
    with _instance() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"progress": {"config": {"total_steps": steps}}}})
    elapsed = time.monotonic() - started
    if not result.success:
        print(f"run {result.run_id} failed after {elapsed:.1f} s; the published file was not changed.",
              file=sys.stderr)
        return 1
    published = settings.data_dir() / settings.PUBLISHED_FILE_NAME
    print(f"published {published} in {elapsed:.1f} s (run {result.run_id})")
    con = duckdb.connect(str(published), read_only=True)
    try:
        counts = con.execute("SELECT unnest(map_keys(row_counts)), unnest(map_values(row_counts)) FROM meta.runs "
                             "WHERE run_id = ?", [result.run_id]).fetchall()
        not_built = con.execute("SELECT table_name, status, reason, array_to_string(claim_ids, ', ') FROM meta.marts "
                                "WHERE status <> 'built' ORDER BY status, table_name").fetchall()
    finally:
        con.close()
    for name, count in counts:
        print(f"  {name:<34} {count:>9,} rows")
    # per-claim publishing: a failed mart keeps its last good table and the run says so in its exit status
    for name, status, reason, claims in not_built:
        print(f"  {name} ({claims}): {status}: {reason}", file=sys.stderr)
    failed = [row for row in not_built if row[1] == "failed"]
    if failed:
        print(f"{len(failed)} mart(s) failed; the other claims were published, and the failed marts' last good "
              "tables are kept (meta.marts, published.claims_scorecard).", file=sys.stderr)
        return 3
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="macro-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="build every asset from the configured source and publish the file")
    run_parser.add_argument("--job", default=BUILD_WAREHOUSE_JOB_NAME, help="job to run (default: %(default)s)")
    run_parser.add_argument("--force", action="store_true",
                            help="build even when nothing changed since the last publish")
    args = parser.parse_args(argv)
    if args.command == "run":
        # incremental (issue 15): a build whose inputs are those of the last publish would rebuild the same file
        if args.job != BUILD_WAREHOUSE_JOB_NAME:
            return run(args.job)
        from macro_pipeline import incremental

        inputs = incremental.RunInputs.from_settings()
        state = incremental.check(inputs)
        if state.up_to_date and not args.force:
            print(f"macro_pipeline: up to date: {state.reason}; nothing to do (--force builds anyway)")
            return 0
        code = run(args.job)
        if code == 0:
            incremental.record_published(inputs, state.fingerprint)
        return code
    return 2


if __name__ == "__main__":
    sys.exit(main())
