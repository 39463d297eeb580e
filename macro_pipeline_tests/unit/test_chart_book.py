"""The chart book: chart declarations as data, the plan per claim, the Vega-Lite specs, the page and the PNGs."""

from __future__ import annotations

import datetime as dt
import json
import re

import polars as pl
import pytest

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR, load_catalog
from macro_pipeline.report.chart_book import (
    CHART_COLUMNS,
    RENDERS_NAME,
    ChartPlan,
    ChartsError,
    build_chart_book,
    chart_spec,
    parse_charts,
    plan_charts,
    reusable_pngs,
)
from macro_pipeline.transforms.scorecard import claims_scorecard, load_rules
from macro_pipeline_tests.png import distinct_colours

AS_OF = dt.date(2026, 11, 26)
HEADER = ",".join(CHART_COLUMNS)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def charts_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_packaged_charts_parse_and_draw_only_indicators_of_their_claim(catalog) -> None:
    plans = parse_charts((PACKAGED_CATALOG_DIR / "charts.csv").read_text(), catalog.indicators)
    by_id = {r["indicator_id"]: r for r in catalog.indicators.iter_rows(named=True)}
    assert {p.claim_id for p in plans} >= {"C6", "C8", "C10"}
    for plan in plans:
        assert {by_id[i]["claim_id"] for i in plan.indicator_ids} == {plan.claim_id}
        assert {by_id[i]["unit"] for i in plan.indicator_ids} == {plan.unit}


@pytest.mark.parametrize(("row", "message"), [
    ("c8,C8,no_such_indicator,T,line,,", "indicator_ids are indicators of indicators.csv"),
    ("c8,C6,net_liquidity_usd_bn,T,line,,", "measure the chart's claim_id"),
    ("c6,C6,real_gdp_growth_saar_pct;ai_contribution_broad_pp,T,line,,", "one chart, one unit"),
    ("c8,C8,net_liquidity_usd_bn,T,pie,,", "mark is one of"),
    ("C8 chart,C8,net_liquidity_usd_bn,T,line,,", "snake_case"),
    ("c8,C8,net_liquidity_usd_bn,,line,,", "every chart has a title"),
    ("c8,C8,,T,line,,", "names at least one indicator"),
    ("c8,C8,net_liquidity_usd_bn,T,line,2020-13-01,", "ISO date"),
])
def test_a_bad_chart_declaration_is_refused_naming_the_chart_and_the_rule(catalog, row: str, message: str) -> None:
    ok = "c8_ok,C8,net_liquidity_usd_bn,Fine,line,,"
    with pytest.raises(ChartsError, match=re.escape(message)) as err:
        parse_charts(charts_text(ok, row), catalog.indicators)
    assert "charts.csv: chart_id [" in str(err.value) and "c8_ok" not in str(err.value)


def test_a_chart_declared_twice_or_a_wrong_header_is_refused(catalog) -> None:
    row = "c8,C8,net_liquidity_usd_bn,T,line,,"
    with pytest.raises(ChartsError, match="chart ids are unique"):
        parse_charts(charts_text(row, row), catalog.indicators)
    with pytest.raises(ChartsError, match="header must be"):
        parse_charts("chart_id,claim_id\nc8,C8\n", catalog.indicators)


def test_optional_cells_may_be_left_out(catalog) -> None:
    plans = parse_charts(charts_text("c8,C8,net_liquidity_usd_bn ; ,Net,bar"), catalog.indicators)
    assert plans == [ChartPlan("c8", "C8", ("net_liquidity_usd_bn",), "Net", "billions of U.S. dollars", "bar")]


