"""Indicators as first published vs now (transforms/revisions.py): on small hand-checkable releases, and on the
real vintage files against numbers read off them by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from macro_pipeline.schemas.revisions import IndicatorRevisions, PayrollGainsRevisions
from macro_pipeline.settings import PROJECT_ROOT
from macro_pipeline.sources.snapshot_vintages import parse_vintages_csv
from macro_pipeline.transforms.revisions import (
    benchmark_releases,
    calendar_year_sums,
    changes_by_release,
    indicator_revisions,
    payroll_gains_revisions,
    release_stages,
)
from macro_pipeline.transforms.validation import validate

D = dt.date
VINTAGES = PROJECT_ROOT / "data" / "fred_snapshot" / "vintages"


def levels(rows: list[tuple[str, dt.date, float, dt.date]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64,
                                      "realtime_start": pl.Date}, orient="row")


def real_vintages() -> pl.DataFrame:
    return pl.concat([parse_vintages_csv(s, (VINTAGES / f"{s}.csv").read_text(encoding="utf-8"))
                      for s in ("GDPC1", "PAYEMS")])


# ---------------------------------------------------------------------------------------------- within a release


def test_growth_is_computed_within_one_release_never_across_two_base_years():
    # release A in old dollars holds Q1 and Q2; release B in new dollars (twice the level) holds Q2 and Q3
    frame = levels([("GDPC1", D(2020, 1, 1), 100.0, D(2020, 5, 1)), ("GDPC1", D(2020, 4, 1), 101.0, D(2020, 5, 1)),
                    ("GDPC1", D(2020, 4, 1), 202.0, D(2020, 8, 1)), ("GDPC1", D(2020, 7, 1), 204.02, D(2020, 8, 1))])
    out = changes_by_release(frame, 3, "saar_growth")
    assert out.select("date", "realtime_start").rows() == [(D(2020, 4, 1), D(2020, 5, 1)),
                                                           (D(2020, 7, 1), D(2020, 8, 1))]
    # both 1 % a quarter: 4.06 % SAAR; mixing 204.02 (new dollars) with 101 (old) would give ~1560 %
    assert out["change"].to_list() == pytest.approx([(1.01 ** 4 - 1) * 100] * 2)


def test_gains_are_differences_within_one_release_and_a_missing_level_gives_none():
    frame = levels([("PAYEMS", D(2025, 1, 1), 1000.0, D(2025, 3, 7)), ("PAYEMS", D(2025, 2, 1), 1150.0, D(2025, 3, 7)),
                    ("PAYEMS", D(2025, 3, 1), None, D(2025, 4, 4)), ("PAYEMS", D(2025, 2, 1), 1120.0, D(2025, 4, 4))])
    out = changes_by_release(frame, 1, "difference")
    assert out.rows() == [(D(2025, 2, 1), D(2025, 3, 7), 150.0)]
    with pytest.raises(ValueError, match="kind must be"):
        changes_by_release(frame, 1, "ratio")


def test_stages_first_third_latest_and_no_first_print_for_an_archive_start():
    changes = pl.DataFrame({
        "date": [D(2024, 1, 1)] * 5 + [D(1960, 1, 1)] * 2 + [D(2025, 1, 1)],
        "realtime_start": [D(2024, 4, 25), D(2024, 5, 30), D(2024, 6, 27), D(2024, 9, 26), D(2026, 11, 26),
                           D(1991, 12, 4), D(2026, 11, 26), D(2026, 11, 26)],
        "change": [1.6, 1.3, 1.4, 1.5, 0.8, 2.0, 2.5, 3.0]})
    out = {r["date"]: r for r in release_stages(changes, "quarter").to_dicts()}
    q = out[D(2024, 1, 1)]
    assert (q["first_value"], q["first_release_date"]) == (1.6, D(2024, 4, 25))
    assert (q["third_estimate_value"], q["third_estimate_release_date"]) == (1.4, D(2024, 6, 27))
    assert (q["latest_value"], q["latest_release_date"]) == (0.8, D(2026, 11, 26))
    assert q["revision"] == pytest.approx(-0.8)
    # 1960-Q1 first listed in 1991: the archive's start, not a first print; 2025-Q1 has one vintage only
    for day in (D(1960, 1, 1), D(2025, 1, 1)):
        assert out[day]["first_value"] is None and out[day]["revision"] is None
        assert out[day]["latest_value"] is not None


def test_a_third_release_long_after_the_first_is_not_a_third_estimate():
    changes = pl.DataFrame({"date": [D(2025, 7, 1)] * 3,
                            "realtime_start": [D(2025, 12, 23), D(2026, 1, 22), D(2026, 11, 26)],
                            "change": [4.3, 4.4, 4.3]})
    row = release_stages(changes, "quarter").row(0, named=True)
    assert row["third_estimate_value"] is None and row["latest_value"] == 4.3


def test_benchmarks_are_found_from_the_data():
    # an ordinary release revises the last two months; a benchmark revises older ones too
    rows = []
    for release, values in ((D(2025, 1, 10), [100, 110, 120, 130]), (D(2025, 2, 7), [95, 104, 119, 131, 140]),
                            (D(2025, 3, 7), [95, 104, 119, 132, 141, 150])):
        rows += [("PAYEMS", D(2024, 9 + i, 1) if i < 4 else D(2025, i - 3, 1), float(v), release)
                 for i, v in enumerate(values)]
    assert benchmark_releases(levels(rows)) == [D(2025, 2, 7)]
    assert benchmark_releases(real_vintages().filter(pl.col("series_id") == "PAYEMS")) == [
        D(2025, 2, 7), D(2026, 2, 11)]


def test_a_calendar_year_sum_needs_all_twelve_months():
    gains = pl.DataFrame({
        "date": [D(2024, m, 1) for m in range(1, 13)] + [D(2025, m, 1) for m in range(1, 12)],
        "first_value": [10.0] * 23, "first_release_date": [D(2025, 1, 10)] * 12 + [D(2025, 12, 5)] * 11,
        "third_estimate_value": [9.0] * 11 + [None] + [8.0] * 11,
        "third_estimate_release_date": [D(2025, 3, 7)] * 23,
        "first_benchmark_value": [7.0] * 23, "first_benchmark_release_date": [D(2025, 2, 7)] * 23,
        "latest_value": [5.0] * 23, "latest_release_date": [D(2026, 11, 26)] * 23})
    out = calendar_year_sums(gains)
    assert out["date"].to_list() == [D(2024, 1, 1)]  # 2025 has eleven months: no sum, nothing filled in
    row = out.row(0, named=True)
    assert (row["first_value"], row["latest_value"], row["revision"]) == (120.0, 60.0, -60.0)
    assert row["third_estimate_value"] is None  # one month without a third estimate
    assert row["first_benchmark_value"] == 84.0


# ---------------------------------------------------------------------------------------------- the real files


def test_real_gdp_growth_first_vs_latest_from_the_files():
    out = indicator_revisions(real_vintages())
    assert validate(IndicatorRevisions, out).ok
    q1 = out.filter((pl.col("indicator_id") == "real_gdp_growth_gdpc1_saar_pct")
                    & (pl.col("date") == D(2024, 1, 1))).row(0, named=True)
    # vintages/GDPC1.csv, release 2024-04-25: 2023-10-01 = 22679.255, 2024-01-01 = 22768.866
    assert q1["first_value"] == round(((22768.866 / 22679.255) ** 4 - 1) * 100, 2) == 1.59
    assert q1["first_release_date"] == D(2024, 4, 25)
    # release 2024-06-27 (third): 22679.255 and 22758.752; latest in the files: 2026-03-13, 23033.78 / 23082.119
    assert q1["third_estimate_value"] == round(((22758.752 / 22679.255) ** 4 - 1) * 100, 2)
    assert q1["latest_value"] == round(((23082.119 / 23033.78) ** 4 - 1) * 100, 2)
    assert q1["latest_release_date"] == D(2026, 3, 13)
    assert q1["moved_by"] == "GDPC1" and q1["latest_only_inputs"] is None


def test_real_payroll_gains_sums_and_benchmarks_from_the_files():
    out = indicator_revisions(real_vintages())
    rows = {(r["indicator_id"], r["date"]): r for r in out.to_dicts()}
    jan = rows[("payroll_gain_thousands", D(2025, 1, 1))]
    assert (jan["first_value"], jan["first_release_date"]) == (143.0, D(2025, 2, 7))
    # the manifest's benchmark levels: 2025-03 159275 -> 158377 in the 2026-02-11 release
    bench = rows[("payems_benchmark_revision_thousands", D(2025, 3, 1))]
    assert (bench["first_value"], bench["latest_value"], bench["revision"]) == (159275.0, 158377.0, -898.0)
    assert (bench["first_release_date"], bench["latest_release_date"]) == (D(2026, 1, 9), D(2026, 2, 11))
    year = rows[("payroll_gain_calendar_year_thousands", D(2025, 1, 1))]
    monthly = [rows[("payroll_gain_thousands", D(2025, m, 1))] for m in range(1, 13)]
    assert year["first_value"] == sum(m["first_value"] for m in monthly)
    assert year["latest_value"] == sum(m["latest_value"] for m in monthly)
    wide = payroll_gains_revisions(real_vintages())
    assert validate(PayrollGainsRevisions, wide).ok
    assert wide.height == 24 and wide["first_print_gain_thousands"].null_count() == 0


def test_ex_ai_growth_moves_only_with_gdp_growth_and_names_the_latest_only_inputs():
    gdp_ex_ai = pl.DataFrame({"quarter": [D(2024, 1, 1)], "definition": ["broad"], "ai_contribution_pp": [0.5],
                              "components": [["information_processing_equipment", "software"]]})
    out = indicator_revisions(real_vintages(), gdp_ex_ai)
    gdp = out.filter((pl.col("indicator_id") == "real_gdp_growth_gdpc1_saar_pct") & (pl.col("date") == D(2024, 1, 1)))
    ex = out.filter(pl.col("indicator_id") == "gdp_growth_ex_ai_broad_saar_pct")
    assert ex["date"].to_list() == [D(2024, 1, 1)]  # only quarters the mart has
    assert ex["first_value"][0] == pytest.approx(gdp["first_value"][0] - 0.5)
    assert ex["revision"][0] == pytest.approx(gdp["revision"][0])
    assert ex["latest_only_inputs"][0] == ("AI contribution of information_processing_equipment, software "
                                           "(marts.gdp_ex_ai, latest vintage)")


def test_single_vintage_inputs_give_no_rows_not_zero_revisions():
    one = levels([("PAYEMS", D(2025, 1, 1), 100.0, D(2026, 11, 26)), ("PAYEMS", D(2025, 2, 1), 120.0, D(2026, 11, 26)),
                  ("GDPC1", D(2025, 1, 1), 100.0, D(2026, 11, 26)), ("GDPC1", D(2025, 4, 1), 101.0, D(2026, 11, 26))])
    out = indicator_revisions(one)
    assert out.is_empty() and out.columns == list(IndicatorRevisions.to_schema().columns)
    assert payroll_gains_revisions(one).is_empty()
    assert indicator_revisions(levels([])).is_empty()
