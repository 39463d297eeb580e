"""Parsing what a source delivers into typed observation frames, with errors that name series and rows."""

from __future__ import annotations

import datetime as dt

import polars as pl

from macro_pipeline.schemas.raw import OPEN_END, Delivery
from macro_pipeline.transforms.validation import ValidationReport, sorted_by, validate_screened, with_duplicate_check

EXPECTED_HEADER = ["date", "value"]
MISSING_MARKERS = ("", ".")
# a delivery may carry several vintages of one date (the live vintage fetch): each is one row
DELIVERY_KEY = ("series_id", "date", "realtime_start")
DELIVERY_SCHEMA = {"series_id": pl.String, "date": pl.Date, "value": pl.Float64, "realtime_start": pl.Date,
                   "realtime_end": pl.Date}


class ObservationParseError(ValueError):
    """A series file could not be read; the message names the series and the offending lines."""

    def __init__(self, series_id: str, problem: str, rows: list[dict] | None = None):
        self.series_id = series_id
        self.rows = rows or []
        shown = "; ".join(f"line {r['line']}: {r['problem']} ({r['text']!r})" for r in self.rows[:10])
        more = f"; and {len(self.rows) - 10} more" if len(self.rows) > 10 else ""
        super().__init__(f"series {series_id}: {problem}" + (f": {shown}{more}" if shown else ""))


class DeliveryValidationError(ValueError):
    """A delivery broke the raw rules (duplicates, non-finite values); nothing of it was stored."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.summary())


def empty_delivery() -> pl.DataFrame:
    return pl.DataFrame(schema=DELIVERY_SCHEMA)


def parse_observations_csv(series_id: str, text: str, vintage_date: dt.date) -> pl.DataFrame:
    """Parse a FRED-style ``date,value`` file into delivery rows stamped with ``vintage_date``.

    Empty values and '.' are missing observations (kept as nulls, never dropped); anything else that is not a
    number or an ISO date is an error naming the series and the file lines.
    """
    if not text.strip():
        raise ObservationParseError(series_id, "the file is empty (expected the header 'date,value')")
    # compared field by field as written: 'date,value ' (a trailing blank) is a different column name
    header = text.splitlines()[0].lstrip("\ufeff").split(",")
    if header != EXPECTED_HEADER:
        raise ObservationParseError(series_id, f"header is {header}, expected {EXPECTED_HEADER}")
    # every data line is exactly 'date,value': a missing or extra field is a truncated or foreign file
    ragged = [{"line": number, "problem": f"{line.count(',') + 1} fields, expected 2", "text": line}
              for number, line in enumerate(text.splitlines()[1:], start=2)
              if line.strip() and line.count(",") != 1]
    if ragged:
        raise ObservationParseError(series_id, f"the file is not a two-column CSV: {len(ragged)} lines", ragged)
    frame = pl.read_csv(text.encode(), infer_schema=False).with_row_index("line", offset=2)
    parsed = frame.with_columns(
        pl.when(pl.col("date").str.strip_chars().str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(pl.col("date").str.strip_chars().str.to_date("%Y-%m-%d", strict=False)).alias("date_parsed"),
        pl.when(pl.col("value").fill_null("").str.strip_chars().is_in(MISSING_MARKERS)).then(None)
        .otherwise(pl.col("value").str.strip_chars()).alias("value_text"),
    ).with_columns(pl.col("value_text").cast(pl.Float64, strict=False).alias("value_parsed"))
    bad_date = parsed.filter(pl.col("date_parsed").is_null())
    bad_value = parsed.filter(pl.col("value_text").is_not_null() & pl.col("value_parsed").is_null())
    problems = (
        [{"line": r["line"], "problem": "date is not an ISO date", "text": r["date"]} for r in bad_date.to_dicts()]
        + [{"line": r["line"], "problem": "value is not a number", "text": r["value"]} for r in bad_value.to_dicts()]
    )
    # FRED files are in date order; a file out of order was edited or concatenated by hand
    unordered = parsed.filter(pl.col("date_parsed") < pl.col("date_parsed").shift(1))
    problems += [{"line": r["line"], "problem": "date is earlier than the line before (dates out of order)",
                  "text": r["date"]} for r in unordered.to_dicts()]
    if problems:
        problems.sort(key=lambda r: r["line"])
        raise ObservationParseError(series_id, f"{len(problems)} unreadable rows", problems)
    return parsed.select(
        pl.lit(series_id, pl.String).alias("series_id"),
        pl.col("date_parsed").alias("date"),
        pl.col("value_parsed").alias("value"),
        pl.lit(vintage_date, pl.Date).alias("realtime_start"),
        pl.lit(dt.date.fromisoformat(OPEN_END), pl.Date).alias("realtime_end"),
    )


def check_delivery(delivery: pl.DataFrame) -> pl.DataFrame:
    """Return the delivery if it passes the raw rules, else raise naming every failing series and row."""
    ordered = sorted_by(delivery, DELIVERY_KEY)  # sources deliver in key order: then no sort at all
    report = with_duplicate_check(validate_screened(Delivery, ordered), ordered, DELIVERY_KEY)
    if not report.ok:
        raise DeliveryValidationError(report)
    return delivery
