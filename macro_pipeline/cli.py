"""The command line: ``macro-pipeline run`` builds and publishes the warehouse in process, with progress;
``macro-pipeline report`` prints the published scorecard and the chart book's path.

Every failure ends with its cause in a line or two a person can act on (the series, file and row; the setting
and what it may hold; the path and the OS error), then the run id and "published file unchanged". Settings are
checked before anything runs. No traceback unless ``--debug``.
"""

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

# dagster and duckdb are imported where a run needs them: "up to date", --help and refused settings answer from
# the standard library alone (dagster's import is most of a bare start-up: see bench P5)
from macro_pipeline import settings
from macro_pipeline.run_lock import DataFolderBusy, hold_data_folder, instance_init_lock

EXIT_FAILED = 1
EXIT_REFUSED = 2  # bad settings or a busy data folder: nothing ran


@contextlib.contextmanager
def _instance():
    # with DAGSTER_HOME the run lands in the same history the UI shows; without it nothing is left behind
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance
        return
    # the first use of a fresh DAGSTER_HOME creates its storages: once, under a lock (see run_lock)
    with instance_init_lock(Path(home)):
        instance = dg.DagsterInstance.get()  # creates the sqlite storages and migrates them
    with instance:
        yield instance


def run(job_name: str = settings.BUILD_JOB, create_data_dir: bool = False, wait_seconds: float = 0.0,
        force: bool = False) -> int:
    problems = settings.check_run_settings(job_name, create_data_dir)
    if problems:
        for problem in problems:
            print(f"macro-pipeline: {problem}", file=sys.stderr)
        print("macro-pipeline: nothing ran; the published file is unchanged.", file=sys.stderr)
        return EXIT_REFUSED
    data_dir = settings.data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    with hold_data_folder(data_dir, wait_seconds):
        if job_name != settings.BUILD_JOB:
            return _run_locked(job_name, data_dir)
        # incremental: a build whose inputs are those of the last publish would rebuild the same file
        from macro_pipeline import incremental

        inputs = incremental.RunInputs.from_settings()
        state = incremental.check(inputs)
        if state.up_to_date and not force:
            print(f"macro_pipeline: up to date: {state.reason}; nothing to do (--force builds anyway)")
            return 0
        code = _run_locked(job_name, data_dir)
        if code == 0:
            incremental.record_published(inputs, state.fingerprint)
        return code


def _run_locked(job_name: str, data_dir: Path) -> int:
    import duckdb

    from macro_pipeline.definitions import defs
    from macro_pipeline.progress import run_failures

    started = time.monotonic()
    job = defs().resolve_job_def(job_name)
    steps = len(job.graph.node_defs)
    published = data_dir / settings.PUBLISHED_FILE_NAME
    print(f"macro_pipeline: {job_name} ({steps} steps), data dir {data_dir}", flush=True)
    with _instance() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"progress": {"config": {"total_steps": steps}}}})
    elapsed = time.monotonic() - started
    if not result.success:
        by_cause: dict[str, list[str]] = {}
        for where, cause in run_failures(result.all_events):
            by_cause.setdefault(cause, []).append(where)
        for cause, places in by_cause.items():  # one line per cause, however many steps it stopped
            print(f"error in {', '.join(places)}: {_first_lines(cause)}", file=sys.stderr)
        if _published_by(published, result.run_id):
            # the file was published before a later step (chart book, exports) failed: say so, never "unchanged"
            print(f"run {result.run_id} failed after {elapsed:.1f} s, after publishing {published}; the steps "
                  "above failed after the publish.", file=sys.stderr)
        else:
            print(f"run {result.run_id} failed after {elapsed:.1f} s; published file unchanged ({published}).",
                  file=sys.stderr)
        return EXIT_FAILED
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


def _published_by(published: Path, run_id: str) -> bool:
    """Whether this run's publish step replaced the file (its row is in the published meta.runs)."""
    import duckdb

    if not published.is_file():
        return False
    try:
        con = duckdb.connect(str(published), read_only=True)
        try:
            return bool(con.execute("SELECT count(*) FROM meta.runs WHERE run_id = ?", [run_id]).fetchall()[0][0])
        finally:
            con.close()
    except duckdb.Error:
        return False


def _first_lines(text: str, lines: int = 2, width: int = 400) -> str:
    """The first ``lines`` lines of a cause (the full text is in the step's lines above)."""
    kept = [line if len(line) <= width else line[:width] + " ..." for line in text.strip().splitlines()[:lines]]
    more = len(text.strip().splitlines()) - lines
    return "\n  ".join(kept) + (f"\n  ... ({more} more lines above)" if more > 0 else "")


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
    parser = argparse.ArgumentParser(prog="macro-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="build every asset from the configured source and publish the file")
    run_parser.add_argument("--job", default=settings.BUILD_JOB,
                            help=f"job to run: {settings.BUILD_JOB} (default), or {settings.LIVE_JOB} with "
                                 f"{settings.SOURCE_ENV}=fred")
    run_parser.add_argument("--create", action="store_true",
                            help=f"create the data folder ({settings.DATA_DIR_ENV}) if it does not exist")
    run_parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                            help="wait up to SECONDS for another run on the same data folder (default: refuse)")
    run_parser.add_argument("--force", action="store_true",
                            help="build even when nothing changed since the last publish")
    run_parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    report_parser = sub.add_parser("report", help="print the published claims scorecard and the chart book's path")
    report_parser.add_argument("--width", type=int, default=None, help="table width (default: the terminal's)")
    args = parser.parse_args(argv)
    if args.command == "report":
        return report(args.width)
    try:
        return run(args.job, args.create, args.wait, args.force)
    except DataFolderBusy as err:
        print(f"macro-pipeline: {err}. Nothing ran; the published file is unchanged.", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as err:  # anything outside a run's steps: one line, the traceback only on request
        if args.debug:
            raise
        print(f"macro-pipeline: {type(err).__name__}: {err}", file=sys.stderr)
        print("macro-pipeline: the published file is unchanged (run with --debug for the traceback).",
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
