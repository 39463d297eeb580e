"""`macro-pipeline run` with nothing changed is "up to date" and publishes nothing; a change in one series re-runs
and merges only that series; --force always builds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from macro_pipeline import cli, incremental
from macro_pipeline_tests.support import query, read_series, set_snapshot_date, write_series

pytestmark = [pytest.mark.integration]


@pytest.fixture
def cli_env(monkeypatch, data_dir: Path, snapshot_dir: Path) -> Path:
    monkeypatch.setenv("MACRO_PIPELINE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MACRO_PIPELINE_SNAPSHOT_DIR", str(snapshot_dir))
    monkeypatch.setenv("MACRO_PIPELINE_SOURCE", "snapshot")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return data_dir / "macro.duckdb"


def runs(published: Path) -> int:
    return query(published, "SELECT count(*) FROM meta.runs")[0][0]


def test_nothing_changed_is_up_to_date_and_a_changed_series_rebuilds(cli_env: Path, snapshot_dir: Path,
                                                                     data_dir: Path, capsys) -> None:
    published = cli_env
    assert cli.main(["run"]) == 0
    assert runs(published) == 1
    stat = published.stat()

    assert cli.main(["run"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert published.stat().st_mtime_ns == stat.st_mtime_ns and runs(published) == 1  # nothing republished

    # the "up to date" answer comes before any heavy import: a fresh interpreter, as the command starts
    probe = ("import sys\nfrom macro_pipeline import cli\ncode = cli.main(['run'])\n"
             "print('heavy:', sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:])))\nsys.exit(code)")
    heavy = ["dagster", "duckdb", "polars", "pandera", "pandas", "pyarrow", "numpy"]
    done = subprocess.run([sys.executable, "-c", probe, *heavy], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout and "heavy: []" in done.stdout, done.stdout

    # one series revised in a new snapshot: the run starts, and only that series is parsed and merged
    text = read_series(snapshot_dir, "GDP")
    old_line = next(line for line in text.splitlines() if line.startswith("2025-07-01,"))
    write_series(snapshot_dir, "GDP", text.replace(old_line, "2025-07-01,31200.5"))
    set_snapshot_date(snapshot_dir, "2026-12-15")
    assert not incremental.up_to_date(incremental.RunInputs.from_settings())
    assert cli.main(["run"]) == 0
    assert "up to date" not in capsys.readouterr().out
    assert runs(published) == 2
    from macro_pipeline.warehouse import Warehouse

    log = Warehouse(data_dir=str(data_dir)).read("raw.fetch_log")
    fetched = log.filter(log["status"] == "fetched")
    assert fetched.select("series_id", "inserted").rows() == [("GDP", 1)]
    assert set(log["status"].to_list()) == {"fetched", "unchanged", "missing"}
    assert query(published, "SELECT value FROM raw.observations_latest WHERE series_id = 'GDP' "
                            "AND date = DATE '2025-07-01'") == [(31200.5,)]

    assert cli.main(["run"]) == 0 and runs(published) == 2  # up to date again
    assert cli.main(["run", "--force"]) == 0 and runs(published) == 3


def test_the_check_sees_each_kind_of_input_change(cli_env: Path, snapshot_dir: Path, data_dir: Path,
                                                  tmp_path: Path) -> None:
    inputs = incremental.RunInputs.from_settings()
    assert incremental.check(inputs).reason == "nothing published yet"
    cli_env.write_bytes(b"stand-in for the published file")
    incremental.record_published(inputs)
    assert incremental.up_to_date(inputs)

    unrate = snapshot_dir / "series" / "UNRATE.csv"
    stat = unrate.stat()  # same bytes, a later modification time (a file rewritten): looked at again
    os.utime(unrate, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert not incremental.up_to_date(inputs)
    incremental.record_published(inputs)
    (snapshot_dir / "MANIFEST.csv").write_text((snapshot_dir / "MANIFEST.csv").read_text() + "\n")
    assert incremental.check(inputs).reason == "inputs changed since the last publish"
    incremental.record_published(inputs)
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "table.csv").write_text("a\n1\n")
    with_reference = incremental.RunInputs(snapshot_dir, None, reference, data_dir, "snapshot")
    incremental.record_published(with_reference)
    (reference / "table.csv").write_text("a\n2\n")
    assert not incremental.up_to_date(with_reference)
    incremental.record_published(inputs)
    cli_env.write_bytes(b"another run's file")  # published by someone else since
    assert incremental.check(inputs).reason == "the published file was written by another run"
    live = incremental.RunInputs(snapshot_dir, None, None, data_dir, "fred")
    assert not incremental.up_to_date(live)
