"""The claims scorecard: rules parsed from data, tests on hand-made indicator rows, the verdict rule, evidence."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR, load_catalog
from macro_pipeline.schemas import ClaimsScorecard
from macro_pipeline.transforms.scorecard import (
    RULE_COLUMNS,
    RulesError,
    _shift,
    claims_scorecard,
    evaluate_rules,
    load_rules,
    parse_rules,
    verdict_of,
)
from macro_pipeline.transforms.validation import validate

AS_OF = dt.date(2026, 11, 26)
D = dt.date

INDICATORS = pl.DataFrame({
    "indicator_id": ["liq_change", "fed_change", "share_pct", "growth_q", "spend_m", "datacenter_share_of_us_"
                     "electricity_low_pct"],
    "claim_id": ["C8", "C8", "C10", "C6", "C10", "C10"],
    "title": ["t"] * 6,
    "unit": ["billions of U.S. dollars", "billions of U.S. dollars", "percent", "percent, SAAR",
             "billions of dollars, SAAR", "percent"],
    "source_table": ["m"] * 6,
    "source_column": ["c"] * 6,
    "date_column": ["week_date", "week_date", "year", "quarter", "month", "year"],
    "description": ["d"] * 6,
})
CLAIMS = pl.DataFrame({"claim_id": ["C6", "C8", "C10", "C11"],
                       "claim": ["six", "eight", "ten", "eleven"],
                       "what_would_support_it": ["w"] * 4})
HEADER = ",".join(RULE_COLUMNS)
NONE_ROWS = {"C6": "v1,C6,C6.0,,none,,,,,,nothing measures six yet,no test without an indicator,thesis\n",
             "C8": "v1,C8,C8.0,,none,,,,,,nothing measures eight yet,no test without an indicator,thesis\n",
             "C10": "v1,C10,C10.0,,none,,,,,,nothing measures ten yet,no test without an indicator,thesis\n",
             "C11": "v1,C11,C11.0,,none,,,,,,crypto not measured; political salience is outside the data,why,"
                    "thesis\n"}
C8_RULES = ("v1,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,,liquidity rose,why,src\n"
            "v1,C8,C8.2,fed_change,latest,,<=,0,billions of U.S. dollars,,fed did not,why,src\n")


def rules(body: str) -> pl.DataFrame:
    """The rules of ``body``, plus a 'none' row for every claim it does not test."""
    tested = {line.split(",")[1] for line in body.splitlines() if line}
    untested = "".join(text for claim, text in NONE_ROWS.items() if claim not in tested)
    return parse_rules(HEADER + "\n" + body + untested, INDICATORS, CLAIMS)


def values(*rows: tuple[str, dt.date, float], as_of: dt.date = AS_OF) -> pl.DataFrame:
    return pl.DataFrame([{"indicator_id": i, "claim_id": "C8", "date": d, "value": v, "unit": "u", "source": "s",
                          "as_of": as_of} for i, d, v in rows],
                        schema={"indicator_id": pl.String, "claim_id": pl.String, "date": pl.Date,
                                "value": pl.Float64, "unit": pl.String, "source": pl.String, "as_of": pl.Date})


def row(frame: pl.DataFrame, claim_id: str) -> dict:
    return frame.filter(pl.col("claim_id") == claim_id).row(0, named=True)


def score(rules_frame: pl.DataFrame, vals: pl.DataFrame, claims: pl.DataFrame = CLAIMS) -> pl.DataFrame:
    out = claims_scorecard(vals, rules_frame, claims, AS_OF)
    report = validate(ClaimsScorecard, out)
    assert report.ok, report.summary()
    return out


# ---------------------------------------------------------------------------------------------- verdicts


def test_all_tests_met_is_supported_and_the_evidence_names_the_values():
    out = score(rules(C8_RULES), values(("liq_change", D(2026, 8, 19), -5.0), ("liq_change", D(2026, 8, 26), 12.5),
                                        ("fed_change", D(2026, 8, 26), -3.25)))
    c8 = row(out, "C8")
    assert c8["verdict"] == "supported"
    assert (c8["rules_evaluated"], c8["rules_met"]) == (2, 2)
    assert c8["evidence"] == (
        "2 of 2 tests met: liq_change = 12.5 billions of U.S. dollars on 2026-08-26 (needs > 0: met); "
        "fed_change = -3.25 billions of U.S. dollars on 2026-08-26 (needs <= 0: met).")
    assert c8["latest_date"] == D(2026, 8, 26) and c8["as_of"] == AS_OF
    assert c8["indicator_ids"] == ["fed_change", "liq_change"] and c8["rule_version"] == "v1"


def test_no_test_met_is_not_supported():
    out = score(rules(C8_RULES), values(("liq_change", D(2026, 8, 26), -89.0951), ("fed_change", D(2026, 8, 26), 26.5)))
    c8 = row(out, "C8")
    assert (c8["verdict"], c8["rules_met"]) == ("not supported", 0)
    assert c8["evidence"].startswith("0 of 2 tests met: liq_change = -89.1 billions of U.S. dollars on 2026-08-26 "
                                     "(needs > 0: not met)")


def test_some_tests_met_is_mixed():
    out = score(rules(C8_RULES), values(("liq_change", D(2026, 8, 26), 40.0), ("fed_change", D(2026, 8, 26), 26.5)))
    c8 = row(out, "C8")
    assert (c8["verdict"], c8["rules_met"], c8["rules_evaluated"]) == ("mixed", 1, 2)
    assert "1 of 2 tests met" in c8["evidence"] and "fed_change = 26.5" in c8["evidence"]


def test_a_test_without_a_value_makes_the_claim_insufficient_data_even_if_the_others_are_met():
    out = score(rules(C8_RULES), values(("liq_change", D(2026, 8, 26), 40.0)))
    c8 = row(out, "C8")
    assert c8["verdict"] == "insufficient data"
    assert (c8["rules_evaluated"], c8["rules_met"]) == (2, 1)
    assert c8["evidence"] == ("1 of 2 tests has no value: fed_change has no observed value; of the other 1, 1 met: "
                              "liq_change = 40 billions of U.S. dollars on 2026-08-26 (needs > 0: met).")


def test_a_claim_without_tests_is_insufficient_data_and_says_what_is_missing():
    out = score(rules(C8_RULES), values())
    c11 = row(out, "C11")
    assert (c11["verdict"], c11["rules_evaluated"], c11["indicator_ids"]) == ("insufficient data", 0, [])
    assert c11["evidence"].startswith("No indicator measures C11 yet: ")
    assert "political salience is outside the data" in c11["evidence"]
    assert c11["latest_date"] is None
    assert out["claim_id"].to_list() == ["C6", "C8", "C10", "C11"]


@pytest.mark.parametrize(("tests", "met", "without", "verdict"), [
    (0, 0, 0, "insufficient data"), (3, 3, 0, "supported"), (3, 0, 0, "not supported"), (3, 2, 0, "mixed"),
    (3, 2, 1, "insufficient data"), (1, 0, 1, "insufficient data")])
def test_verdict_rule(tests, met, without, verdict):
    assert verdict_of(tests, met, without) == verdict


# ---------------------------------------------------------------------------------------------- only observed values


def test_values_dated_after_as_of_are_ignored():
    """A projection dated after the inputs' vintage is not 'latest': the last observed value decides."""
    r = rules("v1,C10,C10.1,share_pct,latest,,>,5,percent,,share above 5,why,src\n")
    vals = values(("share_pct", D(2025, 1, 1), 4.4), ("share_pct", D(2027, 1, 1), 10.5),
                  ("share_pct", D(2030, 1, 1), 12.0))
    tests = evaluate_rules(vals, r).filter(pl.col("rule_id") == "C10.1").row(0, named=True)
    assert (tests["value"], tests["date"], tests["met"]) == (4.4, D(2025, 1, 1), False)


