"""The product's facts as data: series catalog, units, claims and indicators, loaded and validated here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

# FRED ids are upper-case letters, digits and underscores; anything else (a path, a quote, a semicolon) is
# refused before it can reach a URL, a file name or a query.
SERIES_ID_PATTERN = r"^[A-Z0-9][A-Z0-9_]{0,39}$"
_SERIES_ID_RE = re.compile(SERIES_ID_PATTERN)

FREQUENCIES = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "SA": "semiannual", "A": "annual"}
DATE_RULES = {
    "any_day": "any calendar day",
    "weekday": "Monday to Friday",
    "wednesday": "Wednesdays",
    "wednesday_or_thursday": "Thursdays, or the Wednesday before in holiday weeks",
    "month_start": "first day of a month",
    "quarter_start": "first day of a quarter",
    "half_start": "1 January or 1 July",
    "year_start": "1 January",
}
# which date rules fit which frequency: a monthly series dated mid-month is a catalog error
RULES_BY_FREQUENCY = {
    "D": {"any_day", "weekday"},
    "W": {"wednesday", "wednesday_or_thursday"},
    "M": {"month_start"},
    "Q": {"quarter_start"},
    "SA": {"half_start"},
    "A": {"year_start"},
}
SEASONAL_ADJUSTMENTS = {"SA", "SAAR", "NSA"}
KINDS = {"stock", "flow", "rate", "index", "price"}
AGGREGATIONS = {"average", "end_of_period", "sum"}
CLAIM_ID_PATTERN = r"^C(1[0-2]|[1-9])$"


class CatalogError(ValueError):
    """A catalog file breaks a rule; the message names the file, the row and the rule."""


@dataclass(frozen=True)
class Catalog:
    """The validated catalog files, as polars frames."""

    series: pl.DataFrame
    units: pl.DataFrame
    claims: pl.DataFrame
    indicators: pl.DataFrame

    def series_ids(self) -> list[str]:
        return self.series["series_id"].to_list()


def validate_series_id(series_id: str) -> str:
    """Return the id unchanged if it is a FRED-style id, else raise: ids reach URLs, paths and SQL."""
    if not isinstance(series_id, str) or not _SERIES_ID_RE.fullmatch(series_id):
        raise CatalogError(f"series id {series_id!r} is not a FRED series id (pattern {SERIES_ID_PATTERN})")
    return series_id


PACKAGED_CATALOG_DIR = Path(__file__).parent


def _read(name: str, text: str) -> pl.DataFrame:
    if not text.strip():
        raise CatalogError(f"{name} is empty")
    return pl.read_csv(text.encode(), infer_schema=False)


def _fail_rows(name: str, frame: pl.DataFrame, bad: pl.Series, key: str, rule: str) -> None:
    # a null verdict (a blank cell) cannot show the rule holds: it fails
    bad = bad.fill_null(True)
    if bad.any():
        ids = frame.filter(bad)[key].to_list()
        raise CatalogError(f"{name}: {key} {ids} break the rule: {rule}")


def _require_columns(name: str, frame: pl.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CatalogError(f"{name}: missing columns {missing}")


def parse_units(text: str) -> pl.DataFrame:
    units = _read("units.csv", text)
    _require_columns("units.csv", units, ["unit_id", "label", "plausible_min", "plausible_max", "scale",
                                          "base_unit_id", "note"])
    units = units.with_columns(pl.col("plausible_min", "plausible_max", "scale").cast(pl.Float64, strict=False))
    _fail_rows("units.csv", units, units["scale"].is_null() | (units["scale"] <= 0), "unit_id",
               "scale (multiplier to the unit's plain quantity, e.g. 1e6 for millions) is a positive number")
    bases = units.select("unit_id", pl.col("base_unit_id").alias("_base_of_base")).rename({"unit_id": "base_unit_id"})
    checked = units.join(bases, on="base_unit_id", how="left")
    _fail_rows("units.csv", checked, checked["_base_of_base"] != checked["base_unit_id"], "unit_id",
               "base_unit_id is a unit of units.csv that is its own base")
    _fail_rows("units.csv", units, units["plausible_min"].is_null() | units["plausible_max"].is_null(),
               "unit_id", "plausible_min and plausible_max are numbers")
    _fail_rows("units.csv", units, units["plausible_min"] >= units["plausible_max"], "unit_id",
               "plausible_min < plausible_max")
    _fail_rows("units.csv", units, units["unit_id"].is_duplicated(), "unit_id", "unit ids are unique")
    return units


def parse_series(text: str, units: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    name = "series.csv"
    series = _read(name, text)
    _require_columns(name, series, ["series_id", "title", "units", "unit_id", "unit_scale", "frequency",
                                    "date_rule", "seasonal_adjustment", "kind", "aggregation", "max_step_ratio",
                                    "claim_ids",
                                    "source", "license_note"])
    ids = series["series_id"].fill_null("")
    _fail_rows(name, series, ~ids.str.contains(SERIES_ID_PATTERN), "series_id",
               f"ids match FRED's id syntax {SERIES_ID_PATTERN}")
    _fail_rows(name, series, ids.is_duplicated(), "series_id", "ids are unique")
    for column in ("title", "units", "source", "license_note"):
        _fail_rows(name, series, series[column].is_null(), "series_id", f"{column} is not empty")
    _fail_rows(name, series, ~series["unit_id"].is_in(units["unit_id"].implode()), "series_id",
               f"unit_id is one of units.csv {sorted(units['unit_id'].to_list())}")
    _fail_rows(name, series, ~series["frequency"].is_in(list(FREQUENCIES)), "series_id",
               f"frequency is one of {sorted(FREQUENCIES)}")
    rule_ok = pl.Series([r in RULES_BY_FREQUENCY.get(f, set())
                         for f, r in zip(series["frequency"], series["date_rule"], strict=True)])
    _fail_rows(name, series, ~rule_ok, "series_id", f"date_rule fits the frequency {RULES_BY_FREQUENCY}")
    _fail_rows(name, series, ~series["seasonal_adjustment"].is_in(sorted(SEASONAL_ADJUSTMENTS)), "series_id",
               f"seasonal_adjustment is one of {sorted(SEASONAL_ADJUSTMENTS)}")
    _fail_rows(name, series, ~series["kind"].is_in(sorted(KINDS)), "series_id", f"kind is one of {sorted(KINDS)}")
    _fail_rows(name, series, ~series["aggregation"].is_in(sorted(AGGREGATIONS)), "series_id",
               f"aggregation is one of {sorted(AGGREGATIONS)}")
    blank_ratio = series["max_step_ratio"].is_null()
    series = series.with_columns(
        pl.col("unit_scale").cast(pl.Float64, strict=False),
        pl.col("max_step_ratio").cast(pl.Float64, strict=False),
        pl.col("claim_ids").fill_null("").str.split(";"),
    )
    _fail_rows(name, series, series["unit_scale"].is_null() | (series["unit_scale"] <= 0), "series_id",
               "unit_scale is a positive number")
    # the scale is a fact of the unit (units.csv); the series' own column must agree with it, never drift
    scales = series.join(units.select("unit_id", pl.col("scale").alias("_unit_scale")), on="unit_id", how="left")
    _fail_rows(name, scales, scales["unit_scale"] != scales["_unit_scale"], "series_id",
               "unit_scale equals the scale of its unit_id in units.csv")
    _fail_rows(name, series, ~blank_ratio & ~(series["max_step_ratio"] > 1), "series_id",
               "max_step_ratio is blank (no check) or a number above 1")
    known_claims = set(claims["claim_id"].to_list())
    bad_claims = pl.Series([not ids_ or not set(ids_) <= known_claims for ids_ in series["claim_ids"].to_list()])
    _fail_rows(name, series, bad_claims, "series_id", f"claim_ids is a ';'-list of {sorted(known_claims)}")
    return series.sort("series_id")


def parse_claims(text: str) -> pl.DataFrame:
    claims = _read("claims.csv", text)
    _require_columns("claims.csv", claims, ["claim_id", "claim", "what_would_support_it"])
    _fail_rows("claims.csv", claims, ~claims["claim_id"].fill_null("").str.contains(CLAIM_ID_PATTERN),
               "claim_id", "claim ids are C1..C12")
    _fail_rows("claims.csv", claims, claims["claim_id"].is_duplicated(), "claim_id", "claim ids are unique")
    return claims


def parse_indicators(text: str, claims: pl.DataFrame) -> pl.DataFrame:
    name = "indicators.csv"
    indicators = _read(name, text)
    _require_columns(name, indicators, ["indicator_id", "claim_id", "title", "unit", "source_table",
                                        "source_column", "date_column", "description"])
    _fail_rows(name, indicators, indicators["indicator_id"].is_duplicated(), "indicator_id", "ids are unique")
    _fail_rows(name, indicators, ~indicators["indicator_id"].fill_null("").str.contains(r"^[a-z][a-z0-9_]*$"),
               "indicator_id", "ids are snake_case")
    _fail_rows(name, indicators, ~indicators["claim_id"].is_in(claims["claim_id"].implode()), "indicator_id",
               "claim_id is a claim of claims.csv")
    _fail_rows(name, indicators, indicators["unit"].is_null(), "indicator_id", "every indicator has a unit")
    return indicators


def load_catalog(directory: Path | str | None = None) -> Catalog:
    """The catalog files of ``directory`` (default: the packaged catalog), validated."""
    return _load_catalog(str(Path(directory or PACKAGED_CATALOG_DIR).resolve()))


@cache
def _load_catalog(directory: str) -> Catalog:
    root = Path(directory)

    def text(name: str) -> str:
        path = root / name
        if not path.is_file():
            raise CatalogError(f"catalog file {path} is missing")
        return path.read_text(encoding="utf-8")

    units = parse_units(text("units.csv"))
    claims = parse_claims(text("claims.csv"))
    series = parse_series(text("series.csv"), units, claims)
    indicators = parse_indicators(text("indicators.csv"), claims)
    return Catalog(series=series, units=units, claims=claims, indicators=indicators)
