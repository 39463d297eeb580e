"""The real graph materialized in process into a temporary folder, and the published file read as analysts do."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.schemas import tables as registry_tables
from macro_pipeline.settings import SQL_DIR
from macro_pipeline.sources.snapshot import read_manifest
from macro_pipeline.sources.snapshot_vintages import read_vintage_manifest
from macro_pipeline_tests.support import query, read_series, run_pipeline, set_snapshot_date, write_series

pytestmark = pytest.mark.integration
CONTRACT_TABLES = ["catalog.series", "catalog.claims", "catalog.tables", "raw.observations", "meta.runs",
                   "published.indicators", "published.claims_scorecard"]


def test_published_file_has_every_contract_table_with_comments(published_once: Path) -> None:
    tables = {f"{s}.{t}" for s, t in query(published_once, "SELECT schema_name, table_name FROM duckdb_tables()")}
    assert set(CONTRACT_TABLES) <= tables
    assert {t.name for t in registry_tables() if t.published} <= tables
    views = {f"{s}.{v}" for s, v in query(published_once, "SELECT schema_name, view_name FROM duckdb_views() "
                                                          "WHERE NOT internal")}
    assert "raw.observations_latest" in views
    uncommented = query(published_once, "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                                        "WHERE NOT internal AND coalesce(comment, '') = '' "
                                        "AND table_name <> 'observations_latest'")
    assert uncommented == []
    table_comments = query(published_once, "SELECT table_name, comment FROM duckdb_tables()")
    assert all(comment for _, comment in table_comments)
    view_comment = query(published_once, "SELECT comment FROM duckdb_views() WHERE view_name = 'observations_latest'")
    macro_comment = query(published_once, "SELECT comment FROM duckdb_functions() "
                                          "WHERE function_name = 'observations_as_of'")
    assert "latest known vintage" in view_comment[0][0] and "as it was known on date D" in macro_comment[0][0]


def test_every_snapshot_series_is_loaded_and_missing_ones_are_reported(published_once: Path,
                                                                      snapshot_dir: Path) -> None:
    manifest = read_manifest(snapshot_dir)
    rows = {r[0]: r[1:] for r in query(published_once, "SELECT series_id, status, n_obs, first_date, last_date "
                                                       "FROM catalog.series")}
    assert set(rows) == set(load_catalog().series_ids())
    vintages = read_vintage_manifest(snapshot_dir)
    for series_id, entry in manifest.items():
        status, n_obs, _first_date, last_date = rows[series_id]
        assert status == "loaded" and n_obs > 0, series_id
        # an earlier release (vintages/) may hold a later period than the snapshot's file: GDPC1's 2025-Q4
        expected_last = max(entry["last_date"], vintages.get(series_id, {}).get("last_date", ""))
        assert str(last_date) == expected_last, series_id
    not_in_snapshot = set(rows) - set(manifest)
    assert not_in_snapshot == {"B935RY2Q224SBEA", "B985RY2Q224SBEA", "Y034RY2Q224SBEA"}
    for series_id in not_in_snapshot:
        assert rows[series_id][:2] == ("missing", 0)


def test_raw_rows_equal_snapshot_rows_and_missing_values_stay_null(published_once: Path,
                                                                  snapshot_dir: Path) -> None:
    manifest = read_manifest(snapshot_dir)
    own = query(published_once, "SELECT count(*) FROM raw.observations WHERE realtime_start = DATE '2026-11-26'")
    assert own[0][0] == sum(int(e["rows"]) for e in manifest.values())
    # the earlier releases of vintages/ are stored beside them, every row of every file
    earlier = query(published_once, "SELECT series_id, count(*) FROM raw.observations "
                                    "WHERE realtime_start < DATE '2026-11-26' GROUP BY ALL ORDER BY 1")
    assert earlier == [(sid, int(e["rows"])) for sid, e in sorted(read_vintage_manifest(snapshot_dir).items())]
    # DTB3 publishes market holidays as empty values: they are kept as nulls, not dropped
    nulls = query(published_once, "SELECT count(*) FROM raw.observations WHERE series_id = 'DTB3' AND value IS NULL")
    assert nulls[0][0] == read_series(snapshot_dir, "DTB3").count(",\n")
    vintage = query(published_once, "SELECT DISTINCT realtime_start, realtime_end FROM raw.observations "
                                    "WHERE series_id NOT IN ('GDPC1', 'PAYEMS')")
    assert [(str(a), str(b)) for a, b in vintage] == [("2026-11-26", "9999-12-31")]


def test_rerun_adds_nothing_and_appends_to_run_log(published_once: Path, data_dir: Path,
                                                   snapshot_dir: Path) -> None:
    before = query(published_once, "SELECT count(*) FROM raw.observations")[0][0]
    assert run_pipeline(data_dir, snapshot_dir).success
    assert query(published_once, "SELECT count(*) FROM raw.observations")[0][0] == before
    runs = query(published_once, "SELECT status, row_counts['raw.observations'], source FROM meta.runs "
                                 "ORDER BY finished_at")
    assert runs == [("published", before, "fred_snapshot 2026-11-26")] * 2


def test_changed_value_becomes_new_vintage_and_as_of_gives_the_old_one(published_once: Path, data_dir: Path,
                                                                        snapshot_dir: Path) -> None:
    text = read_series(snapshot_dir, "GDP")
    old_line = next(line for line in text.splitlines() if line.startswith("2025-07-01,"))
    write_series(snapshot_dir, "GDP", text.replace(old_line, "2025-07-01,31200.5"))
    set_snapshot_date(snapshot_dir, "2026-12-15")
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert outcome.success, outcome.failure_text
    old_value = float(old_line.split(",")[1])
    vintages = query(published_once, "SELECT value, realtime_start, realtime_end FROM raw.observations "
                                     "WHERE series_id = 'GDP' AND date = DATE '2025-07-01' ORDER BY realtime_start")
    assert [(v, str(s), str(e)) for v, s, e in vintages] == [
        (old_value, "2026-11-26", "2026-12-14"), (31200.5, "2026-12-15", "9999-12-31")]
    latest = query(published_once, "SELECT value FROM raw.observations_latest WHERE series_id = 'GDP' "
                                   "AND date = DATE '2025-07-01'")
    as_of = query(published_once, "SELECT value FROM raw.observations_as_of(DATE '2026-12-01') "
                                  "WHERE series_id = 'GDP' AND date = DATE '2025-07-01'")
    assert latest == [(31200.5,)] and as_of == [(old_value,)]
    # the other series were delivered again with the new date but unchanged: no new rows for them
    assert query(published_once, "SELECT count(*) FROM raw.observations WHERE realtime_start = "
                                 "DATE '2026-12-15'")[0][0] == 1


def test_net_liquidity_matches_its_inputs_on_a_known_week(published_once: Path, snapshot_dir: Path) -> None:
    def value(series_id: str, date: str) -> float:
        line = next(row for row in read_series(snapshot_dir, series_id).splitlines() if row.startswith(date + ","))
        return float(line.split(",")[1])

    expected = value("WALCL", "2026-08-26") / 1000 - value("WDTGAL", "2026-08-26") / 1000 \
        - value("RRPONTSYD", "2026-08-26")
    got = query(published_once, "SELECT value FROM published.indicators WHERE indicator_id = "
                                "'net_liquidity_usd_bn' AND date = DATE '2026-08-26'")
    assert got == [(pytest.approx(expected, abs=1e-9),)]
    units = query(published_once, "SELECT DISTINCT unit, claim_id, as_of FROM published.indicators "
                                  "WHERE indicator_id LIKE '%usd_bn'")
    # C8's liquidity, C2's vol-target flow and C3's CTA position are in billions of dollars
    assert sorted((u, c, str(a)) for u, c, a in units) == [("billions of U.S. dollars", c, "2026-11-26")
                                                           for c in ("C2", "C3", "C8")]


def test_claims_scorecard_has_one_row_per_claim_and_its_evidence_names_published_values(
        published_once: Path) -> None:
    rows = query(published_once, "SELECT claim_id, verdict, rules_evaluated, rules_met, evidence, as_of "
                                 "FROM published.claims_scorecard")
    assert sorted(r[0] for r in rows) == sorted(f"C{i}" for i in range(1, 13))
    by_claim = {r[0]: r[1:] for r in rows}
    # the market-structure claims are judged from their marts; C11 says its political part is outside the data
    assert all(by_claim[c][0] != "insufficient data" for c in ("C1", "C2", "C3", "C4", "C5", "C11"))
    assert "Not tested, outside the data" in by_claim["C11"][3]
    # the real-economy claims are judged by rules; C7's hires rate stops in 2024-04 in the snapshot, too stale for
    # its rule, so C7 says which input keeps it from a verdict
    assert all(by_claim[c][1] > 0 for c in ("C7", "C9", "C12"))
    assert by_claim["C7"][0] == "insufficient data"
    assert "hires_rate_pct last value is on 2024-04-01" in by_claim["C7"][3]
    assert by_claim["C9"][0] != "insufficient data" and by_claim["C12"][0] != "insufficient data"
    assert all(by_claim[c][1] > 0 for c in ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C10", "C11"))
    # the C8 evidence quotes the latest published 13-week change, rounded to two decimals
    (value, date), = query(published_once, "SELECT value, date FROM published.indicators WHERE indicator_id = "
                                           "'net_liquidity_change_13w_usd_bn' ORDER BY date DESC LIMIT 1")
    assert f"net_liquidity_change_13w_usd_bn = {round(value, 2):g} billions of U.S. dollars on {date}" \
        in by_claim["C8"][3]
    assert {str(r[5]) for r in rows} == {"2026-11-26"}


def test_working_database_is_a_separate_file(published_once: Path, data_dir: Path) -> None:
    working = data_dir / "work" / "pipeline.duckdb"
    assert working.exists() and working.resolve() != published_once.resolve()
    assert not list(data_dir.glob(".macro.duckdb.*"))  # no build left behind


def test_duckdb_1x_cli_opens_the_file_read_only_and_runs_every_analyst_query(published_once: Path) -> None:
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent)) or shutil.which("duckdb")
    assert cli, "the duckdb CLI (duckdb-cli 1.5.x, in the test extra) is not installed"
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1."), version
    for sql_file in sorted((SQL_DIR / "analyst").glob("*.sql")):
        done = subprocess.run([cli, "-readonly", str(published_once), "-csv", "-c", sql_file.read_text()],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{sql_file.name}: {done.stderr}"
        assert len(done.stdout.strip().splitlines()) > 1, f"{sql_file.name} returned no rows"


# ---------------------------------------------------------------------------------------------- vintages (issue 14)


def test_as_of_a_past_date_gives_that_release_and_flags_a_sparse_source(published_once: Path) -> None:
    rows = query(published_once, "SELECT value, realtime_start, vintage_completeness, known_to_hold_on_date "
                                 "FROM raw.observations_as_of(DATE '2024-06-15') "
                                 "WHERE series_id = 'GDPC1' AND date = DATE '2024-01-01'")
    assert [(v, str(s), c, k) for v, s, c, k in rows] == [(22749.846, "2024-05-30", "sparse", False)]


def test_the_readme_as_of_example_returns_rows(published_once: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = next(line for line in readme.splitlines() if line.startswith("SELECT * FROM raw.observations_as_of("))
    assert len(query(published_once, example.split(";")[0])) > 0


def test_indicator_revisions_have_first_and_latest_with_release_dates(published_once: Path) -> None:
    gdp = query(published_once, "SELECT first_value, first_release_date, latest_value, latest_release_date, "
                                "revision, vintaged_inputs FROM published.indicator_revisions "
                                "WHERE indicator_id = 'real_gdp_growth_gdpc1_saar_pct' AND date = DATE '2025-01-01'")
    assert [(f, str(fd), la, str(ld), r, v) for f, fd, la, ld, r, v in gdp] == [
        (-0.28, "2025-04-30", -0.65, "2026-11-26", -0.37, "GDPC1")]
    jobs = query(published_once, "SELECT first_value, first_release_date, revision, moved_by "
                                 "FROM published.indicator_revisions "
                                 "WHERE indicator_id = 'payroll_gain_thousands' AND date = DATE '2025-01-01'")
    assert [(f, str(fd), r, m) for f, fd, r, m in jobs] == [(143.0, "2025-02-07", -191.0, "PAYEMS")]
    c6 = query(published_once, "SELECT latest_only_inputs FROM published.indicator_revisions "
                               "WHERE indicator_id = 'gdp_growth_ex_ai_broad_saar_pct' AND date = DATE '2025-01-01'")
    assert "marts.gdp_ex_ai, latest vintage" in c6[0][0]
    for name in ("indicator_revisions", "payroll_gains_revisions"):
        comment = query(published_once, f"SELECT comment FROM duckdb_tables() WHERE table_name = '{name}'")[0][0]
        assert "no revision known, not 'not revised'" in comment and "data/fred_snapshot/vintages" in comment
    mart = query(published_once, "SELECT comment FROM duckdb_tables() WHERE table_name = 'gdp_ex_ai_revisions'")
    assert "no revision known" in mart[0][0]
    # the snapshot's headline growth has one vintage: its revised flag says unknown, not false
    assert query(published_once, "SELECT count(*) FROM marts.gdp_ex_ai_revisions WHERE revised IS NOT NULL")[0][0] == 0


def test_payroll_revisions_are_c7_evidence(published_once: Path) -> None:
    evidence = query(published_once, "SELECT evidence FROM published.claims_scorecard WHERE claim_id = 'C7'")[0][0]
    assert "payroll_gain_revision_thousands" in evidence
    indicators = query(published_once, "SELECT count(*) FROM published.indicators "
                                       "WHERE indicator_id = 'payroll_gain_first_print_thousands'")
    assert indicators[0][0] == 24