def test_max_date_stops_a_rule_at_the_last_published_year():
    r = rules("v1,C10,C10.1,datacenter_share_of_us_electricity_low_pct,change_over_periods,1,>,0,percent,2024-01-01,"
              "share rose,why,src\n")
    vals = values(("datacenter_share_of_us_electricity_low_pct", D(2023, 1, 1), 4.39),
                  ("datacenter_share_of_us_electricity_low_pct", D(2024, 1, 1), 4.45),
                  ("datacenter_share_of_us_electricity_low_pct", D(2025, 1, 1), 1.0),  # interpolated: not used
                  ("datacenter_share_of_us_electricity_low_pct", D(2026, 1, 1), 0.5))  # projected: not used
    c10 = row(score(r, vals), "C10")
    assert c10["verdict"] == "supported" and c10["latest_date"] == D(2024, 1, 1)
    assert "+0.06 percentage points (4.45 on 2024-01-01 vs 4.39 on 2023-01-01; needs > 0: met)" in c10["evidence"]


def test_a_scenario_indicator_without_max_date_is_refused():
    with pytest.raises(RulesError, match=r"claim_rules.csv: rule_id \['C10.1'\] \(line 2\) break the rule: a rule "
                                         r"on an indicator mixing published, interpolated and projected years sets "
                                         r"max_date"):
        rules("v1,C10,C10.1,datacenter_share_of_us_electricity_low_pct,latest,,>,0,percent,,t,why,src\n")


