"""The claims scorecard: per claim of the thesis, what the published indicators show, decided by rules as data.

The rules are ``catalog/claim_rules.csv`` (versioned; every row has a rationale and a source). One row is one
test of one claim: a statistic of one indicator of ``published.indicators`` compared with a threshold.

Statistics (the whole set; ``periods`` counts the indicator's own periods: weeks, months, quarters or years, from
its ``date_column`` in ``catalog/indicators.csv``):

- ``latest``: the last value. ``periods`` blank.
- ``change_over_periods``: the last value minus the value exactly ``periods`` periods before it.
- ``mean_of_last_n``: the mean of the last ``periods`` values, which must be consecutive periods.
- ``all_of_last_n``: each of the last ``periods`` values (consecutive periods) meets the comparison; the value
  compared is the least favourable one (the smallest for ``>``/``>=``, the largest for ``<``/``<=``).
- ``none``: not a test. The row declares that no indicator measures the claim yet; its ``what_it_tests`` says what
  is missing and goes into the evidence. Indicator, periods, comparison, threshold, unit and max_date are blank.
- ``outside_data``: not a test either, and it may sit beside a claim's tests: a part of the claim that market or
  economic data cannot test at all (e.g. C11's political salience). Its ``what_it_tests`` is appended to the
  evidence ("Not tested, outside the data: ..."); the verdict is decided by the tests alone. Blank as ``none``.

Only observed values count. A value dated after its ``as_of`` (the vintage date of the inputs) is a period not
observed yet and is ignored; a rule may also set ``max_date`` to stop earlier, which rules on the scenario
indicators (datacenter shares and incremental peak: published anchors, interpolation between them, projections
after the last published year) must do: the parser refuses such a rule without ``max_date``. "Last" means the
last date on or before that cutoff. A rule may also set ``max_age_days`` (an optional last column: a file or a row
without it means no limit): how stale its indicator may be. When the last value is more than that many days
before ``as_of``, the test has no value and the evidence says how old the value is (a series that stopped
updating in the snapshot is reported, not judged as if it were current).
A test whose value cannot be computed (no value, or a period missing) has no value; it is never filled in.

Verdict of a claim: ``insufficient data`` if it has no tests or any of its tests has no value; ``supported`` if
every test is met; ``not supported`` if none is met; ``mixed`` otherwise. The evidence is one sentence naming
each test's value, date, unit and threshold.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import operator
from dataclasses import dataclass
from pathlib import Path

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import check_file, rule
from macro_pipeline.schemas.published import ClaimsScorecard

RULE_COLUMNS = ["rule_version", "claim_id", "rule_id", "indicator_id", "statistic", "periods", "comparison",
                "threshold", "threshold_unit", "max_date", "what_it_tests", "rationale", "source", "max_age_days"]
# columns a rules file (or a row, at its end) may leave out: older files and other branches' rows keep parsing
OPTIONAL_RULE_COLUMNS = ("max_age_days",)
STATISTICS = ("latest", "change_over_periods", "mean_of_last_n", "all_of_last_n", "none", "outside_data")
NOT_TESTS = ("none", "outside_data")
COMPARISONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
# the indicator date column names a period length (catalog/indicators.csv date_column)
PERIODS_BY_DATE_COLUMN = {"week_date": "week", "month": "month", "quarter": "quarter", "year": "year"}
# indicators mixing published figures with interpolated and projected years (marts.datacenter_power_vs_grid
# method / us_electricity_method): a rule on them must stop at a max_date where the figures are published
SCENARIO_INDICATORS = frozenset({"datacenter_share_of_us_electricity_low_pct",
                                 "datacenter_share_of_us_electricity_high_pct",
                                 "datacenter_incremental_peak_to_capacity_additions_pct"})
RULE_ID_PATTERN = r"^C(1[0-2]|[1-9])\.[0-9]+$"
_RULES_SCHEMA = {"rule_version": pl.String, "claim_id": pl.String, "rule_id": pl.String,
                 "indicator_id": pl.String, "statistic": pl.String, "periods": pl.Int64, "comparison": pl.String,
                 "threshold": pl.Float64, "threshold_unit": pl.String, "max_date": pl.Date,
                 "what_it_tests": pl.String, "rationale": pl.String, "source": pl.String, "max_age_days": pl.Int64,
                 "period": pl.String}


class RulesError(ValueError):
    """The rules file breaks a rule; the message names the file, the row and the column."""


# ---------------------------------------------------------------------------------------------------------------
# the rules file


def load_rules(path: Path | str, indicators: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise RulesError(f"rules file {path} is missing")
    return parse_rules(path.read_text(encoding="utf-8"), indicators, claims, path.name)


def parse_rules(text: str, indicators: pl.DataFrame, claims: pl.DataFrame,
                name: str = "claim_rules.csv") -> pl.DataFrame:
    """The rules as a frame (columns RULE_COLUMNS, typed, plus ``period``: the indicator's period length).

    ``indicators`` is catalog/indicators.csv (ids, units, date columns), ``claims`` catalog/claims.csv. The rows
    are validated by one pandera schema (catalog.check_file): every error names the file, the rule ids, their
    lines and the rule broken. Then per claim: every claim has a row, and a claim with tests has no 'none' row.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    missing = [c for c in RULE_COLUMNS if c not in header and c not in OPTIONAL_RULE_COLUMNS]
    unknown = [c for c in header if c not in RULE_COLUMNS]
    if missing or unknown:
        raise RulesError(f"{name}: header must be {RULE_COLUMNS}; missing {missing}, unknown {unknown}")
    records, lines = [], []
    for i, cells in enumerate(reader, start=1):
        if not cells:
            continue
        # a row may leave out the optional columns at the end of the header (blank)
        optional_tail = 0
        while optional_tail < len(header) and header[len(header) - 1 - optional_tail] in OPTIONAL_RULE_COLUMNS:
            optional_tail += 1
        if len(header) - optional_tail <= len(cells) < len(header):
            cells = cells + [""] * (len(header) - len(cells))
        if len(cells) != len(header):
            raise RulesError(f"{name} row {i} (line {reader.line_num}): has {len(cells)} columns, the header "
                             f"{len(header)}")
        records.append(cells)
        lines.append(reader.line_num)
    if not records:
        raise RulesError(f"{name}: no rules")
    raw = pl.DataFrame(records, schema=dict.fromkeys(header, pl.String), orient="row")
    raw = raw.with_columns(pl.lit(None, pl.String).alias(c) for c in OPTIONAL_RULE_COLUMNS if c not in header)
    header = [*header, *(c for c in OPTIONAL_RULE_COLUMNS if c not in header)]
    frame = (raw.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in header)
             .with_columns(pl.Series("_line", lines, dtype=pl.Int64))
             .join(indicators.select("indicator_id", pl.col("unit").alias("_unit"),
                                     pl.col("date_column").alias("_date_column")),
                   on="indicator_id", how="left", maintain_order="left")
             .with_columns(pl.col("periods").cast(pl.Int64, strict=False).alias("_periods"),
                           pl.col("threshold").cast(pl.Float64, strict=False).alias("_threshold"),
                           pl.col("max_date").str.to_date("%Y-%m-%d", strict=False).alias("_max_date"),
                           pl.col("max_age_days").cast(pl.Int64, strict=False).alias("_max_age_days"),
                           pl.col("_date_column").replace_strict(PERIODS_BY_DATE_COLUMN, default=None)
                           .alias("period")))
    statistic, none = pl.col("statistic"), pl.col("statistic") == "none"
    not_test = statistic.is_in(NOT_TESTS)  # 'none' and 'outside_data'
    test = ~not_test
    over_periods = statistic.is_in(["change_over_periods", "mean_of_last_n", "all_of_last_n"])
    known_claims = claims["claim_id"].to_list()
    blank_for_none = ["indicator_id", "periods", "comparison", "threshold", "threshold_unit", "max_date",
                      "max_age_days"]
    schema = pa.DataFrameSchema(
        {c: pa.Column(str, nullable=False, description="every rule needs one")
         for c in ("rule_version", "rule_id", "claim_id", "statistic", "what_it_tests", "rationale", "source")},
        checks=[
            rule(pl.col("rule_id").str.contains(RULE_ID_PATTERN), "rule_id is of the form <claim>.<n> (e.g. C8.1)"),
            rule(~pl.col("rule_id").is_duplicated(), "rule ids are unique"),
            rule(pl.col("claim_id").is_in(known_claims), f"claim_id is a claim of claims.csv {known_claims}"),
            rule(pl.col("rule_id").str.split(".").list.first() == pl.col("claim_id"), "rule_id starts with its claim"),
            rule(pl.col("rule_version").n_unique() == 1, "one file, one rule_version"),
            rule(statistic.is_in(STATISTICS), f"statistic is one of {list(STATISTICS)}"),
            rule(test | pl.all_horizontal(pl.col(c).is_null() for c in blank_for_none),
                 f"a 'none' or 'outside_data' row (not a test) leaves {blank_for_none} blank"),
            rule(not_test | pl.col("_unit").is_not_null(), "indicator_id is an indicator of indicators.csv"),
            rule((statistic != "latest") | pl.col("periods").is_null(), "periods is blank for statistic 'latest'"),
            rule(~over_periods | (pl.col("_periods") > 0), "a statistic over periods has a positive whole number "
                                                           "of periods"),
            rule(~over_periods | pl.col("period").is_not_null(),
                 f"an indicator tested over periods is dated by one of {sorted(PERIODS_BY_DATE_COLUMN)} (else use "
                 "statistic 'latest')"),
            rule(not_test | pl.col("comparison").is_in(list(COMPARISONS)),
                 f"comparison is one of {list(COMPARISONS)}"),
            rule(not_test | pl.col("_threshold").is_finite(), "threshold is a finite number"),
            rule(not_test | (pl.col("threshold_unit") == pl.col("_unit")),
                 "threshold_unit is the unit of its indicator in indicators.csv"),
            rule(pl.col("max_date").is_null() | pl.col("_max_date").is_not_null(),
                 "max_date is blank or an ISO date (YYYY-MM-DD)"),
            rule(pl.col("max_age_days").is_null() | (pl.col("_max_age_days") > 0),
                 "max_age_days is blank or a positive whole number of days"),
            rule(~pl.col("indicator_id").is_in(sorted(SCENARIO_INDICATORS)).fill_null(False)
                 | pl.col("_max_date").is_not_null(),
                 "a rule on an indicator mixing published, interpolated and projected years sets max_date to the "
                 "last year whose figures are published"),
        ], name=name)
    check_file(name, frame, schema, key="rule_id", error=RulesError)
    covered = set(frame["claim_id"].to_list())
    uncovered = [c for c in known_claims if c not in covered]
    if uncovered:
        raise RulesError(f"{name}: claims {uncovered} have no row; give each a test or a 'none' row saying why not")
    mixed = frame.group_by("claim_id").agg(none.any().alias("n"), test.any().alias("t")).filter("n", "t")
    if mixed.height:
        raise RulesError(f"{name}: claims {sorted(mixed['claim_id'])} have tests and a 'none' row; 'none' is only "
                         "for a claim without tests")
    out = frame.with_columns(pl.col("_periods").alias("periods"), pl.col("_threshold").alias("threshold"),
                             pl.col("_max_date").alias("max_date"), pl.col("_max_age_days").alias("max_age_days"),
                             pl.when(over_periods).then(pl.col("period")).alias("period"))
    return out.select([*RULE_COLUMNS, "period"]).cast(_RULES_SCHEMA)


