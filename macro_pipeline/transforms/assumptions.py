"""The versioned assumptions of the real-economy marts (``catalog/real_economy_assumptions.csv``): base periods,
mortgage terms and the income conversion, each row with its rationale and source. Parsed once by
the ``config.real_economy_assumptions`` asset; the marts read it through ``CatalogFile``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl

ASSUMPTIONS_FILE = Path(__file__).resolve().parents[1] / "catalog" / "real_economy_assumptions.csv"
COLUMNS = ["assumption_version", "claim_id", "parameter", "value", "unit", "rationale", "source"]
# parameter -> how its value parses; a file with another parameter, or without one of these, is refused
PARAMETERS = {
    ("C7", "index_base_quarter"): "quarter", ("C7", "tech_employment_base_month"): "month",
    ("C9", "price_base_month"): "month", ("C9", "mortgage_term_years"): "int", ("C9", "down_payment_share"): "share",
    ("C9", "income_dollar_year"): "int", ("C9", "wealth_share_sum_tolerance_pp"): "float",
    ("C12", "index_base_quarter"): "quarter",
}


class AssumptionError(ValueError):
    """The assumptions file breaks a rule; the message names the row and the column."""


def load_assumptions(path: Path | str | None = None) -> pl.DataFrame:
    path = Path(path or ASSUMPTIONS_FILE)
    return parse_assumptions(path.read_text(encoding="utf-8"), path.name)


def _check_value(kind: str, text: str) -> None:
    if kind in ("quarter", "month"):
        day = dt.date.fromisoformat(text)
        if day.day != 1 or (kind == "quarter" and day.month not in (1, 4, 7, 10)):
            raise ValueError(f"{text} is not the first day of a {kind}")
    elif kind == "int":
        if int(text) < 1:
            raise ValueError(f"{text} is not a positive whole number")
    else:
        number = float(text)
        if kind == "share" and not 0 <= number < 1:
            raise ValueError(f"{text} is not a share in [0, 1)")


def parse_assumptions(text: str, name: str = "real_economy_assumptions.csv") -> pl.DataFrame:
    reader = csv.DictReader(io.StringIO(text))
    if (reader.fieldnames or []) != COLUMNS:
        raise AssumptionError(f"{name}: header must be {COLUMNS}, not {reader.fieldnames}")
    rows = list(reader)
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(rows, start=1):
        for column in COLUMNS:
            if not (row[column] or "").strip():
                raise AssumptionError(f"{name} row {i}, column {column}: is empty; every assumption needs one")
        key = (row["claim_id"], row["parameter"])
        if key not in PARAMETERS:
            raise AssumptionError(f"{name} row {i}, column parameter: unknown {key}; known: {sorted(PARAMETERS)}")
        if key in seen:
            raise AssumptionError(f"{name} row {i}, column parameter: {key} appears twice")
        seen.add(key)
        try:
            _check_value(PARAMETERS[key], row["value"])
        except ValueError as err:
            raise AssumptionError(f"{name} row {i}, column value: {err}") from None
    missing = sorted(set(PARAMETERS) - seen)
    if missing:
        raise AssumptionError(f"{name}: parameters {missing} are missing")
    if len({r["assumption_version"] for r in rows}) != 1:
        raise AssumptionError(f"{name}: all rows carry the same assumption_version")
    return pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String))


def assumption(frame: pl.DataFrame, claim_id: str, parameter: str) -> str:
    """The value (text) of one assumption; an error naming it if the parsed file lacks it."""
    hit = frame.filter((pl.col("claim_id") == claim_id) & (pl.col("parameter") == parameter))["value"]
    if hit.len() != 1:
        raise AssumptionError(f"assumption {claim_id}/{parameter} is not in the assumptions file")
    return hit[0]


def assumption_date(frame: pl.DataFrame, claim_id: str, parameter: str) -> dt.date:
    return dt.date.fromisoformat(assumption(frame, claim_id, parameter))


def version(frame: pl.DataFrame) -> str:
    return frame["assumption_version"][0]