# ---------------------------------------------------------------------------------------------- statistics


def test_change_over_periods_compares_with_the_value_exactly_n_periods_earlier():
    body = "v1,C10,C10.1,spend_m,change_over_periods,12,>,0,\"billions of dollars, SAAR\",,up on a year,why,src\n"
    r = rules(body)
    vals = values(("spend_m", D(2025, 7, 1), 47.81), ("spend_m", D(2026, 6, 1), 70.0),
                  ("spend_m", D(2026, 7, 1), 75.166))
    c10 = row(score(r, vals), "C10")
    assert c10["verdict"] == "supported"
    assert c10["evidence"] == ("1 of 1 tests met: spend_m change over 12 months = +27.36 billions of dollars, SAAR "
                               "(75.17 on 2026-07-01 vs 47.81 on 2025-07-01; needs > 0: met).")
    # the month a year before is missing: no value, never the nearest one
    gap = values(("spend_m", D(2025, 6, 1), 47.0), ("spend_m", D(2026, 7, 1), 75.166))
    c10 = row(score(r, gap), "C10")
    assert c10["verdict"] == "insufficient data"
    assert "spend_m change over 12 months has no value for 2025-07-01, 12 months before 2026-07-01" in c10["evidence"]


def test_mean_and_all_of_last_n_need_consecutive_periods():
    body = ("v1,C6,C6.1,growth_q,all_of_last_n,2,<=,0.5,\"percent, SAAR\",,near zero twice,why,src\n"
            "v1,C6,C6.2,growth_q,mean_of_last_n,4,<=,0.5,\"percent, SAAR\",,near zero on a year,why,src\n")
    r = rules(body)
    vals = values(("growth_q", D(2025, 4, 1), 3.0), ("growth_q", D(2025, 7, 1), 4.1),
                  ("growth_q", D(2025, 10, 1), -0.28), ("growth_q", D(2026, 1, 1), 0.23))
    c6 = row(score(r, vals), "C6")
    assert c6["verdict"] == "mixed"
    assert c6["evidence"] == (
        "1 of 2 tests met: growth_q (percent, SAAR) in each of the last 2 quarters = -0.28 on 2025-10-01, 0.23 on "
        "2026-01-01 (each needs <= 0.5: met); growth_q mean of the last 4 quarters = 1.76 percent, SAAR "
        "(2025-04-01 to 2026-01-01; needs <= 0.5: not met).")
    tests = evaluate_rules(vals, r).filter(pl.col("claim_id") == "C6")
    assert tests["value"].to_list() == [pytest.approx(0.23), pytest.approx(1.7625)]  # all_of: the least favourable
    gap = vals.filter(pl.col("date") != D(2025, 7, 1))
    c6 = row(score(r, gap), "C6")
    assert c6["verdict"] == "insufficient data"
    assert "growth_q last 4 quarters to 2026-01-01 lack 2025-07-01" in c6["evidence"]


def test_periods_step_back_by_the_indicator_frequency():
    assert _shift(D(2026, 8, 26), "week", 13) == D(2026, 5, 27)
    assert _shift(D(2026, 1, 1), "month", 12) == D(2025, 1, 1)
    assert _shift(D(2026, 1, 1), "quarter", 1) == D(2025, 10, 1)
    assert _shift(D(2026, 1, 1), "year", 3) == D(2023, 1, 1)