def test_every_claim_with_indicators_gets_a_chart_and_undeclared_indicators_are_drawn_by_unit(catalog) -> None:
    declared = parse_charts(charts_text("c8_net,C8,net_liquidity_usd_bn,Net liquidity,line,,"), catalog.indicators)
    plans = plan_charts(declared, catalog.indicators, catalog.claims)
    assert list(plans) == [f"C{i}" for i in range(1, 13)]  # claim order, not text order
    with_indicators = set(catalog.indicators["claim_id"].to_list())
    for claim_id, claim_plans in plans.items():
        assert bool(claim_plans) == (claim_id in with_indicators), claim_id
    # C8: the declared chart, and the three change indicators (one unit) on one derived chart
    c8 = plans["C8"]
    assert c8[0].declared and not any(p.declared for p in c8[1:])
    in_usd = [p for p in c8[1:] if p.unit == "billions of U.S. dollars"]
    assert len(in_usd) == 1 and {"net_liquidity_change_13w_usd_bn", "fed_total_assets_change_13w_usd_bn",
                                 "treasury_and_rrp_change_13w_usd_bn"} <= set(in_usd[0].indicator_ids)
    assert len({p.unit for p in c8[1:]}) == len(c8) - 1  # one derived chart per unit
    drawn = {i for ps in plans.values() for p in ps for i in p.indicator_ids}
    assert drawn == set(catalog.indicators["indicator_id"].to_list())


def values_frame() -> pl.DataFrame:
    dates = [dt.date(2025, m, 1) for m in (1, 4, 7, 10)] + [dt.date(2027, 1, 1)]
    return pl.DataFrame({
        "indicator_id": ["real_gdp_growth_saar_pct"] * 5, "claim_id": ["C6"] * 5, "date": dates,
        "value": [1.0, 2.0, -0.5, 1.5, 2.2], "unit": ["percent, SAAR"] * 5,
        "source": ["marts.gdp_ex_ai_by_quarter.real_gdp_growth_saar_pct (BEA)"] * 5, "as_of": [AS_OF] * 5,
        "kind": ["observed"] * 4 + ["projection"]})


def layers(spec: dict) -> list[dict]:
    return spec["layer"]


def test_the_spec_draws_level_thresholds_units_and_kinds(catalog) -> None:
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    plan = ChartPlan("g", "C6", ("real_gdp_growth_saar_pct",), "Growth", "percent, SAAR")
    rows = values_frame().with_columns(indicator=pl.lit("Real GDP growth"))
    tests = rules.filter(pl.col("indicator_id") == "real_gdp_growth_saar_pct").to_dicts()
    spec = chart_spec(plan, rows, tests, "quarter", AS_OF)
    text = json.dumps(spec)
    assert layers(spec)[0]["encoding"]["y"]["title"] == "percent, SAAR"
    assert layers(spec)[0]["encoding"]["x"]["title"] == "quarter"
    assert layers(spec)[0]["encoding"]["strokeDash"]["field"] == "kind"
    assert "C6.2: needs > 0" in text  # the headline growth test (all of the last 2 quarters > 0) is drawn
    assert "as of 2026-11-26" in text  # a value after the vintage date: the as-of line marks where observation ends


def test_a_change_threshold_is_not_drawn_on_the_levels(catalog) -> None:
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    plan = ChartPlan("p", "C10", ("pjm_capacity_price_usd_per_mw_day",), "PJM", "U.S. dollars per MW-day", "bar")
    rows = values_frame().with_columns(indicator_id=pl.lit("pjm_capacity_price_usd_per_mw_day"),
                                       indicator=pl.lit("PJM"))
    tests = rules.filter(pl.col("indicator_id") == "pjm_capacity_price_usd_per_mw_day").to_dicts()
    assert tests and tests[0]["statistic"] == "change_over_periods"
    spec = chart_spec(plan, rows, tests, "year", AS_OF)
    assert "needs" not in json.dumps(spec)
    assert layers(spec)[0]["mark"]["type"] == "bar"