# ---------------------------------------------------------------------------------------------------------------
# evaluating the tests


@dataclass(frozen=True)
class Outcome:
    """One test evaluated: its value (None: no value), the latest date it used, met or not, and its text."""

    rule_id: str
    claim_id: str
    indicator_id: str
    value: float | None
    date: dt.date | None
    met: bool | None
    text: str


def _shift(date: dt.date, period: str, n: int) -> dt.date:
    """``date`` moved back ``n`` periods (dates are a Wednesday or a period's first day)."""
    if period == "week":
        return date - dt.timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12}[period] * n
    index = date.year * 12 + date.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(date.day, calendar.monthrange(year, month + 1)[1]))


def _num(value: float) -> str:
    """A value as an analyst reads it: two decimals without trailing zeros, two significant digits below 0.1."""
    if value != 0 and abs(value) < 0.1:
        return f"{value:.2g}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _num(value)


def change_unit(unit: str) -> str:
    """The unit of a difference of values in ``unit``: a change of a percentage is in percentage points."""
    if unit == "percent" or unit.startswith("percent,"):
        return "percentage points" + unit[len("percent"):]
    return unit


def claim_order(claim_id: str) -> int:
    """C1..C12 in numeric order (C2 before C10), whatever the text sort says."""
    return int(claim_id[1:])


