"""The product's facts as data: series catalog, units, claims and indicators, loaded and validated here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandera.polars as pa
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
# what a published value is: observed (measured and published by its source), projection (a source's forecast,
# or any value dated after the inputs' vintage date), model (computed by this product from assumptions)
INDICATOR_KINDS = ("observed", "projection", "model")


class CatalogError(ValueError):
    """A catalog file breaks a rule; the message names the file, the row and the rule."""


@dataclass(frozen=True)
class Catalog:
    """The validated catalog files, as polars frames."""

    series: pl.DataFrame
    units: pl.DataFrame
    claims: pl.DataFrame
    indicators: pl.DataFrame
    # cross-series rules (consistency.csv): series that must sum to a known total where all are present
    consistency: pl.DataFrame | None = None

    def series_ids(self) -> list[str]:
        return self.series["series_id"].to_list()


def validate_series_id(series_id: str) -> str:
    """Return the id unchanged if it is a FRED-style id, else raise: ids reach URLs, paths and SQL."""
    if not isinstance(series_id, str) or not _SERIES_ID_RE.fullmatch(series_id):
        raise CatalogError(f"series id {series_id!r} is not a FRED series id (pattern {SERIES_ID_PATTERN})")
    return series_id


PACKAGED_CATALOG_DIR = Path(__file__).parent


def read_csv_text(name: str, text: str) -> pl.DataFrame:
    if not text.strip():
        raise CatalogError(f"{name} is empty")
    # every column as text; blank cells are nulls, which the schemas refuse where a value is required
    frame = pl.read_csv(text.encode(), infer_schema=False)
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in frame.columns)


def require_columns(name: str, frame: pl.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CatalogError(f"{name}: missing columns {missing}")


def rule(expr: pl.Expr, name: str) -> pa.Check:
    """A row-wise rule as a pandera check; a blank cell (null) cannot show the rule holds, so it fails."""
    return pa.Check(lambda data: data.lazyframe.select(expr.fill_null(False)), name=name)


def _one_of(column: str, allowed: list[str]) -> pa.Check:
    return rule(pl.col(column).is_in(allowed), f"{column} is one of {allowed}")


def check_file(name: str, frame: pl.DataFrame, schema: pa.DataFrameSchema, key: str | None = None,
               error: type[ValueError] | None = None) -> pl.DataFrame:
    """Validate a parsed catalog file with its pandera schema: the first broken rule is raised (as ``error``,
    default CatalogError) naming the file, the rows that break it (by ``key``, else by row number: 1 = first data
    row) and the rule. A blank cell counts as breaking a rule. The one validator every catalog file goes through."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        first = cases.row(0, named=True)
        same = cases.filter((pl.col("check") == first["check"]) & (pl.col("column") == first["column"]))
        rows = same["index"].drop_nulls().cast(pl.Int64).to_list()
        if key is None:
            where = f"rows {[r + 1 for r in rows]}" if rows else "the file"
        else:
            where = f"{key} {frame[key].gather(rows).to_list() if rows else same['failure_case'].to_list()}"
        if rows and "_line" in frame.columns:  # the file's line numbers, where the parser kept them
            where += f" (line {', '.join(str(n) for n in frame['_line'].gather(rows).to_list())})"
        column = "" if first["column"] in (None, schema.name) else f"{first['column']}: "
        raise (error or CatalogError)(f"{name}: {where} break the rule: {column}{first['check']}") from None
    return frame


def _check(name: str, frame: pl.DataFrame, key: str, schema: pa.DataFrameSchema) -> pl.DataFrame:
    return check_file(name, frame, schema, key)


def _unique(key: str) -> pa.Check:
    return rule(~pl.col(key).is_duplicated(), f"{key}s are unique")


