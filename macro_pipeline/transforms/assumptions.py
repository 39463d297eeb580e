"""The versioned assumptions of the real-economy marts (``catalog/real_economy_assumptions.csv``): base periods,
mortgage terms and the income conversion, each row with its rationale and source. Parsed once by
the ``config.real_economy_assumptions`` asset; the marts read it through ``CatalogFile``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import CatalogError, check_file, read_csv_text, rule

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


def parse_assumptions(text: str, name: str = "real_economy_assumptions.csv") -> pl.DataFrame:
    """The assumptions, validated by one pandera schema (catalog.check_file): every row has each column, a known
    (claim, parameter) once, a value of the parameter's kind (a quarter's or a month's first day, a positive whole
    number, a share in [0, 1), a number); one version; every known parameter present."""
    try:
        frame = read_csv_text(name, text)
    except CatalogError as err:
        raise AssumptionError(str(err)) from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise AssumptionError(f"{name}: missing columns {missing}")
    kind = pl.concat_str("claim_id", pl.lit("/"), "parameter").replace_strict(
        {f"{c}/{p}": k for (c, p), k in PARAMETERS.items()}, default=None)
    value = pl.col("value")
    day = value.str.to_date("%Y-%m-%d", strict=False)
    number = value.cast(pl.Float64, strict=False)
    whole = value.cast(pl.Int64, strict=False)
    schema = pa.DataFrameSchema(
        {c: pa.Column(str, nullable=False, description="every assumption needs one") for c in COLUMNS},
        checks=[
            rule(kind.is_not_null(), f"(claim_id, parameter) is one of {sorted(PARAMETERS)}"),
            rule(~pl.struct("claim_id", "parameter").is_duplicated(), "each (claim_id, parameter) appears once"),
            rule((kind != "quarter") | ((day.dt.day() == 1) & day.dt.month().is_in([1, 4, 7, 10])),
                 "a quarter is the ISO date of its first day"),
            rule((kind != "month") | (day.dt.day() == 1), "a month is the ISO date of its first day"),
            rule((kind != "int") | (whole > 0), "a count is a positive whole number"),
            rule((kind != "share") | ((number >= 0) & (number < 1)), "a share is in [0, 1)"),
            rule((kind != "float") | number.is_finite(), "a number is a finite number"),
            rule(pl.col("assumption_version").n_unique() == 1, "all rows carry the same assumption_version"),
        ], name=name)
    check_file(name, frame, schema, key="parameter", error=AssumptionError)
    present = set(zip(frame["claim_id"].to_list(), frame["parameter"].to_list(), strict=True))
    absent = sorted(set(PARAMETERS) - present)
    if absent:
        raise AssumptionError(f"{name}: parameters {absent} are missing")
    return frame.select(COLUMNS)


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
