"""Eight analysts query the published file in a loop while three runs publish in a row."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

READER_LOOP = textwrap.dedent("""
    import json, os, sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    seen, errors, queries = set(), [], 0
    while not os.path.exists(stop):
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                runs, recorded, raw_rows, indicators = con.execute(
                    "SELECT count(*), max_by(row_counts['raw.observations'], finished_at), "
                    "(SELECT count(*) FROM raw.observations), (SELECT count(*) FROM published.indicators) "
                    "FROM meta.runs").fetchone()
                latest = con.execute("SELECT count(*) FROM raw.observations_latest").fetchone()[0]
            finally:
                con.close()
            queries += 1
            # every file a reader sees is one complete publish: its tables agree with its own run record
            if raw_rows != recorded or latest == 0 or indicators == 0:
                errors.append(f"inconsistent file: runs={runs} raw={raw_rows} recorded={recorded}")
            seen.add(runs)
        except Exception as err:
            errors.append(f"{type(err).__name__}: {err}")
        # an analyst's pace, a query each half second per reader (16 a second in all): at 0.05 s the eight readers
        # wanted four cores, and each run took 70 s instead of 15 s on two
        time.sleep(0.5)
    print(json.dumps({"seen": sorted(seen), "errors": errors[:20], "n_errors": len(errors), "queries": queries}))
""")


@pytest.mark.timeout(900)
def test_eight_readers_see_only_complete_files_while_three_runs_publish(published_once: Path, tmp_path: Path,
                                                                        subprocess_env: dict[str, str]) -> None:
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER_LOOP, str(published_once), str(stop)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    try:
        time.sleep(1.0)
        for _ in range(3):
            run = subprocess.run([sys.executable, "-m", "macro_pipeline", "run", "--force"], env=subprocess_env,
                                 capture_output=True, text=True, timeout=300)
            assert run.returncode == 0, run.stdout + run.stderr
        time.sleep(0.5)
    finally:
        stop.write_text("stop")
    reports = []
    for reader in readers:
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err
        reports.append(json.loads(out))
    assert [r["n_errors"] for r in reports] == [0] * 8, [r["errors"] for r in reports]
    assert all(r["queries"] > 10 for r in reports), [r["queries"] for r in reports]
    seen = set().union(*(r["seen"] for r in reports))
    assert seen <= {1, 2, 3, 4} and 4 in seen and 1 in seen