def _threshold(rule: dict) -> str:
    return f"{rule['comparison']} {rule['threshold']:g}"


def _plural(period: str, n: int) -> str:
    return period if n == 1 else f"{period}s"


def evaluate_rule(rule: dict, values: pl.DataFrame) -> Outcome:
    """One test on the published rows of its indicator (``values``: indicator_id, date, value, unit, as_of)."""
    ind = rule["indicator_id"]
    rows = values.filter((pl.col("indicator_id") == ind) & (pl.col("date") <= pl.col("as_of")))
    if rule["max_date"] is not None:
        rows = rows.filter(pl.col("date") <= rule["max_date"])
    rows = rows.sort("date")
    by_date = dict(zip(rows["date"].to_list(), rows["value"].to_list(), strict=True))
    unit = rule["threshold_unit"]
    cutoff = f" on or before {rule['max_date']}" if rule["max_date"] is not None else ""

    def missing(why: str, date: dt.date | None = None) -> Outcome:
        return Outcome(rule["rule_id"], rule["claim_id"], ind, None, date, None, f"{ind} {why}")

    if not by_date:
        return missing(f"has no observed value{cutoff}")
    last = rows["date"][-1]
    if rule.get("max_age_days") is not None:
        as_of = rows["as_of"].max()
        age = (as_of - last).days
        if age > rule["max_age_days"]:
            return missing(f"last value is on {last}, {age} days before as_of {as_of}: older than the rule's "
                           f"max_age_days {rule['max_age_days']}", last)
    compare = COMPARISONS[rule["comparison"]]
    statistic, n, period = rule["statistic"], rule["periods"], rule["period"]
    detail = ""
    if statistic == "latest":
        value = by_date[last]
        met = compare(value, rule["threshold"])
        text = f"{ind} = {_num(value)} {unit} on {last}"
    elif statistic == "change_over_periods":
        before = _shift(last, period, n)
        if before not in by_date:
            return missing(f"change over {n} {_plural(period, n)} has no value for {before}, {n} "
                           f"{_plural(period, n)} before {last}", last)
        value = by_date[last] - by_date[before]
        met = compare(value, rule["threshold"])
        text = f"{ind} change over {n} {_plural(period, n)} = {_signed(value)} {change_unit(unit)}"
        detail = f"{_num(by_date[last])} on {last} vs {_num(by_date[before])} on {before}; "
    else:
        dates = [_shift(last, period, k) for k in range(n - 1, -1, -1)]
        gaps = [d for d in dates if d not in by_date]
        if gaps:
            return missing(f"last {n} {_plural(period, n)} to {last} lack {', '.join(map(str, gaps))}", last)
        window = [by_date[d] for d in dates]
        if statistic == "mean_of_last_n":
            value = sum(window) / n
            met = compare(value, rule["threshold"])
            text = f"{ind} mean of the last {n} {_plural(period, n)} = {_num(value)} {unit}"
            detail = f"{dates[0]} to {last}; "
        else:  # all_of_last_n: the least favourable value decides
            value = min(window) if rule["comparison"] in (">", ">=") else max(window)
            met = all(compare(v, rule["threshold"]) for v in window)
            listed = ", ".join(f"{_num(v)} on {d}" for d, v in zip(dates, window, strict=True))
            text = f"{ind} ({unit}) in each of the last {n} {_plural(period, n)} = {listed}"
            detail = "each "
    return Outcome(rule["rule_id"], rule["claim_id"], ind, float(value), last, met,
                   f"{text} ({detail}needs {_threshold(rule)}: {'met' if met else 'not met'})")