# ---------------------------------------------------------------------------------------------- parser errors


@pytest.mark.parametrize(("line", "rule_id", "broken_rule"), [
    ("v1,C8,C8.1,no_such_indicator,latest,,>,0,billions of U.S. dollars,,t,why,src", "C8.1",
     "indicator_id is an indicator of indicators.csv"),
    ("v1,C99,C99.1,liq_change,latest,,>,0,billions of U.S. dollars,,t,why,src", "C99.1",
     "rule_id is of the form <claim>.<n> (e.g. C8.1)"),
    ("v1,C7,C7.1,liq_change,latest,,>,0,billions of U.S. dollars,,t,why,src", "C7.1",
     "claim_id is a claim of claims.csv ['C6', 'C8', 'C10', 'C11']"),
    ("v1,C8,C6.1,liq_change,latest,,>,0,billions of U.S. dollars,,t,why,src", "C6.1", "rule_id starts with its claim"),
    ("v1,C8,C8.1,liq_change,latest,,=>,0,billions of U.S. dollars,,t,why,src", "C8.1",
     "comparison is one of ['>', '>=', '<', '<=']"),
    ("v1,C8,C8.1,liq_change,latest,,>,zero,billions of U.S. dollars,,t,why,src", "C8.1",
     "threshold is a finite number"),
    ("v1,C8,C8.1,liq_change,latest,,>,nan,billions of U.S. dollars,,t,why,src", "C8.1", "threshold is a finite number"),
    ("v1,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,,t,,src", "C8.1", "rationale: not_nullable"),
    ("v1,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,,t,why,", "C8.1", "source: not_nullable"),
    ("v1,C8,C8.1,liq_change,latest,,>,0,percent,,t,why,src", "C8.1",
     "threshold_unit is the unit of its indicator in indicators.csv"),
    ("v1,C8,C8.1,liq_change,latest,4,>,0,billions of U.S. dollars,,t,why,src", "C8.1",
     "periods is blank for statistic 'latest'"),
    ("v1,C8,C8.1,liq_change,change_over_periods,,>,0,billions of U.S. dollars,,t,why,src", "C8.1",
     "a statistic over periods has a positive whole number of periods"),
    ("v1,C8,C8.1,liq_change,change_over_periods,-2,>,0,billions of U.S. dollars,,t,why,src", "C8.1",
     "a statistic over periods has a positive whole number of periods"),
    ("v1,C10,C10.1,share_pct,change_over_periods,2,>,0,percent,2024-01-01,t,why,src", "C10.1", None),
    ("v1,C8,C8.1,liq_change,median,,>,0,billions of U.S. dollars,,t,why,src", "C8.1", "statistic is one of"),
    ("v1,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,2024-13-01,t,why,src", "C8.1",
     "max_date is blank or an ISO date (YYYY-MM-DD)"),
    ("v1,C8,C8.0,liq_change,none,,,,,,t,why,src", "C8.0", "a 'none' or 'outside_data' row (not a test) leaves"),
    ("v2,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,,t,why,src", "C6.0",
     "one file, one rule_version"),
])
def test_parser_errors_name_file_rule_line_and_rule(line, rule_id, broken_rule):
    # the broken row is row 4 (line 5): after the 'none' rows of C6, C10 and C11
    others = "".join(text for claim, text in NONE_ROWS.items() if claim not in ("C8", line.split(",")[1]))
    if broken_rule is None:  # a valid rule over periods on a yearly indicator: accepted
        assert parse_rules(HEADER + "\n" + others + NONE_ROWS["C8"] + line + "\n", INDICATORS, CLAIMS).height == 4
        return
    with pytest.raises(RulesError) as err:
        parse_rules(HEADER + "\n" + others + line + "\n", INDICATORS, CLAIMS)
    text = str(err.value)
    assert text.startswith(f"claim_rules.csv: rule_id ['{rule_id}'"), text
    assert f"break the rule: {broken_rule}" in text, text


