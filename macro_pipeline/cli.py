"""The command line: ``macro-pipeline run`` builds and publishes the warehouse in process, with progress;
``macro-pipeline report`` prints the published scorecard and the chart book's path."""

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


def report(width: int | None = None) -> int:
    """Print the published scorecard as a table and the path of the chart book; read-only, runs nothing."""
    import shutil

    from macro_pipeline.report.terminal import scorecard_rows, scorecard_table

    published = settings.data_dir() / settings.PUBLISHED_FILE_NAME
    if not published.is_file():
        print(f"no published file at {published}: run `macro-pipeline run` first", file=sys.stderr)
        return 1
    rows = scorecard_rows(published)
    as_of, version = (rows[0][4], rows[0][5]) if rows else ("-", "-")
    print(f"claims scorecard of {published} (data as of {as_of}, rules {version})")
    print(scorecard_table(rows, width or shutil.get_terminal_size((120, 24)).columns))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    print(", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items())))
    book = published.parent / "chart_book" / "index.html"
    if book.is_file():
        print(f"chart book: {book}")
    else:
        print(f"chart book: not built yet ({book} is missing)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="macro-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="build every asset from the configured source and publish the file")
    run_parser.add_argument("--job", default=BUILD_WAREHOUSE_JOB_NAME, help="job to run (default: %(default)s)")
    report_parser = sub.add_parser("report", help="print the published claims scorecard and the chart book's path")
    report_parser.add_argument("--width", type=int, default=None, help="table width (default: the terminal's)")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.job)
    if args.command == "report":
        return report(args.width)
    return 2


if __name__ == "__main__":
    sys.exit(main())
