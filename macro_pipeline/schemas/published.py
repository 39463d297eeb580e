"""Models of the published layer: what analysts read first."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl


class Indicators(pa.DataFrameModel):
    """Every published indicator value: one row per (indicator_id, date), with its claim, unit and source.
    Indicator definitions live in the package's catalog/indicators.csv."""

    indicator_id: str = pa.Field(description="indicator id (catalog/indicators.csv)",
                                 metadata={"source": "macro_pipeline indicator catalog"})
    claim_id: str = pa.Field(str_matches=r"^C(1[0-2]|[1-9])$", description="the thesis claim it measures (C1..C12)",
                             metadata={"source": "catalog.claims"})
    date: pl.Date = pa.Field(description="period of the value (a week by its Wednesday, a month, quarter or year "
                                         "by its first day)", metadata={"unit": "date"})
    value: float = pa.Field(description="indicator value, rounded to the decimals its unit declares in "
                                        "catalog/unit_precision.csv", metadata={"unit": "see unit"})
    unit: str = pa.Field(description="unit of value, spelled out", metadata={"unit": "text"})
    source: str = pa.Field(description="table and series the value was computed from",
                           metadata={"source": "the mart named here"})
    as_of: pl.Date = pa.Field(description="vintage date of the inputs (the latest realtime_start used)",
                              metadata={"unit": "date"})
    kind: str = pa.Field(isin=["observed", "projection", "model"],
                         description="observed (measured and published by its source), projection (a source's "
                                     "forecast, or an observed indicator's value dated after as_of) or model "
                                     "(computed by this product from declared assumptions, e.g. scenario shares); "
                                     "declared per indicator in catalog/indicators.csv. 'Latest' queries use "
                                     "observed values only",
                         metadata={"unit": "text", "source": "catalog/indicators.csv kind; date after as_of"})

    class Config:
        description = ("The publishable indicator set: every indicator value with its claim, unit, source, as-of "
                       "and kind (observed, projection or model).")
        unique = ["indicator_id", "date"]

    @pa.dataframe_check(name="value is finite")
    def value_is_finite(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value").is_finite())


VERDICTS = ["supported", "not supported", "mixed", "insufficient data"]
_RULES = "macro_pipeline/catalog/claim_rules.csv"
_COMPUTED = "computed from published.indicators by the rules of " + _RULES


class ClaimsScorecard(pa.DataFrameModel):
    """Per claim of the thesis, what the published indicators show, decided by the tests of
    catalog/claim_rules.csv (see macro_pipeline/transforms/scorecard.py)."""

    claim_id: str = pa.Field(str_matches=r"^C(1[0-2]|[1-9])$", unique=True, description="the thesis claim (C1..C12)",
                             metadata={"unit": "text", "source": "catalog.claims"})
    claim: str = pa.Field(description="the claim, as the essay makes it", metadata={"unit": "text",
                                                                                  "source": "catalog.claims"})
    verdict: str = pa.Field(isin=VERDICTS, description="supported (every test met), not supported (none met), "
                            "mixed (some met), or insufficient data (no test, or a test without a value)",
                            metadata={"unit": "text", "source": _COMPUTED})
    evidence: str = pa.Field(description="one sentence naming each test's value, unit (a change of a percentage "
                             "in percentage points), date and threshold, and whether it was met; for a claim "
                             "without tests, what no indicator measures yet",
                             metadata={"unit": "text", "source": _COMPUTED})
    latest_date: pl.Date = pa.Field(nullable=True, description="latest observation date any of the claim's tests "
                                    "used (null when no test has a value)",
                                    metadata={"unit": "date", "source": "published.indicators"})
    as_of: pl.Date = pa.Field(description="vintage date of the inputs (published.indicators.as_of); values dated "
                              "after it are not used", metadata={"unit": "date", "source": "published.indicators"})
    rule_version: str = pa.Field(description="version of the rules file the verdict was decided by",
                                 metadata={"unit": "text", "source": _RULES})
    rules_evaluated: int = pa.Field(ge=0, description="tests of the claim in the rules file, each evaluated "
                                    "(a test without a value counts, and is not met)",
                                    metadata={"unit": "count", "source": _RULES})
    rules_met: int = pa.Field(ge=0, description="tests whose value meets its threshold",
                              metadata={"unit": "count", "source": _COMPUTED})
    indicator_ids: pl.List(pl.Utf8) = pa.Field(description="indicators the tests read (empty for a claim "
                                               "without tests)", metadata={"unit": "text",
                                                                           "source": "catalog/indicators.csv"})
    claim_order: int = pa.Field(ge=1, le=12, unique=True, description="the claim's number (C2 = 2, C10 = 10): "
                                "ORDER BY claim_order lists C1..C12 in order, which ORDER BY claim_id does not",
                                metadata={"unit": "count", "source": "catalog.claims"})

    class Config:
        description = ("Per claim of the thesis (C1-C12), a verdict decided by the tests written down as data in "
                       "catalog/claim_rules.csv (statistics of published.indicators against thresholds, each with "
                       "rationale and source; values dated after as_of or a rule's max_date are not used). "
                       "Verdict: insufficient data if the claim has no test or any test lacks a value; supported "
                       "if every test is met; not supported if none is; mixed otherwise. The evidence sentence "
                       "names the numbers that decided it.")

    @pa.dataframe_check(name="rules_met <= rules_evaluated")
    def met_within_evaluated(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("rules_met") <= pl.col("rules_evaluated"))

    @pa.dataframe_check(name="verdict follows the counts of tests met")
    def verdict_follows_counts(cls, data) -> pl.LazyFrame:
        met, n, verdict = pl.col("rules_met"), pl.col("rules_evaluated"), pl.col("verdict")
        return data.lazyframe.select(
            pl.when(verdict == "supported").then((n > 0) & (met == n))
            .when(verdict == "not supported").then((n > 0) & (met == 0))
            .when(verdict == "mixed").then((met > 0) & (met < n))
            .otherwise(True))

    @pa.dataframe_check(name="a claim without tests has insufficient data")
    def no_tests_no_verdict(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("rules_evaluated") > 0) | (pl.col("verdict") == "insufficient data"))