def test_parser_refuses_a_bad_header_a_duplicate_id_and_an_uncovered_claim():
    with pytest.raises(RulesError, match=r"claim_rules.csv: header must be .*missing \['source'\], unknown \['src'\]"):
        parse_rules(HEADER.replace("source", "src") + "\n", INDICATORS, CLAIMS)
    with pytest.raises(RulesError, match=r"rule_id \['C8.1', 'C8.1'\] \(line 2, 3\) break the rule: rule ids are "
                                         r"unique"):
        parse_rules(HEADER + "\n" + C8_RULES.replace("C8.2", "C8.1"), INDICATORS, CLAIMS)
    with pytest.raises(RulesError, match=r"claims \['C6', 'C10', 'C11'\] have no row"):
        parse_rules(HEADER + "\n" + C8_RULES, INDICATORS, CLAIMS)
    with pytest.raises(RulesError, match=r"row 3 \(line 4\): has 12 columns, the header 14"):
        parse_rules(HEADER + "\n" + C8_RULES + "v1,C6,C6.0,,none,,,,,,t,why\n", INDICATORS, CLAIMS)
    with pytest.raises(RulesError, match=r"claims \['C8'\] have tests and a 'none' row"):
        parse_rules(HEADER + "\n" + C8_RULES + "".join(NONE_ROWS.values()), INDICATORS, CLAIMS)


def test_an_outside_data_row_sits_beside_tests_and_is_named_in_the_evidence_not_judged():
    outside = "v1,C8,C8.9,,outside_data,,,,,,who holds the reserves is not in the data,why,thesis\n"
    parsed = rules(C8_RULES + outside)
    vals = values(("liq_change", D(2026, 11, 18), 10.0), ("fed_change", D(2026, 11, 18), -5.0))
    out = row(score(parsed, vals), "C8")
    # the verdict comes from the two tests alone; the untestable part is said, not counted
    assert (out["verdict"], out["rules_evaluated"], out["rules_met"]) == ("supported", 2, 2)
    assert out["evidence"].endswith("Not tested, outside the data: who holds the reserves is not in the data")
    # the same rule with a fed_change that fails is mixed, still with the note
    out = row(score(parsed, values(("liq_change", D(2026, 11, 18), 10.0), ("fed_change", D(2026, 11, 18), 5.0))),
              "C8")
    assert out["verdict"] == "mixed" and "Not tested, outside the data" in out["evidence"]


def test_an_outside_data_row_must_be_blank_like_none():
    with pytest.raises(RulesError, match=r"rule_id \['C8.9'\] \(line 4\) break the rule: a 'none' or 'outside_data' "
                                         r"row \(not a test\) leaves"):
        rules(C8_RULES + "v1,C8,C8.9,liq_change,outside_data,,,,,,x,why,thesis\n")


def test_missing_rules_file_is_an_error(tmp_path):
    with pytest.raises(RulesError, match=r"rules file .*claim_rules.csv is missing"):
        load_rules(tmp_path / "claim_rules.csv", INDICATORS, CLAIMS)


# ---------------------------------------------------------------------------------------------- the packaged rules


def test_the_packaged_rules_parse_cover_every_claim_and_cite_a_source():
    catalog = load_catalog()
    parsed = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    assert sorted(set(parsed["claim_id"].to_list()), key=lambda c: int(c[1:])) == [f"C{i}" for i in range(1, 13)]
    assert parsed["rule_version"].n_unique() == 1
    assert parsed.filter(pl.col("rationale").str.len_chars() < 20).is_empty()
    is_test = ~pl.col("statistic").is_in(["none", "outside_data"])
    tested = set(parsed.filter(is_test)["claim_id"].to_list())
    assert tested == {f"C{i}" for i in range(1, 13)}
    # every indicator a test reads belongs to the claim it tests
    owner = dict(catalog.indicators.select("indicator_id", "claim_id").iter_rows())
    for rule in parsed.filter(is_test).iter_rows(named=True):
        assert owner[rule["indicator_id"]] == rule["claim_id"], rule["rule_id"]
    # C11's political part is declared untestable beside its market tests
    c11 = parsed.filter((pl.col("claim_id") == "C11") & (pl.col("statistic") == "outside_data"))["what_it_tests"]
    assert c11.len() == 1 and "political salience" in c11[0]