def test_the_book_has_the_scorecard_on_top_one_inlined_bundle_and_a_drawn_png_per_chart(catalog) -> None:
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    # every claim has indicators in the packaged catalog: C1's are left out here to show a claim without any
    indicators = catalog.indicators.filter(pl.col("claim_id") != "C1")
    rules = rules.filter(pl.col("claim_id") != "C1")
    values = values_frame()
    scorecard = claims_scorecard(values, rules, catalog.claims, AS_OF)
    book = build_chart_book(scorecard=scorecard, claims=catalog.claims, indicators=indicators,
                            values=values, rules=rules, charts=[], built_at=dt.datetime(2026, 12, 1, 12, 0))
    page = book.html
    # the scorecard comes first, then the claims in order; C6 has values and a chart, C8 has indicators without
    # values (an empty note), C1 has no indicator
    assert page.index('id="scorecard"') < page.index('id="claim-C1"') < page.index('id="claim-C2"') \
        < page.index('id="claim-C10"')
    assert [p.chart_id for p in book.charts] == ["c6_percent_saar"]
    assert 'id="vis-c6_percent_saar"' in page
    assert "No indicator yet." in page[page.index('id="claim-C1"'):page.index('id="claim-C2"')]
    assert "No published value yet" in page[page.index('id="claim-C8"'):page.index('id="claim-C9"')]
    assert "marts.gdp_ex_ai_by_quarter.real_gdp_growth_saar_pct (BEA)" in page  # the source under the chart
    # offline: one inlined bundle, no script or stylesheet fetched from anywhere
    assert page.count("window.vegaEmbed=") == 1
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(http", page)
    assert list(book.pngs) == ["c6_percent_saar.png"]
    png = book.pngs["c6_percent_saar.png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_pngs_are_drawn_not_blank(catalog, tmp_path) -> None:
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    values = values_frame()
    scorecard = claims_scorecard(values, rules, catalog.claims, AS_OF)
    book = build_chart_book(scorecard=scorecard, claims=catalog.claims, indicators=catalog.indicators,
                            values=values, rules=rules, charts=[], built_at=dt.datetime(2026, 12, 1, 12, 0))
    path = tmp_path / "c.png"
    path.write_bytes(book.pngs["c6_percent_saar.png"])
    assert distinct_colours(path) > 10


def test_a_derived_chart_never_takes_the_id_of_a_declared_one(catalog) -> None:
    declared = parse_charts(charts_text("c8_billions_of_u_s_dollars,C8,net_liquidity_usd_bn,Net,line,,"),
                            catalog.indicators)
    ids = [p.chart_id for p in plan_charts(declared, catalog.indicators, catalog.claims)["C8"]]
    assert ids[:2] == ["c8_billions_of_u_s_dollars", "c8_billions_of_u_s_dollars_more"]
    assert len(set(ids)) == len(ids)


def _book(catalog, values: pl.DataFrame, previous_pngs: dict[str, bytes] | None = None):
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    scorecard = claims_scorecard(values, rules, catalog.claims, AS_OF)
    return build_chart_book(scorecard=scorecard, claims=catalog.claims, indicators=catalog.indicators,
                            values=values, rules=rules, charts=[], built_at=dt.datetime(2026, 12, 1, 12, 0),
                            previous_pngs=previous_pngs)


def _previous(book) -> dict[str, bytes]:
    files = book.files()
    return reusable_pngs(files[RENDERS_NAME].decode("utf-8"), files.get)


def test_an_unchanged_chart_reuses_its_png_and_a_changed_one_is_drawn_again(catalog, monkeypatch) -> None:
    import vl_convert

    first = _book(catalog, values_frame())
    drawn: list[dict] = []
    real = vl_convert.vegalite_to_png
    monkeypatch.setattr(vl_convert, "vegalite_to_png", lambda spec, **kw: drawn.append(spec) or real(spec, **kw))
    again = _book(catalog, values_frame(), _previous(first))
    assert drawn == [] and again.reused == len(again.pngs) == 1
    assert again.pngs == first.pngs and again.files()[RENDERS_NAME] == first.files()[RENDERS_NAME]
    # one value moves: the chart's spec changes, so its PNG is drawn again, never copied
    values = values_frame()
    values = values.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.col("value") + 1.0)
                                 .otherwise(pl.col("value")).alias("value"))
    changed = _book(catalog, values, _previous(first))
    assert len(drawn) == 1 and changed.reused == 0
    assert changed.render_keys != first.render_keys


def test_a_png_edited_or_missing_since_the_last_book_is_drawn_again(catalog) -> None:
    first = _book(catalog, values_frame())
    files = first.files()
    renders = files[RENDERS_NAME].decode("utf-8")
    edited = {**files, "c6_percent_saar.png": files["c6_percent_saar.png"] + b"x"}
    assert reusable_pngs(renders, edited.get) == {}
    assert reusable_pngs(renders, {}.get) == {}
    assert reusable_pngs("not json", files.get) == {} and reusable_pngs("[1]", files.get) == {}
    assert _book(catalog, values_frame(), reusable_pngs(renders, edited.get)).reused == 0
