"""The working database's connection in a run: held from the first use to the publish step, then released."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from macro_pipeline.warehouse import Warehouse

# another process opening the working database read-write: refused while a run holds it, as DuckDB locks files
OPEN_ELSEWHERE = "import duckdb, sys; duckdb.connect(sys.argv[1]).close(); print('opened')"


def _opens_in_another_process(path: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", OPEN_ELSEWHERE, str(path)], capture_output=True, text=True,
                          timeout=60)
    return done.returncode == 0 and "opened" in done.stdout


@contextlib.contextmanager
def _in_a_run(warehouse: Warehouse) -> Iterator[Warehouse]:
    """The resource as Dagster sets it up for a run and tears it down after."""
    warehouse.setup_for_execution(dg.build_init_resource_context())
    try:
        yield warehouse
    finally:
        warehouse.teardown_after_execution(dg.build_init_resource_context())


def test_outside_a_run_each_use_opens_and_closes_the_file(tmp_path: Path) -> None:
    warehouse = Warehouse(data_dir=str(tmp_path))
    with warehouse.connect() as con:
        con.execute("SELECT 1")
    assert _opens_in_another_process(warehouse.working_path)


def test_in_a_run_the_connection_is_held_and_shared_until_released(tmp_path: Path) -> None:
    warehouse = Warehouse(data_dir=str(tmp_path))
    with _in_a_run(warehouse):
        with warehouse.connect() as con:
            con.execute("CREATE TABLE main.scratch AS SELECT 42 AS answer")
        # a second use sees the first one's committed write through the same database instance
        with warehouse.connect() as con:
            assert con.execute("SELECT answer FROM main.scratch").fetchall() == [(42,)]
        assert not _opens_in_another_process(warehouse.working_path)
        warehouse.release()
        assert _opens_in_another_process(warehouse.working_path)
        # after the release each use opens the file again, and the publish step's own connections can open it
        with warehouse.connect() as con:
            assert con.execute("SELECT answer FROM main.scratch").fetchall() == [(42,)]
        plain = duckdb.connect(str(warehouse.working_path), read_only=True)
        plain.close()
    assert _opens_in_another_process(warehouse.working_path)


def test_a_failed_transaction_on_the_held_connection_leaves_no_trace(tmp_path: Path) -> None:
    warehouse = Warehouse(data_dir=str(tmp_path))
    with _in_a_run(warehouse):
        with pytest.raises(duckdb.Error), warehouse.connect() as con:
            con.execute("CREATE TABLE main.scratch (answer INTEGER)")
            con.begin()
            con.execute("INSERT INTO main.scratch VALUES (1)")
            con.execute("INSERT INTO main.scratch VALUES ('not a number')")
        with warehouse.connect() as con:
            assert con.execute("SELECT count(*) FROM main.scratch").fetchall() == [(0,)]


def test_teardown_releases_the_file_when_a_step_failed(tmp_path: Path) -> None:
    """Dagster tears resources down after a failed step too: the next run (another process) can open the file."""
    warehouse = Warehouse(data_dir=str(tmp_path))

    @dg.asset
    def failing(warehouse: Warehouse) -> None:
        with warehouse.connect() as con:
            con.execute("SELECT 1")
        raise RuntimeError("the step fails after using the working database")

    result = dg.materialize([failing], resources={"warehouse": warehouse}, raise_on_error=False)
    assert not result.success
    assert _opens_in_another_process(warehouse.working_path)


def test_the_bulk_steps_use_the_file_transiently_then_the_run_holds_it_again(tmp_path: Path) -> None:
    """raw and staging run inside transient(): DuckDB frees what they read after each use, as outside a run."""
    warehouse = Warehouse(data_dir=str(tmp_path))
    with _in_a_run(warehouse):
        with warehouse.connect() as con:
            con.execute("CREATE TABLE main.scratch AS SELECT 1 AS answer")
        with warehouse.transient():
            assert _opens_in_another_process(warehouse.working_path)  # the held connection was closed
            with warehouse.connect() as con:
                con.execute("INSERT INTO main.scratch VALUES (2)")
            assert _opens_in_another_process(warehouse.working_path)  # and a use inside does not hold it
        with warehouse.connect() as con:
            assert con.execute("SELECT count(*) FROM main.scratch").fetchall() == [(2,)]
        assert not _opens_in_another_process(warehouse.working_path)  # held again after the block
