"""Exports beside the published file: readers reading them in a loop while they are rewritten never see part of a
file, and a failed export leaves the previous ones as they were."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from macro_pipeline.schemas import export_files, tables
from macro_pipeline.sql import qualified
from macro_pipeline.warehouse.beside import build_folder_for, install_files
from macro_pipeline.warehouse.ddl import create_table
from macro_pipeline.warehouse.exports import exports_path, write_exports

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

# by name, so the fixture names the columns it fills
RAW_INSERT = ("INSERT INTO raw.observations BY NAME SELECT 'S' || (i % 50) AS series_id, "
              "DATE '1990-01-01' + (i // 50)::INTEGER AS date, i * 0.5 AS value, DATE '2026-01-01' AS realtime_start, "
              "DATE '9999-12-31' AS realtime_end, 'test' AS source, TIMESTAMP '2026-01-01' AS loaded_at, "
              "'complete' AS vintage_completeness "
              "FROM range(?) t(i)")


def published_file(path: Path, raw_rows: int) -> Path:
    """A file with every published table (empty), and ``raw_rows`` rows in raw.observations and indicators."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for spec in tables():
            if spec.published:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {spec.schema}")
                con.execute(create_table(spec))
        con.execute(RAW_INSERT, [raw_rows])
        con.execute("INSERT INTO published.indicators SELECT 'x', 'C8', DATE '1990-01-01' + i::INTEGER, i, 'u', "
                    "'s', DATE '2026-01-01', 'observed' FROM range(?) t(i)", [raw_rows // 10])
    finally:
        con.close()
    return path


READER_LOOP = textwrap.dedent("""
    import json, os, sys, time, duckdb
    folder, stop, allowed = sys.argv[1], sys.argv[2], set(json.loads(sys.argv[3]))
    seen, errors, reads = set(), [], 0
    con = duckdb.connect()
    while not os.path.exists(stop):
        for name, sql in (("raw.observations.parquet", "SELECT count(*) FROM read_parquet(?)"),
                          ("published.indicators.csv", "SELECT count(*) FROM read_csv(?, header = true)")):
            try:
                rows = con.execute(sql, [os.path.join(folder, name)]).fetchone()[0]
                reads += 1
                seen.add(f"{name}:{rows}")
                if f"{name}:{rows}" not in allowed:
                    errors.append(f"{name}: {rows} rows, a count no complete export has")
            except Exception as err:
                errors.append(f"{name}: {type(err).__name__}: {err}")
    print(json.dumps({"seen": sorted(seen), "errors": errors[:20], "n_errors": len(errors), "reads": reads}))
""")


@pytest.mark.timeout(600)
def test_readers_never_see_a_partial_export_while_exports_are_rewritten(tmp_path: Path) -> None:
    small, large = 200_000, 600_000
    files = [published_file(tmp_path / "a" / "macro.duckdb", small), published_file(tmp_path / "b" / "macro.duckdb",
                                                                                     large)]
    target = tmp_path / "pub" / "macro.duckdb"
    target.parent.mkdir()
    write_exports(files[0], "first")
    # the exports of file a, moved to where the readers look; every later build replaces them file by file
    exports = exports_path(target)
    exports_path(files[0]).rename(exports)
    allowed = [f"raw.observations.parquet:{n}" for n in (small, large)] + \
              [f"published.indicators.csv:{n // 10}" for n in (small, large)]
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER_LOOP, str(exports), str(stop), json.dumps(allowed)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        time.sleep(1.0)
        for i in range(8):
            source = files[(i + 1) % 2]
            target.unlink(missing_ok=True)
            target.symlink_to(source)
            write_exports(target, f"run{i}")
        time.sleep(0.5)
    finally:
        stop.write_text("stop")
    reports = []
    for reader in readers:
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    for report in reports:
        assert report["n_errors"] == 0, report["errors"]
        assert report["reads"] > 20, report
    seen = set().union(*(r["seen"] for r in reports))
    assert f"raw.observations.parquet:{small}" in seen and f"raw.observations.parquet:{large}" in seen, seen
    assert not list(tmp_path.glob("pub/.exports.*")), "a build folder was left behind"


def test_a_failed_export_leaves_the_previous_exports_as_they_were(tmp_path: Path) -> None:
    published = published_file(tmp_path / "macro.duckdb", 1000)
    write_exports(published, "good")
    before = {p.name: p.read_bytes() for p in exports_path(published).iterdir()}
    assert set(before) == {f for t in tables() if t.published for f in export_files(t.name)}
    con = duckdb.connect(str(published))
    con.execute(f"DROP TABLE {qualified('published.claims_scorecard')}")  # a file the export cannot read whole
    con.close()
    with pytest.raises(duckdb.Error):
        write_exports(published, "broken")
    after = {p.name: p.read_bytes() for p in exports_path(published).iterdir()}
    assert after == before
    assert not build_folder_for(exports_path(published), "broken").exists()


def test_install_replaces_whole_files_removes_dropped_ones_and_cleans_stale_builds(tmp_path: Path) -> None:
    target = tmp_path / "book"
    install_files(target, "r1", {"a.png": b"old a", "index.html": b"old page", "gone.png": b"x"})
    stale = build_folder_for(target, "killed")
    stale.mkdir()
    (stale / "index.html").write_bytes(b"half a pa")
    install_files(target, "r2", {"a.png": b"new a", "index.html": b"new page"}, last=("index.html",))
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {"a.png": b"new a", "index.html": b"new page"}
    assert not stale.exists() and not build_folder_for(target, "r2").exists()
    with pytest.raises(ValueError, match="plain file name"):
        install_files(target, "r3", {"../escape.html": b"x"})
    assert (target / "index.html").read_bytes() == b"new page"
