"""The cited reference tables under ``data/reference/``: which columns hold stated values, and their loading.

Every loaded table keeps its columns as written (strings) and adds, for its primary value column, ``value``
(the figure named; null for a range), ``value_low``, ``value_high`` (null = open side), ``qualifier`` (the word
as written, from the value, the file's ``qualifier`` column, or a note "stated as 'nearly 5,100 MW'"),
``value_bound`` (exact, approximate, lower_bound, upper_bound, range) and ``value_remark``. Further value columns
get the same five columns prefixed with their name (``twh_low`` ...). Purely numeric columns (BEA, Census) are
parsed strictly to floats. Every row must carry its citation: source_title, publisher, published, url, locator.

A row that cannot be read stops the load with a :class:`ReferenceError` naming the file, the row (1 = first
data row; its line in the file is one more) and the column. Nothing is guessed or skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandera.polars as pa
import polars as pl

from macro_pipeline.reference.values import (
    MINUS_SIGNS,
    ReferenceValueError,
    StatedValue,
    parse_stated_value,
    qualifier_from_note,
    refuse_non_ascii_digits,
)

CITATION_COLUMNS = ("source_title", "publisher", "published", "url", "locator")


class ReferenceError(ValueError):
    """A reference file breaks a rule; the message names the file, the row and the column."""


@dataclass(frozen=True)
class ReferenceFile:
    """How to read one reference CSV."""

    name: str
    value_column: str | None = None
    value_required: bool = True
    extra_value_columns: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()
    date_columns: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()
    qualifier_column: str | None = None
    note_column: str | None = "note"
    # at least one of these columns must have a value in every row (e.g. TWh or a share)
    one_of: tuple[str, ...] = field(default=())
    # citation columns a row may leave empty (e.g. ``published`` when the source page shows no date); an empty
    # one is stored as null, never filled in
    optional_citation_columns: tuple[str, ...] = ()
    description: str = ""
    # plausible ranges (column, low, high; None = open): a stated value column is checked on its figure and
    # both bounds, a numeric column on its number. A sign slip ('-5' TWh) is refused, not published.
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


REFERENCE_FILES: dict[str, ReferenceFile] = {f.name: f for f in (
    ReferenceFile("datacenter_electricity_us", value_column="twh", value_required=False,
                  extra_value_columns=("share_of_us_electricity_pct",), required_columns=("year", "scenario", "kind"),
                  one_of=("twh", "share_of_us_electricity_pct"),
                  description=('US datacenter electricity, TWh and share of US electricity: LBNL 2024 report (2014, '
                               '2018, 2023; 2028 low/high), EPRI scenario shares for 2030, IEA Energy and AI (2024, '
                               '2030). Shares are of consumption (LBNL) or generation (EPRI).'),
                  ranges=(("twh", 0, None), ("share_of_us_electricity_pct", 0, 100))),
    ReferenceFile("us_electricity_annual", value_column="value_as_stated", numeric_columns=("twh",),
                  required_columns=("year", "measure", "unit_as_stated"),
                  description=('US electricity: retail sales 2014-2023, total end use (retail + direct use) '
                               '2014-2025, three net-generation points; the measure column says which (never mixed '
                               'in one series); 2025 is preliminary.'),
                  ranges=(("value_as_stated", 0, None), ("twh", 0, None))),
    ReferenceFile("us_generating_capacity", value_column="value_as_stated", numeric_columns=("gw",),
                  required_columns=("year", "kind", "source_type", "unit_as_stated"),
                  description=('US net summer generating capacity points by source, capacity additions 2024-2025 '
                               'actual and 2025-2026 planned (no continuous year-end capacity series).'),
                  ranges=(("value_as_stated", 0, None), ("gw", 0, None))),
    ReferenceFile("interconnection_queue", value_column="value", qualifier_column="qualifier",
                  required_columns=("as_of", "metric", "resource", "unit"),
                  description=('Capacity waiting in US interconnection queues by type, end-2019 to end-2024, and '
                               'time to operation; several values carry qualifiers (nearly, over, more than).')),
    ReferenceFile("pjm_capacity_prices", value_column="value", required_columns=("delivery_year", "metric", "unit"),
                  description=('PJM capacity auction clearing prices by delivery year 2022/23-2027/28, auction costs'
                               ' and datacenter attribution; 2026/27 and 2027/28 cleared at the cap.'),
                  ranges=(("value", 0, None),)),
    ReferenceFile("load_growth_forecasts_us", value_column="value", qualifier_column="qualifier",
                  required_columns=("forecaster", "horizon", "metric", "unit"),
                  description=('Five-year US load-growth forecasts (GW) and datacenter capacity needs: successive '
                               'forecast editions, not one series.'),
                  ranges=(("value", 0, None),)),
    ReferenceFile("hyperscaler_capex", value_column="value_usd_bn",
                  required_columns=("company", "period", "period_type", "kind", "basis"),
                  description=('Capital expenditure of Microsoft, Alphabet, Amazon and Meta, actuals and guidance; '
                               "basis (with or without finance leases) differs by company, Microsoft's fiscal year "
                               'ends in June.'),
                  ranges=(("value_usd_bn", 0, None),)),
    ReferenceFile("bea_t50306", numeric_columns=("line", "value", "unit_mult"), date_columns=("date",),
                  required_columns=("line_description", "unit"), note_column=None,
                  description=('BEA NIPA Table 5.3.6 extract: real private fixed investment by type, chained 2017 '
                               'dollars, incl. information processing equipment and software combined (same release '
                               "as the snapshot's NIPA series).")),
    ReferenceFile("census_construction_private_monthly",
                  numeric_columns=("total_private", "nonresidential", "office", "data_center", "manufacturing",
                                   "mfg_computer_electronic_electrical", "total_private_nsa", "nonresidential_nsa",
                                   "office_nsa", "data_center_nsa", "manufacturing_nsa",
                                   "mfg_computer_electronic_electrical_nsa"),
                  date_columns=("month",), note_column=None,
                  description=('Census Value of Construction Put in Place, private: total, nonresidential, office, '
                               'data center (from 2014), manufacturing; SAAR and NSA, $ millions, monthly '
                               '1993-2026-07; flag marks revised (r) and preliminary (p) months.')),
    ReferenceFile("flow_model_assumptions", required_columns=("model", "parameter", "value_as_stated", "unit"),
                  optional_citation_columns=("published",),
                  description=('Published conventions and size estimates behind the flow models (vol-control AUM, '
                               'targets and leverage caps, CTA lookbacks and trigger levels, buyback totals and '
                               'blackout descriptions, VIX>VIX3M frequency), each as its source words it '
                               '(value_as_stated is prose or a figure and is kept as text: most rows are outside '
                               'the stated-value grammar); published is empty where the page shows no date. The '
                               "models' parameters are taken from these rows into catalog/flow_model_assumptions.csv."
                               )),
    ReferenceFile("event_calendar_us", date_columns=("date",), required_columns=("event",),
                  optional_citation_columns=("published",),
                  description=('US macro event dates 2016-2026: FOMC decisions (scheduled and unscheduled), BLS CPI '
                               'and Employment Situation releases, from the Fed and BLS calendars; published is '
                               'empty where the calendar page has no publication date.')),
)}

_STRICT_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$", re.ASCII)
_STATED_SUFFIXES = ("", "_low", "_high", "_qualifier", "_bound", "_remark")


def reference_files() -> list[str]:
    return sorted(REFERENCE_FILES)


def load_reference(name: str, directory: Path | str) -> pl.DataFrame:
    """Load and check ``<directory>/<name>.csv`` as declared in REFERENCE_FILES."""
    spec = REFERENCE_FILES.get(name)
    if spec is None:
        raise ReferenceError(f"unknown reference table {name!r}; known: {reference_files()}")
    path = Path(directory) / spec.file_name
    if not path.is_file():
        raise ReferenceError(f"{spec.file_name}: file {path} is missing")
    return parse_reference(spec, path.read_text(encoding="utf-8"))


def parse_reference(spec: ReferenceFile, text: str) -> pl.DataFrame:
    """Parse the text of one reference CSV (see load_reference)."""
    # a UTF-8 byte-order mark (spreadsheets write one) is not part of the first column's name
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = reader.fieldnames or []
    needed = [*CITATION_COLUMNS, *spec.required_columns, *spec.numeric_columns, *spec.date_columns,
              *([spec.value_column] if spec.value_column else []), *spec.extra_value_columns,
              *([spec.qualifier_column] if spec.qualifier_column else [])]
    missing = [c for c in needed if c not in header]
    if missing:
        raise ReferenceError(f"{spec.file_name}: missing columns {missing}")
    rows = list(reader)
    if not rows:
        raise ReferenceError(f"{spec.file_name}: no data rows")
    out: list[dict[str, object]] = []
    for number, row in enumerate(rows, start=1):
        where = f"{spec.file_name} row {number} (line {number + 1})"
        if None in row or any(v is None for v in row.values()):
            raise ReferenceError(f"{where}: the row does not have {len(header)} fields")
        for column in (*CITATION_COLUMNS, *spec.required_columns):
            if column in spec.optional_citation_columns and column not in spec.required_columns:
                continue
            if not row[column].strip():
                raise ReferenceError(f"{where}: column {column!r} is empty (every row must carry "
                                     f"{', '.join(CITATION_COLUMNS)} and {', '.join(spec.required_columns) or '-'})")
        if spec.one_of and not any(row[c].strip() for c in spec.one_of):
            raise ReferenceError(f"{where}: none of {list(spec.one_of)} has a value")
        parsed: dict[str, object] = dict(row)
        for column in spec.optional_citation_columns:
            parsed[column] = row[column].strip() or None
        for column in spec.numeric_columns:
            parsed[column] = _strict_number(row[column], where, column)
        for column in spec.date_columns:
            parsed[column] = _date(row[column], where, column)
        if spec.value_column:
            stated = _stated(spec, row, spec.value_column, where, spec.value_required)
            parsed.update(_stated_columns("value", stated))
        for column in spec.extra_value_columns:
            parsed.update(_stated_columns(column, _stated(spec, row, column, where, required=False)))
        for column, low, high in spec.ranges:
            _check_range(spec, row, parsed, column, low, high, where)
        out.append(parsed)
    return pl.DataFrame(out, schema=_schema(spec, header), orient="row").with_row_index("row", offset=1)


def _stated(spec: ReferenceFile, row: dict[str, str], column: str, where: str, required: bool) -> StatedValue | None:
    text = row[column]
    if not text.strip():
        if required:
            raise ReferenceError(f"{where}: column {column!r} is empty")
        return None
    beside = row[spec.qualifier_column] if spec.qualifier_column and column == spec.value_column else None
    try:
        stated = parse_stated_value(text, beside)
        if column == spec.value_column and spec.note_column and spec.note_column in row:
            from_note = qualifier_from_note(row[spec.note_column], stated)
            if from_note and not stated.qualifier:
                stated = parse_stated_value(text, from_note)
    except ReferenceValueError as err:
        raise ReferenceError(f"{where}: column {column!r}: {err}") from None
    return stated


def _stated_columns(prefix: str, stated: StatedValue | None) -> dict[str, object]:
    if prefix == "value":
        names = dict(zip(_STATED_SUFFIXES, ("value", "value_low", "value_high", "qualifier", "value_bound",
                                            "value_remark"), strict=True))
    else:
        names = {s: f"{prefix}{s or '_value'}" for s in _STATED_SUFFIXES}
    if stated is None:
        return dict.fromkeys(names.values())
    return {names[""]: stated.value, names["_low"]: stated.low, names["_high"]: stated.high,
            names["_qualifier"]: stated.qualifier, names["_bound"]: stated.bound, names["_remark"]: stated.remark}


def _schema(spec: ReferenceFile, header: list[str]) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {}
    for column in header:
        if column in spec.numeric_columns:
            schema[column] = pl.Float64
        elif column in spec.date_columns:
            schema[column] = pl.Date
        else:
            schema[column] = pl.String
    if spec.value_column:
        schema.update({"value": pl.Float64, "value_low": pl.Float64, "value_high": pl.Float64,
                       "qualifier": pl.String, "value_bound": pl.String, "value_remark": pl.String})
    for column in spec.extra_value_columns:
        schema.update({f"{column}_value": pl.Float64, f"{column}_low": pl.Float64, f"{column}_high": pl.Float64,
                       f"{column}_qualifier": pl.String, f"{column}_bound": pl.String,
                       f"{column}_remark": pl.String})
    if spec.qualifier_column:
        schema[spec.qualifier_column] = pl.String
    return schema


def _check_range(spec: ReferenceFile, row: dict[str, str], parsed: dict[str, object], column: str,
                 low: float | None, high: float | None, where: str) -> None:
    if column in spec.numeric_columns:
        figures = [parsed[column]]
    elif column == spec.value_column:
        figures = [parsed["value"], parsed["value_low"], parsed["value_high"]]
    else:
        figures = [parsed[f"{column}_value"], parsed[f"{column}_low"], parsed[f"{column}_high"]]
    for figure in figures:
        if figure is None:
            continue
        if (low is not None and figure < low) or (high is not None and figure > high):
            allowed = f"{'' if low is None else f'{low:g}'}..{'' if high is None else f'{high:g}'}"
            raise ReferenceError(f"{where}: column {column!r}: {row[column]!r} is outside the plausible range "
                                 f"{allowed}")


def _strict_number(text: str, where: str, column: str) -> float | None:
    text = text.strip()
    for sign, ascii_sign in MINUS_SIGNS.items():
        text = text.replace(sign, ascii_sign)
    try:
        refuse_non_ascii_digits(text)
    except ReferenceValueError as err:
        raise ReferenceError(f"{where}: column {column!r}: {err}") from None
    if not text:
        return None
    if not _STRICT_NUMBER.match(text):
        raise ReferenceError(f"{where}: column {column!r}: {text!r} is not a plain number")
    return float(text)


def _date(text: str, where: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ReferenceError(f"{where}: column {column!r}: {text!r} is not an ISO date (YYYY-MM-DD)") from None


def reference_schema(spec: ReferenceFile) -> pa.DataFrameSchema:
    """The pandera schema a parsed reference table must fit: every citation column filled in, numeric and date
    columns typed, and every stated value's bounds in order (low <= value <= high where given)."""
    columns: dict[str, pa.Column] = {
        c: pa.Column(pl.String, pa.Check.str_length(min_value=1), nullable=False,
                     description=('citation: every number keeps its source'))
        for c in CITATION_COLUMNS}
    for c in spec.optional_citation_columns:
        columns[c] = pa.Column(pl.String, pa.Check.str_length(min_value=1), nullable=True,
                               description="citation; null where the source shows none")
    for c in spec.required_columns:
        columns[c] = pa.Column(nullable=False, description=("required by the table's loader"))
    for c in spec.numeric_columns:
        columns[c] = pa.Column(pl.Float64, nullable=True)
    for c in spec.date_columns:
        columns[c] = pa.Column(pl.Date, nullable=False)
    checks = []
    for prefix in ([""] if spec.value_column else []) + [f"{c}_" for c in spec.extra_value_columns]:
        low, high = (f"{prefix}low", f"{prefix}high") if prefix else ("value_low", "value_high")
        value = f"{prefix}value" if prefix else "value"
        columns[value] = pa.Column(pl.Float64, nullable=True)
        checks.append(pa.Check(lambda d, lo=low, hi=high: d.lazyframe.select(
            (pl.col(lo) <= pl.col(hi)).fill_null(True)), name=f"{low} <= {high}"))
        checks.append(pa.Check(lambda d, lo=low, v=value, hi=high: d.lazyframe.select(
            ((pl.col(lo) <= pl.col(v)) & (pl.col(v) <= pl.col(hi))).fill_null(True)),
            name=f"{low} <= {value} <= {high}"))
    return pa.DataFrameSchema(columns, checks=checks, name=spec.name, description=spec.description)
