"""The mart kit end to end: a mart declared from a test module is built, checked, published and listed; a mart that
fails leaves the other claims published; a data folder an older version built is upgraded by the next run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

from macro_pipeline import mart_kit
from macro_pipeline.mart_kit import Mart, Series
from macro_pipeline.settings import PROJECT_ROOT
from macro_pipeline_tests.support import copy_catalog, copy_reference, query, run_pipeline

pytestmark = pytest.mark.integration

# the last release before the mart kit (0.2.0): its data folders must upgrade without error
PREVIOUS_RELEASE = "3e942d5"


class YoungUnemploymentGap(pa.DataFrameModel):
    """Unemployment of 20-24 year olds minus the headline rate, monthly (a toy mart for the kit's tests)."""

    month: pl.Date = pa.Field(description="month (first day)", metadata={"unit": "date", "source": "BLS via FRED"})
    young_unemployment_gap_pp: float = pa.Field(description="LNS14000036 - UNRATE", metadata={
        "unit": "percentage points", "source": "BLS via FRED (LNS14000036, UNRATE)"})

    class Config:
        description = "Unemployment rate of 20-24 year olds minus the headline rate (toy mart of the kit tests)."


def young_unemployment_gap(staging: pl.DataFrame) -> pl.DataFrame:
    """Unemployment of 20-24 year olds (LNS14000036) minus the headline rate (UNRATE), percentage points, per
    month where both are published (a toy mart declared by the mart kit tests)."""
    wide = staging.pivot(on="series_id", index="date", values="value").drop_nulls()
    return wide.select(pl.col("date").alias("month"),
                       (pl.col("LNS14000036") - pl.col("UNRATE")).alias("young_unemployment_gap_pp")).sort("month")


def broken_mart(staging: pl.DataFrame) -> pl.DataFrame:
    """A toy mart whose transform raises, standing for a bug in one claim's code: the other claims must still
    publish and this one must be reported failed with the error."""
    raise RuntimeError("boom: the toy transform cannot divide by the young")


def reads_the_broken_mart(upstream: pl.DataFrame) -> pl.DataFrame:
    """A toy mart built on the broken one: it must not run on its input's stale table, but fail naming it."""
    return upstream


@pytest.fixture
def toy_mart() -> Iterator[str]:
    mart_kit.mart("marts.young_unemployment_gap", model=YoungUnemploymentGap, key=("month",), claims="C7",
                  date_column="month", units="percentage points",
                  inputs={"staging": Series(("LNS14000036", "UNRATE"))})(young_unemployment_gap)
    yield "marts.young_unemployment_gap"
    mart_kit.unregister("marts.young_unemployment_gap")


@pytest.fixture
def broken_marts() -> Iterator[tuple[str, str]]:
    mart_kit.mart("marts.broken_toy", model=YoungUnemploymentGap, key=("month",), claims="C7",
                  inputs={"staging": Series(("UNRATE",))})(broken_mart)
    mart_kit.mart("marts.broken_toy_child", model=YoungUnemploymentGap, key=("month",), claims="C7",
                  inputs={"upstream": Mart("marts.broken_toy")})(reads_the_broken_mart)
    yield "marts.broken_toy", "marts.broken_toy_child"
    mart_kit.unregister("marts.broken_toy_child")
    mart_kit.unregister("marts.broken_toy")


def test_a_mart_declared_in_a_test_module_is_built_checked_published_and_listed(
        toy_mart: str, data_dir: Path, snapshot_dir: Path, tmp_path: Path) -> None:
    catalog_dir = copy_catalog(tmp_path / "catalog")
    with (catalog_dir / "indicators.csv").open("a", encoding="utf-8") as indicators:
        indicators.write("young_unemployment_gap_pp,C7,Young unemployment gap,percentage points,"
                         "marts.young_unemployment_gap,young_unemployment_gap_pp,month,LNS14000036 - UNRATE,observed\n")
    outcome = run_pipeline(data_dir, snapshot_dir, catalog_dir)
    assert outcome.success, outcome.failure_text
    checks = {e.event_specific_data.check_name: e.event_specific_data.passed
              for e in outcome.result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks["young_unemployment_gap_is_valid"] is True
    published = data_dir / "macro.duckdb"
    # hand check one month against the snapshot files: 2020-04, 20-24 year olds 25.5%, headline 14.8%
    rows = dict(query(published, "SELECT month, young_unemployment_gap_pp FROM marts.young_unemployment_gap"))
    assert len(rows) > 300 and rows[dt.date(2020, 4, 1)] == pytest.approx(25.5 - 14.8)
    listed = query(published, "SELECT grain, upstream_tables, columns FROM catalog.tables WHERE table_name = ?",
                   [toy_mart])
    assert listed == [("(month)", ["staging.observations"], ["month", "young_unemployment_gap_pp"])]
    assert query(published, "SELECT status, claim_ids FROM meta.marts WHERE table_name = ?", [toy_mart]) == [
        ("built", ["C7"])]
    comment = query(published, "SELECT comment FROM duckdb_columns() WHERE table_name = 'young_unemployment_gap' "
                               "AND column_name = 'young_unemployment_gap_pp'")[0][0]
    assert "percentage points" in comment and "LNS14000036" in comment
    value = query(published, "SELECT value, unit, claim_id FROM published.indicators "
                             "WHERE indicator_id = 'young_unemployment_gap_pp' AND date = DATE '2020-04-01'")
    assert value == [(pytest.approx(10.7), "percentage points", "C7")]


def test_a_failing_mart_leaves_the_other_claims_published(broken_marts: tuple[str, str], published_once: Path,
                                                          data_dir: Path, snapshot_dir: Path) -> None:
    broken, child = broken_marts
    liquidity_before = query(published_once, "SELECT count(*) FROM marts.net_liquidity")
    outcome = run_pipeline(data_dir, snapshot_dir)
    # the run publishes: one claim's bug is reported, it does not hold back the others
    assert outcome.success, outcome.failure_text
    assert "boom: the toy transform cannot divide by the young" in outcome.failure_text
    marts = {r[0]: r[1:] for r in query(published_once, "SELECT table_name, status, reason, built_run_id "
                                                        "FROM meta.marts")}
    assert marts[broken][0] == "failed" and "RuntimeError: boom" in marts[broken][1]
    assert marts[broken][2] is None  # never built: its published table is empty, not invented
    assert marts[child][0] == "failed" and f"input {broken} failed" in marts[child][1]
    assert all(status == "built" for name, (status, *_rest) in marts.items() if name not in (broken, child))
    assert query(published_once, f"SELECT count(*) FROM {broken}") == [(0,)]
    assert query(published_once, "SELECT count(*) FROM marts.net_liquidity") == liquidity_before
    assert query(published_once, "SELECT count(*) FROM meta.runs") == [(2,)]
    c7 = query(published_once, "SELECT verdict, evidence FROM published.claims_scorecard WHERE claim_id = 'C7'")[0]
    assert c7[0] == "insufficient data" and f"{broken} failed" in c7[1] and "never built" in c7[1]
    c8 = query(published_once, "SELECT verdict FROM published.claims_scorecard WHERE claim_id = 'C8'")[0][0]
    assert c8 != "insufficient data"


def test_a_mart_whose_columns_changed_is_rebuilt_not_refused(published_once: Path, data_dir: Path,
                                                             snapshot_dir: Path) -> None:
    """The defect the kit fixes: a column change broke every existing data folder (BinderException)."""
    import duckdb

    working = data_dir / "work" / "pipeline.duckdb"
    con = duckdb.connect(str(working))
    con.execute('ALTER TABLE marts.net_liquidity DROP COLUMN "complete"')
    con.execute("ALTER TABLE marts.gdp_ex_ai ADD COLUMN obsolete_column DOUBLE")
    con.close()
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert outcome.success, outcome.failure_text
    assert query(published_once, "SELECT count(*) FROM marts.net_liquidity WHERE complete") == [(670,)]
    assert "obsolete_column" not in [r[0] for r in query(
        published_once, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'gdp_ex_ai'")]


@pytest.mark.slow
def test_a_data_folder_built_by_the_previous_release_is_upgraded(data_dir: Path, snapshot_dir: Path,
                                                                 tmp_path: Path) -> None:
    """Run the previous release's own code (from git) on a data folder, then this version on the same folder."""
    old = tmp_path / "previous_release"
    old.mkdir()
    archive = tmp_path / "previous.tar"
    made = subprocess.run(["git", "-C", str(PROJECT_ROOT), "archive", "-o", str(archive), PREVIOUS_RELEASE],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, f"the previous release {PREVIOUS_RELEASE} is not in this clone: {made.stderr}"
    with tarfile.open(archive) as tar:
        tar.extractall(old, filter="data")
    env = {**os.environ, "PYTHONPATH": str(old), "MACRO_PIPELINE_DATA_DIR": str(data_dir),
           "MACRO_PIPELINE_SNAPSHOT_DIR": str(snapshot_dir)}
    env.pop("DAGSTER_HOME", None)
    first = subprocess.run([sys.executable, "-c", "import sys, macro_pipeline.cli as c; "
                            "assert c.__file__.startswith(sys.argv[1]), c.__file__; sys.exit(c.main(['run']))",
                            str(old)], cwd=old, env=env, capture_output=True, text=True, timeout=240)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    published = data_dir / "macro.duckdb"
    assert query(published, "SELECT count(*) FROM meta.runs") == [(1,)]
    old_runs = query(published, "SELECT run_id FROM meta.runs")
    before = tmp_path / "previous_release.duckdb"
    shutil.copy(published, before)
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert outcome.success, outcome.failure_text
    _assert_same_published_values(before, published)
    runs = query(published, "SELECT run_id FROM meta.runs ORDER BY started_at")
    assert len(runs) == 2 and runs[0] == old_runs[0]
    assert query(published, "SELECT count(*) FROM meta.marts WHERE status = 'built'")[0][0] >= 9
    assert query(published, "SELECT count(*) FROM marts.net_liquidity")[0][0] > 1000


# tables whose rows describe the run or the code rather than the data
_RUN_TABLES = {"meta.runs", "catalog.tables"}
_RUN_COLUMNS = {"loaded_at", "evidence"}
# what this release adds on purpose (issue 13): the published datacenter shares are new indicators, so C10 lists
# them and published.indicators has their rows; the rows the previous release had are compared
_NEW_ROWS = {"published.indicators": "indicator_id IN (SELECT DISTINCT indicator_id FROM b.published.indicators)",
             # issue 14: the snapshot's earlier releases (vintages/) are stored beside its own vintage
             "raw.observations": "realtime_start = DATE '2026-11-26'"}
_CHANGED_COLUMNS = {"catalog.claims": {"indicator_ids"},
                    # issue 10: every series has a step rule from its unit family now (the effective ratio)
                    "catalog.series": {"max_step_ratio"},
                    # issue 14: 'no revision known' is null now, not false
                    "marts.gdp_ex_ai_revisions": {"revised"}}
# rows this release changes on purpose, left out on both sides: GDPC1 gains its 2025-Q4 value from its vintages
# (issue 14); the claims given rules by issues 11 and 12 (C1-C5, C7-C9, C11, C12) have new verdicts
_SAME_ROWS = {"catalog.series": "series_id <> 'GDPC1'",
              # 2025-Q4 of each definition gains its real GDP level (GDPC1's vintage) and counterfactual level
              "marts.gdp_ex_ai": "quarter <> DATE '2025-10-01'",
              "published.claims_scorecard": "claim_id IN ('C6', 'C10')"}


def _tolerance(table_name: str, column: str) -> float:
    """How far a number may move: half a unit of the last decimal its unit declares (values are rounded at publish
    since issue 13, catalog/unit_precision.csv), else float noise only."""
    from macro_pipeline.catalog import load_catalog, unit_precision
    from macro_pipeline.schemas import table

    precision = unit_precision()
    if table_name == "published.indicators" and column == "value":
        decimals = min(precision[u] for u in set(load_catalog().indicators["unit"].to_list()))
    else:
        unit = next((c.unit for c in table(table_name).columns if c.name == column), None)
        decimals = precision.get(unit or "")
    return 0.0 if decimals is None else 0.5 * 10.0 ** -decimals


def _assert_same_published_values(before: Path, after: Path) -> None:
    """Every table the previous release published holds the same rows now: text, dates and flags equal, numbers
    equal up to float rounding (net liquidity's millions are now scaled to billions once, in staging, which
    drops noise in the 16th digit, e.g. 732.0590000000001 -> 732.059) and, since issue 13, up to the rounding to
    their unit's declared precision; rows and list entries this release adds on purpose are left out. The
    scorecard's evidence sentence is left out: it prints numbers rounded to 2 decimals, and a value sitting on a
    rounding boundary (-89.095) may print either way; its verdict and counts are compared."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS b (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS a (READ_ONLY)")
    compared = 0
    for schema, name in con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'b'"
                                    ).fetchall():
        if f"{schema}.{name}" in _RUN_TABLES:
            continue
        columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'b' AND "
                              "schema_name = ? AND table_name = ? ORDER BY column_index", [schema, name]).fetchall()
        kept = [(c, t) for c, t in columns
                if c not in _RUN_COLUMNS | _CHANGED_COLUMNS.get(f"{schema}.{name}", set())]
        exact = ", ".join(f'"{c}"' for c, t in kept if t != "DOUBLE")
        numbers = [c for c, t in kept if t == "DOUBLE"]
        same = _SAME_ROWS.get(f"{schema}.{name}")
        key_rows = (f'SELECT row_number() OVER (ORDER BY {exact or "1"}) AS n, * FROM {{db}}."{schema}"."{name}"'
                    + (f" WHERE {same}" if same else ""))
        new_rows = _NEW_ROWS.get(f"{schema}.{name}")
        differences = (
            f"FROM ({key_rows.format(db='b')}) AS x FULL JOIN "
            f"({key_rows.format(db='a') + ((' AND ' if same else ' WHERE ') + new_rows if new_rows else '')}) AS y "
            f"USING (n) WHERE " + " OR ".join(
                [f'x."{c}" IS DISTINCT FROM y."{c}"' for c, t in kept if t != "DOUBLE"]
                + [f'(x."{c}" IS DISTINCT FROM y."{c}" AND NOT coalesce(abs(x."{c}" - y."{c}") <= '
                   f'{_tolerance(f"{schema}.{name}", c)} + 1e-9 * greatest(1, abs(x."{c}")), false))'
                   for c in numbers] or ["false"]))
        differing = con.execute(f"SELECT count(*) {differences}").fetchall()[0][0]
        # the first differing rows, before and after, so a failure says what moved
        sample = con.execute(f"SELECT x, y {differences} LIMIT 1").fetchall() if differing else []
        assert differing == 0, f"{schema}.{name}: {differing} rows differ from the previous release, first: " \
                               f"{str(sample)[:3000]}"
        compared += 1
    assert compared >= 14


@pytest.mark.slow
def test_the_run_command_publishes_the_other_claims_and_exits_3_naming_the_failed_marts(
        subprocess_env: dict[str, str], data_dir: Path, tmp_path: Path) -> None:
    reference = copy_reference(tmp_path / "reference")
    table = reference / "pjm_capacity_prices.csv"
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
    rows[0]["url"] = ""  # the first row loses its citation
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    table.write_text(out.getvalue(), encoding="utf-8")
    env = {**subprocess_env, "MACRO_PIPELINE_REFERENCE_DIR": str(reference)}
    done = subprocess.run([sys.executable, "-m", "macro_pipeline.cli", "run"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert "marts.datacenter_power_vs_grid (C10): failed: input reference.pjm_capacity_prices failed" in done.stderr
    assert "pjm_capacity_prices.csv row 1" in done.stderr and "'url'" in done.stderr
    assert "mart(s) failed; the other claims were published" in done.stderr
    published = data_dir / "macro.duckdb"
    assert query(published, "SELECT status FROM meta.marts WHERE table_name = 'marts.net_liquidity'") == [("built",)]
    assert query(published, "SELECT count(*) FROM marts.datacenter_power_vs_grid") == [(0,)]