# The glitch guard (staging validation, schemas/staging.py): each unit family has a default step rule in
# units.csv, which a series may override in series.csv.
#   max_step_ratio         a step fails when the value moves by more than this factor (either way) ...
#   ratio_floor            ... and by more than this many units: near zero a ratio means nothing (0.02 -> 0.25%)
#   max_step_p99_multiple  a step fails when it is larger than this multiple of the 99th percentile of the
#                          series' own steps (for rates that cross zero, where a ratio cannot work)
# series.csv: max_step_ratio blank = the unit's default, 'none' = no ratio rule, a number = that factor;
# max_step_abs blank = the unit's default, 'none' = no absolute rule, a number = the largest step in the
# series' units.
NO_RULE = "none"


def parse_units(text: str) -> pl.DataFrame:
    name = "units.csv"
    units = read_csv_text(name, text)
    require_columns(name, units, ["unit_id", "label", "plausible_min", "plausible_max", "scale", "base_unit_id",
                                   "max_step_ratio", "ratio_floor", "max_step_p99_multiple", "note"])
    units = units.with_columns(
        units["max_step_ratio"].is_null().alias("_blank_ratio"),
        units["max_step_p99_multiple"].is_null().alias("_blank_multiple"))
    units = units.with_columns(pl.col("plausible_min", "plausible_max", "scale", "max_step_ratio", "ratio_floor",
                                      "max_step_p99_multiple").cast(pl.Float64, strict=False))
    number = "is a number"
    schema = pa.DataFrameSchema({
        "unit_id": pa.Column(str),
        "label": pa.Column(str),
        "plausible_min": pa.Column(float, nullable=False, description=number),
        "plausible_max": pa.Column(float, nullable=False, description=number),
        "scale": pa.Column(float, pa.Check.gt(0), description="multiplier to the unit's plain quantity, e.g. 1e6 "
                                                              "for millions"),
        "base_unit_id": pa.Column(str),
    }, checks=[
        _unique("unit_id"),
        rule(pl.col("plausible_min") < pl.col("plausible_max"), "plausible_min < plausible_max"),
        rule(pl.col("base_unit_id").is_in(
            units.filter(pl.col("unit_id") == pl.col("base_unit_id"))["unit_id"].implode()),
            "base_unit_id is a unit of units.csv that is its own base"),
        rule(pl.col("_blank_ratio") | (pl.col("max_step_ratio") > 1),
             "max_step_ratio is blank (no ratio rule) or a number above 1"),
        rule(pl.col("ratio_floor") >= 0, "ratio_floor is a number >= 0"),
        rule(pl.col("_blank_multiple") | (pl.col("max_step_p99_multiple") > 0),
             "max_step_p99_multiple is blank (no absolute rule) or a number above 0"),
    ], name=name)
    return _check(name, units, "unit_id", schema).drop("_blank_ratio", "_blank_multiple")


