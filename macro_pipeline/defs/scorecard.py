"""The claims scorecard: a verdict per claim of the thesis, decided by the tests of catalog/claim_rules.csv."""

import dagster as dg
import polars as pl

from macro_pipeline.defs.metadata import OWNERS, check_result, definition_metadata, markdown_table, table_metadata
from macro_pipeline.defs.publish import CATALOG_CLAIMS, CATALOG_SERIES, PUBLISHED_INDICATORS
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.mart_kit import registered_marts
from macro_pipeline.schemas import ClaimsScorecard
from macro_pipeline.transforms.freshness import late_text
from macro_pipeline.transforms.scorecard import claims_scorecard, evaluate_rules, load_rules
from macro_pipeline.transforms.validation import validate
from macro_pipeline.warehouse import Warehouse

CLAIMS_SCORECARD = dg.AssetKey(["published", "claims_scorecard"])
EXPECTED_CLAIMS = [f"C{i}" for i in range(1, 13)]
RULES_FILE = "claim_rules.csv"


def scorecard_asset() -> dg.AssetsDefinition:
    """The scorecard asset; it reads every mart's status (meta.marts), so it runs after every declared mart."""
    marts = [dg.AssetKey(spec.name.split(".")) for spec in registered_marts()]
    return dg.asset(key=CLAIMS_SCORECARD, deps=[PUBLISHED_INDICATORS, CATALOG_CLAIMS, CATALOG_SERIES, *marts],
                    tags={"layer": "published"}, group_name="published", kinds={"duckdb", "polars"}, owners=OWNERS,
                    metadata=definition_metadata("published.claims_scorecard"),
                    check_specs=[dg.AssetCheckSpec(
                        "scorecard_is_valid", asset=CLAIMS_SCORECARD, blocking=True,
                        description="The table fits its model (verdict one of the four, consistent with the tests "
                                    "met) and every claim C1..C12 has exactly one row.")])(published_claims_scorecard)


def published_claims_scorecard(catalog: CatalogResource, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per claim of the thesis (C1-C12): a verdict, supported, not supported, mixed or insufficient data,
    and one sentence of evidence naming the numbers that decided it.

    The tests are data: catalog/claim_rules.csv (versioned, each row with rationale and source) compares a
    statistic of a published indicator (its latest value, its change over n periods, the mean of its last n
    values, or each of its last n values) with a threshold. Only observed values count: a value dated after the
    indicators' as_of is ignored, and rules on scenario indicators stop at a max_date where the figures are
    published. A claim with no test, or with a test that has no value, gets insufficient data; every test met is
    supported, none met is not supported, anything between is mixed. A claim whose mart failed or lacked data in
    its last build (meta.marts) is not judged: insufficient data, naming the mart and the reason. Input series
    of the claim's marts whose next release is overdue (catalog.series.late) are named in the evidence."""
    facts = catalog.load()
    rules = load_rules(catalog.file(RULES_FILE), facts.indicators, facts.claims)
    values = warehouse.read("published.indicators")
    as_of = values["as_of"].max()
    if as_of is None:  # no indicator values at all: the vintage date of the inputs, as published.indicators uses
        with warehouse.connect() as con:
            as_of = con.execute("SELECT max(realtime_start) FROM staging.observations").fetchall()[0][0]
    declared = [spec.name for spec in registered_marts()]
    marts = warehouse.read("meta.marts").filter(pl.col("table_name").is_in(declared))
    table = claims_scorecard(values, rules, facts.claims, as_of, marts, _late_inputs(warehouse, as_of))
    report = validate(ClaimsScorecard, table)
    counts = dict(table.group_by("claim_id").len().iter_rows())
    coverage = [f"{c}: {counts.get(c, 0)} rows" for c in EXPECTED_CLAIMS if counts.get(c, 0) != 1]
    coverage += [f"{c}: not a claim of the thesis" for c in counts if c not in EXPECTED_CLAIMS]
    passed = report.ok and not coverage
    if passed:
        warehouse.replace("published.claims_scorecard", table)
    tests = evaluate_rules(values, rules)
    verdicts = table.group_by("verdict").len().sort("verdict")
    result = check_result(report, claims_without_exactly_one_row=", ".join(coverage) or "(none)")
    if coverage:
        result = dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata=result.metadata,
                                     description="; ".join(filter(None, [result.description,
                                                                         "claims without exactly one row: "
                                                                         + ", ".join(coverage)])))
    return dg.MaterializeResult(
        metadata={**table_metadata("published.claims_scorecard", table, "latest_date"),
                  "rule_version": rules["rule_version"][0],
                  "as_of": str(as_of),
                  "verdicts": dg.MetadataValue.json(dict(verdicts.iter_rows())),
                  "tests": dg.MetadataValue.md(markdown_table(
                      tests.select("rule_id", "indicator_id", "date", pl.col("value").round(3), "met"),
                      max_rows=100))},
        check_results=[result])


def _late_inputs(warehouse: Warehouse, as_of: object) -> dict[str, str]:
    """Per claim, a sentence naming the input series of its marts that are late (catalog.series.late)."""
    late = warehouse.read("catalog.series").filter(pl.col("late").fill_null(False))
    out: dict[str, str] = {}
    for claim_id in EXPECTED_CLAIMS:
        inputs = sorted({s for spec in registered_marts() if claim_id in spec.claim_ids for s in spec.input_series()})
        text = late_text(late.filter(pl.col("series_id").is_in(inputs)), as_of)
        if text:
            out[claim_id] = text
    return out