def evaluate_rules(values: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """Every test of ``rules`` (rows with statistic 'none' or 'outside_data' are not tests) on ``values``
    (published.indicators)."""
    outcomes = [evaluate_rule(rule, values) for rule in rules.iter_rows(named=True)
                if rule["statistic"] not in NOT_TESTS]
    return pl.DataFrame([o.__dict__ for o in outcomes],
                        schema={"rule_id": pl.String, "claim_id": pl.String, "indicator_id": pl.String,
                                "value": pl.Float64, "date": pl.Date, "met": pl.Boolean, "text": pl.String})


# ---------------------------------------------------------------------------------------------------------------
# the scorecard


def verdict_of(n_tests: int, n_met: int, n_without_value: int) -> str:
    """The verdict rule (see the module docstring)."""
    if n_tests == 0 or n_without_value > 0:
        return "insufficient data"
    if n_met == n_tests:
        return "supported"
    if n_met == 0:
        return "not supported"
    return "mixed"


def _evidence(claim_id: str, verdict: str, tests: list[dict], notes: list[str], version: str) -> str:
    if not tests:
        why = " ".join(notes) if notes else f"claim_rules.csv {version} has no test for it."
        return f"No indicator measures {claim_id} yet: {why}"
    n, met = len(tests), sum(1 for t in tests if t["met"])
    with_value = [t["text"] for t in tests if t["met"] is not None]
    without = [t["text"] for t in tests if t["met"] is None]
    if verdict == "insufficient data":
        sentence = f"{len(without)} of {n} tests {'has' if len(without) == 1 else 'have'} no value: " + \
            "; ".join(without)
        if with_value:
            sentence += f"; of the other {len(with_value)}, {met} met: " + "; ".join(with_value)
    else:
        sentence = f"{met} of {n} tests met: " + "; ".join(with_value)
    return sentence[0].upper() + sentence[1:] + "."


def _mart_problems(marts: pl.DataFrame | None, claim_id: str) -> str | None:
    """A sentence naming the claim's marts that did not build in their last attempt, else None."""
    if marts is None or marts.is_empty():
        return None
    bad = marts.filter((pl.col("status") != "built") & pl.col("claim_ids").list.contains(claim_id))
    if bad.is_empty():
        return None
    parts = []
    for row in bad.sort("table_name").iter_rows(named=True):
        if row["status"] == "failed":
            built = f"{row['built_at']:%Y-%m-%d %H:%M}" if row["built_at"] else "?"
            kept = (f"the published table is its last good build (run {row['built_run_id']}, {built} UTC)"
                    if row["built_run_id"] else "the published table is empty (it never built)")
            parts.append(f"{row['table_name']} failed ({row['reason']}); {kept}")
        else:
            parts.append(f"{row['table_name']} has insufficient data ({row['reason']})")
    return "Not judged: " + "; ".join(parts) + "."


def claims_scorecard(values: pl.DataFrame, rules: pl.DataFrame, claims: pl.DataFrame,
                     as_of: dt.date, marts: pl.DataFrame | None = None,
                     late_inputs: dict[str, str] | None = None) -> pl.DataFrame:
    """published.claims_scorecard: one row per claim of ``claims`` (catalog/claims.csv), from the published
    indicator rows ``values`` (published.indicators), the parsed ``rules`` (parse_rules) and the vintage date
    ``as_of`` of the indicators. ``marts`` (meta.marts): a claim whose mart failed or had insufficient data in its
    last attempt is not judged (insufficient data), and its evidence names the mart, the reason and which build
    of the table is published. ``late_inputs`` (claim_id -> a sentence naming the claim's input series whose
    next release is overdue, transforms.freshness.late_text) is appended to the claim's evidence."""
    outcomes = evaluate_rules(values, rules)
    versions = rules["rule_version"].unique().to_list()
    version = versions[0] if versions else ""
    out = []
    for claim in claims.iter_rows(named=True):
        claim_id = claim["claim_id"]
        tests = outcomes.filter(pl.col("claim_id") == claim_id).to_dicts()
        notes = rules.filter((pl.col("claim_id") == claim_id) & (pl.col("statistic") == "none"))["what_it_tests"]
        n_met = sum(1 for t in tests if t["met"])
        n_without = sum(1 for t in tests if t["met"] is None)
        verdict = verdict_of(len(tests), n_met, n_without)
        evidence = _evidence(claim_id, verdict, tests, notes.to_list(), version)
        outside = rules.filter((pl.col("claim_id") == claim_id) & (pl.col("statistic") == "outside_data"))
        if not outside.is_empty():
            evidence += " Not tested, outside the data: " + " ".join(outside["what_it_tests"].to_list())
        problems = _mart_problems(marts, claim_id)
        if problems:
            verdict, evidence = "insufficient data", problems + " " + evidence
        if late_inputs and late_inputs.get(claim_id):
            evidence = f"{evidence} {late_inputs[claim_id]}"
        dates = [t["date"] for t in tests if t["date"] is not None]
        out.append({
            "claim_id": claim_id, "claim": claim["claim"], "verdict": verdict,
            "evidence": evidence,
            "latest_date": max(dates) if dates else None, "as_of": as_of, "rule_version": version,
            "rules_evaluated": len(tests), "rules_met": n_met,
            "indicator_ids": sorted({t["indicator_id"] for t in tests}),
            "claim_order": claim_order(claim_id),
        })
    columns = ClaimsScorecard.to_schema().columns
    schema = {name: col.dtype.type for name, col in columns.items()}
    frame = pl.DataFrame(out, schema=schema)
    return frame.sort("claim_order").select(list(columns))