def parse_series(text: str, units: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    name = "series.csv"
    series = read_csv_text(name, text)
    require_columns(name, series, ["series_id", "title", "units", "unit_id", "unit_scale", "frequency",
                                    "date_rule", "seasonal_adjustment", "kind", "aggregation", "max_step_ratio",
                                    "max_step_abs", "claim_ids", "source", "license_note"])
    ratio_text = series["max_step_ratio"].fill_null("").str.strip_chars()
    abs_text = series["max_step_abs"].fill_null("").str.strip_chars()
    series = series.with_columns(
        pl.col("unit_scale").cast(pl.Float64, strict=False),
        pl.col("max_step_ratio").cast(pl.Float64, strict=False),
        pl.col("max_step_abs").cast(pl.Float64, strict=False),
        pl.col("claim_ids").fill_null("").str.split(";"),
        ratio_text.is_in(["", NO_RULE]).alias("_blank_ratio"),
        abs_text.is_in(["", NO_RULE]).alias("_blank_abs"),
    )
    rule_fits = pl.lit(False)
    for frequency, rules in RULES_BY_FREQUENCY.items():
        rule_fits = pl.when(pl.col("frequency") == frequency).then(pl.col("date_rule").is_in(sorted(rules))) \
            .otherwise(rule_fits)
    unit_scales = units.select("unit_id", "scale")
    known_claims = sorted(claims["claim_id"].to_list())
    schema = pa.DataFrameSchema({
        "series_id": pa.Column(str),
        "title": pa.Column(str, description="title is not empty"),
        "units": pa.Column(str),
        "source": pa.Column(str),
        "license_note": pa.Column(str),
        "unit_scale": pa.Column(float, pa.Check.gt(0, error="unit_scale is a positive number")),
    }, checks=[
        rule(pl.col("series_id").str.contains(SERIES_ID_PATTERN), f"ids match FRED's id syntax {SERIES_ID_PATTERN}"),
        _unique("series_id"),
        _one_of("unit_id", sorted(units["unit_id"].to_list())),
        # the scale is a fact of the unit (units.csv); the series' own column must agree with it, never drift
        rule(pl.struct("unit_id", "unit_scale").is_in(
            pl.Series(unit_scales.to_dicts(), dtype=pl.Struct({"unit_id": pl.String, "scale": pl.Float64}))
            .struct.rename_fields(["unit_id", "unit_scale"]).implode()),
            "unit_scale equals the scale of its unit_id in units.csv"),
        _one_of("frequency", sorted(FREQUENCIES)),
        rule(rule_fits, f"date_rule fits the frequency {RULES_BY_FREQUENCY}"),
        _one_of("seasonal_adjustment", sorted(SEASONAL_ADJUSTMENTS)),
        _one_of("kind", sorted(KINDS)),
        _one_of("aggregation", sorted(AGGREGATIONS)),
        rule(pl.col("_blank_ratio") | (pl.col("max_step_ratio") > 1),
              f"max_step_ratio is blank (the unit's default), '{NO_RULE}' or a number above 1"),
        rule(pl.col("_blank_abs") | (pl.col("max_step_abs") > 0),
              f"max_step_abs is blank (the unit's default), '{NO_RULE}' or a number above 0"),
        rule((pl.col("claim_ids").list.len() > 0)
              & pl.col("claim_ids").list.eval(pl.element().is_in(known_claims)).list.all(),
              f"claim_ids is a ';'-list of {known_claims}"),
    ], name=name)
    checked = _check(name, series, "series_id", schema).drop("_blank_ratio", "_blank_abs")
    return _resolve_step_rules(checked, ratio_text, abs_text, units).sort("series_id")


def _resolve_step_rules(series: pl.DataFrame, ratio_text: pl.Series, abs_text: pl.Series,
                        units: pl.DataFrame) -> pl.DataFrame:
    """Each series' effective step rule: its own value where it has one, 'none' as no rule, else the unit's."""
    defaults = units.select("unit_id", pl.col("max_step_ratio").alias("_unit_ratio"), "ratio_floor",
                            "max_step_p99_multiple")
    joined = series.with_columns(ratio_text.alias("_ratio_text"), abs_text.alias("_abs_text")).join(
        defaults, on="unit_id", how="left", maintain_order="left")
    return joined.with_columns(
        pl.when(pl.col("_ratio_text") == "").then(pl.col("_unit_ratio")).otherwise(pl.col("max_step_ratio"))
        .alias("max_step_ratio"),
        # an explicit absolute step (or 'none') replaces the unit's history-sized one
        pl.when(pl.col("_abs_text") == "").then(pl.col("max_step_p99_multiple")).otherwise(None)
        .alias("max_step_p99_multiple"),
    ).drop("_ratio_text", "_abs_text", "_unit_ratio")


def parse_consistency(text: str, series: pl.DataFrame) -> pl.DataFrame:
    """consistency.csv: groups of series that must sum to ``expected_sum`` (within ``tolerance``) on every
    date where all of them have a value."""
    name = "consistency.csv"
    rules = read_csv_text(name, text)
    require_columns(name, rules, ["rule_id", "series_ids", "expected_sum", "tolerance", "note"])
    rules = rules.with_columns(pl.col("expected_sum", "tolerance").cast(pl.Float64, strict=False),
                               pl.col("series_ids").fill_null("").str.split(";"))
    known = sorted(series["series_id"].to_list())
    schema = pa.DataFrameSchema({
        "rule_id": pa.Column(str),
        "expected_sum": pa.Column(float, nullable=False, description="is a number"),
        "tolerance": pa.Column(float, pa.Check.ge(0, error="tolerance is a number >= 0")),
    }, checks=[
        _unique("rule_id"),
        rule((pl.col("series_ids").list.len() >= 2)
             & pl.col("series_ids").list.eval(pl.element().is_in(known)).list.all(),
             "series_ids is a ';'-list of two or more series of series.csv"),
    ], name=name)
    return _check(name, rules, "rule_id", schema)


def parse_claims(text: str) -> pl.DataFrame:
    name = "claims.csv"
    claims = read_csv_text(name, text)
    require_columns(name, claims, ["claim_id", "claim", "what_would_support_it"])
    schema = pa.DataFrameSchema({"claim": pa.Column(str), "what_would_support_it": pa.Column(str)}, checks=[
        rule(pl.col("claim_id").str.contains(CLAIM_ID_PATTERN), "claim ids are C1..C12"),
        _unique("claim_id"),
    ], name=name)
    return _check(name, claims, "claim_id", schema)


def parse_indicators(text: str, claims: pl.DataFrame) -> pl.DataFrame:
    name = "indicators.csv"
    indicators = read_csv_text(name, text)
    require_columns(name, indicators, ["indicator_id", "claim_id", "title", "unit", "source_table",
                                        "source_column", "date_column", "description", "kind"])
    schema = pa.DataFrameSchema({
        "title": pa.Column(str), "unit": pa.Column(str, description="every indicator has a unit"),
        "source_table": pa.Column(str), "source_column": pa.Column(str), "date_column": pa.Column(str),
    }, checks=[
        _unique("indicator_id"),
        rule(pl.col("indicator_id").str.contains(r"^[a-z][a-z0-9_]*$"), "ids are snake_case"),
        _one_of("claim_id", sorted(claims["claim_id"].to_list())),
        # a row appended without the kind column has none: it fails here, naming the indicator
        _one_of("kind", list(INDICATOR_KINDS)),
    ], name=name)
    return _check(name, indicators, "indicator_id", schema)


def parse_unit_precision(text: str) -> dict[str, int]:
    """unit_precision.csv: spelled-out unit (as indicators.csv and the models' column metadata write it) ->
    decimals every published value in that unit is rounded to."""
    name = "unit_precision.csv"
    frame = read_csv_text(name, text)
    require_columns(name, frame, ["unit", "decimals", "rationale"])
    frame = frame.with_columns(pl.col("decimals").cast(pl.Int64, strict=False))
    schema = pa.DataFrameSchema({
        "unit": pa.Column(str), "decimals": pa.Column(int, nullable=True), "rationale": pa.Column(str, nullable=True),
    }, checks=[
        _unique("unit"),
        rule(pl.col("decimals").is_between(0, 10), "decimals is a whole number from 0 to 10"),
        rule(pl.col("rationale").is_not_null(), "every precision says why"),
    ], name=name)
    frame = _check(name, frame, "unit", schema)
    return dict(zip(frame["unit"].to_list(), frame["decimals"].to_list(), strict=True))


@cache
def unit_precision() -> dict[str, int]:
    """The packaged unit_precision.csv, parsed (the one place a unit's published precision is declared)."""
    return parse_unit_precision((PACKAGED_CATALOG_DIR / "unit_precision.csv").read_text(encoding="utf-8"))


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
    consistency = parse_consistency(text("consistency.csv"), series)
    return Catalog(series=series, units=units, claims=claims, indicators=indicators, consistency=consistency)
