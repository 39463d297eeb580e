"""Bad input stops the run with an error naming the series and rows; the published file stays byte-for-byte."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from macro_pipeline_tests.support import (
    copy_catalog,
    copy_reference,
    query,
    read_series,
    run_pipeline,
    set_manifest,
    sha256_file,
    write_series,
)

pytestmark = [pytest.mark.integration, pytest.mark.reliability]


def _replace_line(snapshot: Path, series_id: str, date: str, new_line: str) -> None:
    text = read_series(snapshot, series_id)
    old = next(line for line in text.splitlines() if line.startswith(date + ","))
    write_series(snapshot, series_id, text.replace(old + "\n", new_line + "\n", 1))


def _append_line(snapshot: Path, series_id: str, line: str) -> None:
    write_series(snapshot, series_id, read_series(snapshot, series_id).rstrip("\n") + "\n" + line + "\n")


def missing_file(snapshot: Path, catalog: Path, reference: Path) -> None:
    (snapshot / "series" / "UNRATE.csv").unlink()


def wrong_header(snapshot: Path, catalog: Path, reference: Path) -> None:
    write_series(snapshot, "UNRATE", read_series(snapshot, "UNRATE").replace("date,value", "DATE,UNRATE", 1))


def extra_column(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-04-01,14.8,oops")


def duplicate_dates(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-04-01,14.8\n2020-04-01,14.9")


def unsorted_dates(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-05-01,13.3\n2020-04-01,14.8")
    _replace_line(snapshot, "UNRATE", "2020-05-01", "2020-06-01,11.1")


def infinite_value(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-04-01,inf")


def unit_change_mid_series(snapshot: Path, catalog: Path, reference: Path) -> None:
    # CPI from 2024 on in thousandths of an index point: still inside the index range, a x1000 jump
    text = read_series(snapshot, "CPIAUCSL")
    lines = [f"{d},{float(v) * 1000:.1f}" if d >= "2024-01-01" and v else f"{d},{v}"
             for d, v in (line.split(",") for line in text.strip().splitlines()[1:])]
    write_series(snapshot, "CPIAUCSL", "date,value\n" + "\n".join(lines) + "\n")


def reference_without_citation(snapshot: Path, catalog: Path, reference: Path) -> None:
    table = reference / "datacenter_electricity_us.csv"
    text = table.read_text()
    table.write_text(text.replace("https://rtoinsider.com/94520-berkeley-lab-data-centers-us-power-2028", "", 1))


def assumption_out_of_range(snapshot: Path, catalog: Path, reference: Path) -> None:
    assumptions = catalog / "power_assumptions.csv"
    text = assumptions.read_text()
    assumptions.write_text(text.replace("lbnl_2028_low,load_factor,,0.5,", "lbnl_2028_low,load_factor,,1.7,", 1))


def non_numeric_value(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-04-01,14.8%")


def nan_value(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-04-01,NaN")


def out_of_range_value(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-04-01,148.0")


def off_frequency_date(snapshot: Path, catalog: Path, reference: Path) -> None:
    _replace_line(snapshot, "UNRATE", "2020-04-01", "2020-04-15,14.8")


def future_date(snapshot: Path, catalog: Path, reference: Path) -> None:
    _append_line(snapshot, "UNRATE", "2027-01-01,4.4")


def empty_file(snapshot: Path, catalog: Path, reference: Path) -> None:
    write_series(snapshot, "UNRATE", "")


def checksum_mismatch(snapshot: Path, catalog: Path, reference: Path) -> None:
    write_series(snapshot, "UNRATE", read_series(snapshot, "UNRATE").replace("2020-04-01,14.8", "2020-04-01,4.8"),
                 update_manifest=False)


def row_count_mismatch(snapshot: Path, catalog: Path, reference: Path) -> None:
    set_manifest(snapshot, "UNRATE", rows="900")


def invalid_catalog_id(snapshot: Path, catalog: Path, reference: Path) -> None:
    series = catalog / "series.csv"
    series.write_text(series.read_text().replace("\nUNRATE,", "\nUNRATE;DROP TABLE raw.observations,", 1))


def unknown_catalog_unit(snapshot: Path, catalog: Path, reference: Path) -> None:
    series = catalog / "series.csv"
    lines = series.read_text().splitlines(keepends=True)
    lines = [line.replace(",pct,1,M,", ",percent_of_nothing,1,M,") if line.startswith("UNRATE,") else line
             for line in lines]
    series.write_text("".join(lines))


# (break the input, words the error must contain)
CASES: dict[str, tuple[Callable[[Path, Path, Path], None], list[str]]] = {
    "missing series file": (missing_file, ["UNRATE", "missing"]),
    "wrong header": (wrong_header, ["UNRATE", "header", "UNRATE']"]),
    "extra column": (extra_column, ["UNRATE", "two-column"]),
    "duplicate dates": (duplicate_dates, ["UNRATE", "2020-04-01", "unique"]),
    "dates out of order": (unsorted_dates, ["UNRATE", "line 870", "out of order"]),
    "non-numeric value": (non_numeric_value, ["UNRATE", "line 869", "14.8%"]),
    "infinite value": (infinite_value, ["UNRATE", "2020-04-01", "finite"]),
    "unit change x1000 mid-series": (unit_change_mid_series, ["CPIAUCSL", "2024-01-01", "max_step_ratio"]),
    "NaN value": (nan_value, ["UNRATE", "2020-04-01", "finite"]),
    "out-of-range value": (out_of_range_value, ["UNRATE", "2020-04-01", "plausible range"]),
    "date off the frequency": (off_frequency_date, ["UNRATE", "2020-04-15", "frequency"]),
    "future date": (future_date, ["UNRATE", "2027-01-01", "after the vintage"]),
    "empty file": (empty_file, ["UNRATE", "empty"]),
    "sha256 mismatch": (checksum_mismatch, ["UNRATE", "sha256"]),
    "manifest row count mismatch": (row_count_mismatch, ["UNRATE", "900"]),
    "invalid series id in the catalog": (invalid_catalog_id, ["UNRATE;DROP TABLE raw.observations", "FRED"]),
    "unknown unit in the catalog": (unknown_catalog_unit, ["UNRATE", "unit_id"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_clearly_and_keeps_the_published_file(case: str, published_once: Path, data_dir: Path,
                                                              snapshot_dir: Path, tmp_path: Path) -> None:
    break_input, expected_words = CASES[case]
    catalog_dir = copy_catalog(tmp_path / "catalog")
    reference_dir = copy_reference(tmp_path / "reference")
    published_sha = sha256_file(published_once)
    working = data_dir / "work" / "pipeline.duckdb"
    raw_before = query(working, "SELECT count(*), sum(hash(series_id, date, value)) FROM raw.observations")

    break_input(snapshot_dir, catalog_dir, reference_dir)
    outcome = run_pipeline(data_dir, snapshot_dir, catalog_dir, reference_dir)

    assert not outcome.success
    for word in expected_words:
        assert word in outcome.failure_text, f"{word!r} not in:\n{outcome.failure_text}"
    assert sha256_file(published_once) == published_sha
    assert query(working, "SELECT count(*), sum(hash(series_id, date, value)) FROM raw.observations") == raw_before
    assert not list(data_dir.glob(".macro.duckdb.*"))


def test_the_error_lists_every_broken_series_at_once(published_once: Path, data_dir: Path,
                                                     snapshot_dir: Path) -> None:
    non_numeric_value(snapshot_dir, Path(), Path())
    _replace_line(snapshot_dir, "CPIAUCSL", "2020-04-01", "2020-04-01,n/a")
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert not outcome.success
    assert "2 series could not be read" in outcome.failure_text
    assert "UNRATE" in outcome.failure_text and "CPIAUCSL" in outcome.failure_text


def test_fixing_the_input_lets_the_next_run_publish(published_once: Path, data_dir: Path,
                                                    snapshot_dir: Path) -> None:
    good = read_series(snapshot_dir, "UNRATE")
    out_of_range_value(snapshot_dir, Path(), Path())
    assert not run_pipeline(data_dir, snapshot_dir).success
    write_series(snapshot_dir, "UNRATE", good)
    outcome = run_pipeline(data_dir, snapshot_dir)
    assert outcome.success, outcome.failure_text
    assert query(published_once, "SELECT count(*) FROM meta.runs")[0][0] == 2


# A broken cited file fails only the claims whose marts read it: the others still publish (the mart kit's
# per-claim publishing); the failed marts keep their last good tables and the scorecard names them.
CLAIM_CASES: dict[str, tuple[Callable[[Path, Path, Path], None], list[str], str]] = {
    "reference table without a citation": (reference_without_citation, ["datacenter_electricity_us", "url"],
                                           "marts.datacenter_power_vs_grid"),
    "scenario assumption out of range": (assumption_out_of_range, ["power_assumptions.csv", "load_factor"],
                                         "marts.power_assumptions"),
}


@pytest.mark.parametrize("case", list(CLAIM_CASES))
def test_a_bad_cited_file_fails_its_claim_and_the_others_publish(case: str, published_once: Path, data_dir: Path,
                                                                 snapshot_dir: Path, tmp_path: Path) -> None:
    break_input, expected_words, failed_mart = CLAIM_CASES[case]
    catalog_dir = copy_catalog(tmp_path / "catalog")
    reference_dir = copy_reference(tmp_path / "reference")
    power_before = query(published_once, "SELECT count(*), sum(hash(year, scenario, datacenter_twh)) "
                                         "FROM marts.datacenter_power_vs_grid")
    break_input(snapshot_dir, catalog_dir, reference_dir)
    outcome = run_pipeline(data_dir, snapshot_dir, catalog_dir, reference_dir)
    assert outcome.success, outcome.failure_text
    for word in expected_words:
        assert word in outcome.failure_text, f"{word!r} not in:\n{outcome.failure_text}"
    status = dict(query(published_once, "SELECT table_name, status FROM meta.marts"))
    assert status[failed_mart] == "failed"
    assert status["marts.datacenter_power_by_year"] == "failed"
    assert status["marts.net_liquidity"] == status["marts.gdp_ex_ai"] == "built"
    reason = query(published_once, "SELECT reason FROM meta.marts WHERE table_name = ?", [failed_mart])[0][0]
    assert all(word in reason for word in expected_words), reason
    # the failed marts' published tables are their last good builds, and a new run was published
    assert query(published_once, "SELECT count(*), sum(hash(year, scenario, datacenter_twh)) "
                                 "FROM marts.datacenter_power_vs_grid") == power_before
    assert query(published_once, "SELECT count(*) FROM meta.runs")[0][0] == 2
    verdicts = dict(query(published_once, "SELECT claim_id, verdict FROM published.claims_scorecard"))
    evidence = query(published_once, "SELECT evidence FROM published.claims_scorecard WHERE claim_id = 'C10'")[0][0]
    assert verdicts["C10"] == "insufficient data" and "failed" in evidence and "last good build" in evidence
    assert verdicts["C8"] != "insufficient data" and verdicts["C6"] != "insufficient data"