def test_the_packaged_rules_on_no_data_give_twelve_valid_rows_of_insufficient_data():
    catalog = load_catalog()
    parsed = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    out = claims_scorecard(values(), parsed, catalog.claims, AS_OF)
    assert validate(ClaimsScorecard, out).ok
    assert out["claim_id"].to_list() == [f"C{i}" for i in range(1, 13)]
    assert set(out["verdict"].to_list()) == {"insufficient data"}
    assert row(out, "C8")["rules_evaluated"] == 5 and row(out, "C8")["rules_met"] == 0


def test_the_model_refuses_an_unknown_verdict_and_a_verdict_that_contradicts_the_counts():
    out = score(rules(C8_RULES), values(("liq_change", D(2026, 8, 26), 40.0), ("fed_change", D(2026, 8, 26), 1.0)))
    bad = out.with_columns(pl.when(pl.col("claim_id") == "C8").then(pl.lit("supported"))
                           .otherwise(pl.col("verdict")).alias("verdict"))
    report = validate(ClaimsScorecard, bad)
    assert not report.ok and "verdict follows the counts of tests met" in report.summary()
    unknown = out.with_columns(pl.lit("probably").alias("verdict"))
    assert not validate(ClaimsScorecard, unknown).ok


# ---------------------------------------------------------------------------------------------- max_age_days


def test_max_age_days_turns_a_stale_last_value_into_no_value_naming_its_age():
    r = rules("v1,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,,liquidity rose,why,src,30\n"
              "v1,C8,C8.2,fed_change,latest,,<=,0,billions of U.S. dollars,,fed did not,why,src\n")
    stale = AS_OF - dt.timedelta(days=31)
    vals = values(("liq_change", stale, 5.0), ("fed_change", stale, -1.0))
    c8 = row(score(r, vals), "C8")
    assert c8["verdict"] == "insufficient data"
    assert (f"liq_change last value is on {stale}, 31 days before as_of {AS_OF}: older than the rule's "
            "max_age_days 30") in c8["evidence"]
    # the rule without a limit still judges its value of the same age
    assert "fed_change = -1 billions of U.S. dollars" in c8["evidence"]


def test_max_age_days_at_the_limit_still_judges():
    r = rules("v1,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,,liquidity rose,why,src,30\n")
    vals = values(("liq_change", AS_OF - dt.timedelta(days=30), 5.0))
    tests = evaluate_rules(vals, r)
    assert tests.row(0, named=True)["met"] is True


@pytest.mark.parametrize("bad", ["0", "-3", "1.5", "a month"])
def test_max_age_days_must_be_a_positive_whole_number(bad):
    with pytest.raises(RulesError, match=r"rule_id \['C8.1'\] \(line 2\) break the rule: max_age_days is blank or "
                                         r"a positive whole"):
        rules(f"v1,C8,C8.1,liq_change,latest,,>,0,billions of U.S. dollars,,liquidity rose,why,src,{bad}\n")


def test_max_age_days_is_blank_on_a_none_row_and_optional_in_the_header():
    with pytest.raises(RulesError, match=r"rule_id \['C8.0'\] \(line 2\) break the rule: a 'none' or "
                                         r"'outside_data' row .*'max_age_days'\] blank"):
        rules("v1,C8,C8.0,,none,,,,,,nothing yet,why,src,30\n")
    old_header = ",".join(c for c in RULE_COLUMNS if c != "max_age_days")
    parsed = parse_rules(old_header + "\n" + C8_RULES + "".join(v for k, v in NONE_ROWS.items() if k != "C8"),
                         INDICATORS, CLAIMS)
    assert parsed["max_age_days"].null_count() == parsed.height


def test_every_packaged_rule_of_the_real_economy_claims_says_how_stale_its_input_may_be():
    catalog = load_catalog()
    parsed = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    ids = [f"C7.{i}" for i in range(1, 5)] + ["C8.4", "C8.5"] + [f"C9.{i}" for i in range(1, 5)] + \
        [f"C12.{i}" for i in range(1, 6)]
    real_economy = parsed.filter(pl.col("rule_id").is_in(ids))
    assert real_economy.height == 15
    assert real_economy["max_age_days"].null_count() == 0
