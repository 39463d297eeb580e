"""validate(): pandera failures become a report keyed by the failing rows, never an exception for bad data."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from macro_pipeline.schemas.raw import Delivery
from macro_pipeline.transforms.validation import ValidationReport, validate

V = dt.date(2026, 11, 26)
END = dt.date(9999, 12, 31)


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64,
                                      "realtime_start": pl.Date, "realtime_end": pl.Date}, orient="row")


def test_clean_frame_gives_an_empty_report_with_the_key_columns():
    report = validate(Delivery, frame([("GDP", dt.date(2020, 1, 1), 1.0, V, END)]))
    assert isinstance(report, ValidationReport)
    assert report.ok
    assert report.model == "Delivery"
    assert report.failures.columns == ["series_id", "date", "realtime_start", "value", "column", "check"]
    assert report.failures.height == 0
    assert report.series_ids() == []
    assert report.summary() == "Delivery: all rows pass"


def test_failures_carry_the_rows_key_columns_and_check_name():
    report = validate(Delivery, frame([
        ("GDP", dt.date(2020, 1, 1), 1.0, V, END),
        ("UNRATE", dt.date(2020, 2, 1), float("inf"), V, END),
        ("bad id", dt.date(2020, 3, 1), 2.0, V, END),
    ]))
    assert not report.ok
    assert report.failures.sort("series_id").drop("column").rows() == [
        ("UNRATE", dt.date(2020, 2, 1), V, float("inf"), "value is finite or null"),
        ("bad id", dt.date(2020, 3, 1), V, 2.0, "str_matches('^[A-Z0-9][A-Z0-9_]{0,39}$')"),
    ]
    # a column check names its column (a dataframe-wide check names no single column)
    assert report.failures.sort("series_id")["column"][1] == "series_id"
    assert report.series_ids() == ["UNRATE", "bad id"]


def test_one_row_failing_two_checks_gives_two_failure_rows():
    report = validate(Delivery, frame([("GDP", dt.date(2020, 1, 1), float("nan"), V, dt.date(2020, 1, 1))]))
    assert sorted(report.failures["check"].to_list()) == ["realtime_start <= realtime_end",
                                                          "value is finite or null"]
    assert report.failures["series_id"].to_list() == ["GDP", "GDP"]


def test_summary_names_series_counts_checks_and_lists_rows():
    report = validate(Delivery, frame([
        ("DGS10", dt.date(2020, 1, d), float("nan"), V, END) for d in range(1, 13)
    ] + [("DGS2", dt.date(2020, 1, 2), float("inf"), V, END)]))
    text = report.summary(max_rows=3)
    lines = text.splitlines()
    assert lines[0] == ("Delivery: 13 failing row checks in series DGS10, DGS2: "
                        "value is finite or null (13 rows).")
    assert lines[1].startswith("  series_id=DGS10, date=2020-01-01, realtime_start=2026-11-26, value=nan, column=")
    assert lines[1].endswith(", check=value is finite or null")
    assert len(lines) == 5
    assert lines[-1] == "  ... and 10 more"


def test_missing_column_is_a_schema_level_failure_with_empty_keys():
    report = validate(Delivery, frame([("GDP", dt.date(2020, 1, 1), 1.0, V, END)]).drop("realtime_end"))
    assert not report.ok
    schema_rows = report.failures.filter(pl.col("check").str.starts_with("column_in_dataframe"))
    assert schema_rows.height == 1
    assert schema_rows["check"].item() == "column_in_dataframe: realtime_end"
    assert schema_rows["series_id"].item() is None
    assert report.series_ids() == []


def test_wrong_dtype_is_reported_not_raised():
    bad = frame([("GDP", dt.date(2020, 1, 1), 1.0, V, END)]).with_columns(pl.col("date").cast(pl.String))
    report = validate(Delivery, bad)
    assert report.failures.select("column", "check").rows() == [("date", "dtype('Date'): String")]


def test_report_for_a_model_without_series_id():
    class Weekly(pa.DataFrameModel):
        week_date: pl.Date
        x: float = pa.Field(ge=0)

    data = pl.DataFrame({"week_date": [dt.date(2026, 1, 7), dt.date(2026, 1, 14)], "x": [1.0, -1.0]})
    report = validate(Weekly, data)
    assert report.failures.columns == ["week_date", "column", "check"]
    assert report.failures.rows() == [(dt.date(2026, 1, 14), "x", "greater_than_or_equal_to(0)")]
    assert report.series_ids() == []
    assert report.summary().startswith("Weekly: 1 failing row checks: greater_than_or_equal_to(0) (1 rows).")


def test_check_names_survive_any_order_of_schema_building():
    """pandera 0.35 drops a check's declared name when a subclass reuses its parent's checks; our models keep
    checks in leaf classes only. Build every model in a fresh process, subclasses first, and read the names."""
    import subprocess
    import sys

    script = (
        "import inspect, pandera.polars as pa, macro_pipeline.schemas as s\n"
        "import macro_pipeline.schemas.raw, macro_pipeline.schemas.staging\n"
        "models = {m for mod in (s, s.raw, s.staging) for _, m in inspect.getmembers(mod, inspect.isclass)\n"
        "          if issubclass(m, pa.DataFrameModel) and m is not pa.DataFrameModel}\n"
        "for m in sorted(models, key=lambda m: -len(m.__mro__)):\n"
        "    m.to_schema()\n"
        "for m in sorted(models, key=lambda m: m.__name__):\n"
        "    for c in m.to_schema().checks:\n"
        "        print(m.__name__, '|', c.name)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    names = [line.split(" | ", 1) for line in out.strip().splitlines()]
    assert ["Delivery", "value is finite or null"] in names
    assert ["StagingValidation", "date fits the series' frequency"] in names
    # every declared check name is a phrase; a bare function name means pandera lost it
    assert [n for n in names if " " not in n[1]] == []
