"""GDP excluding AI investment: the contribution formula on hand-checkable inputs, BEA's published contributions
reproduced from the real snapshot, the mart's identities, aggregates, levels and vintages."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from macro_pipeline import settings
from macro_pipeline.reference import load_reference
from macro_pipeline.schemas.gdp_ex_ai import GdpExAi, GdpExAiByQuarter, GdpExAiPeriods
from macro_pipeline.transforms import gdp_ex_ai as g
from macro_pipeline.transforms.validation import validate

SNAPSHOT = settings.PROJECT_ROOT / "data" / "fred_snapshot" / "series"
Q = [dt.date(2024, 1, 1), dt.date(2024, 4, 1), dt.date(2024, 7, 1), dt.date(2024, 10, 1), dt.date(2025, 1, 1)]
VINTAGE = dt.date(2026, 11, 26)


def _contributions(rows: list[tuple]) -> list[float]:
    """rows: (date, nominal, real, gdp_nominal, gdp_growth_saar_pct)."""
    frame = pl.DataFrame(rows, schema=["date", "nominal", "real", "gdp_nominal", "gdp_growth_saar_pct"],
                         orient="row")
    return g.fisher_contributions(frame)["contribution_pp"].to_list()


def _saar(f: float) -> float:
    return (f ** 4 - 1) * 100


# -- the formula on an economy of two goods --------------------------------------------------------------------


def test_constant_prices_contribution_is_share_times_growth_annualized():
    # GDP = A + B at constant prices 1: A 60 -> 63, B 40 -> 40. GDP grows 3% in the quarter; A explains all of it.
    g_saar = _saar(1.03)  # 12.550881 % SAAR
    a = _contributions([(Q[0], 60.0, 60.0, 100.0, 0.0), (Q[1], 63.0, 63.0, 103.0, g_saar)])
    b = _contributions([(Q[0], 40.0, 40.0, 100.0, 0.0), (Q[1], 40.0, 40.0, 103.0, g_saar)])
    assert a == [pytest.approx(12.550881, abs=1e-6)]
    assert b == [pytest.approx(0.0, abs=1e-12)]


def test_flat_gdp_uses_the_limit_factor_of_four():
    # A 60 -> 61, B 40 -> 39 at constant prices: GDP flat, contributions +-1% a quarter = +-4 pp at annual rate
    a = _contributions([(Q[0], 60.0, 60.0, 100.0, 0.0), (Q[1], 61.0, 61.0, 100.0, 0.0)])
    b = _contributions([(Q[0], 40.0, 40.0, 100.0, 0.0), (Q[1], 39.0, 39.0, 100.0, 0.0)])
    assert a == [pytest.approx(4.0)] and b == [pytest.approx(-4.0)]


def test_contributions_with_relative_price_change_match_the_exact_fisher_decomposition():
    p0, p1, q0, q1 = (1.0, 1.0), (1.1, 0.9), (60.0, 40.0), (63.0, 38.0)
    v0 = sum(p * q for p, q in zip(p0, q0, strict=True))
    v1 = sum(p * q for p, q in zip(p1, q1, strict=True))
    laspeyres = sum(p * q for p, q in zip(p0, q1, strict=True)) / v0
    paasche = v1 / sum(p * q for p, q in zip(p1, q0, strict=True))
    fisher = math.sqrt(laspeyres * paasche)
    g_saar = _saar(fisher)
    price = (v1 / v0) / fisher
    # BEA's formula with the exact denominator over both goods
    den = sum((price * a + b) * q for a, b, q in zip(p0, p1, q0, strict=True))
    exact = [100 * (price * a + b) * (y - x) / den * (g_saar / 100) / (fisher - 1)
             for a, b, x, y in zip(p0, p1, q0, q1, strict=True)]
    assert sum(exact) == pytest.approx(g_saar, abs=1e-9)  # the decomposition is exact
    ours = [_contributions([(Q[0], p0[i] * q0[i], q0[i], v0, 0.0), (Q[1], p1[i] * q1[i], q1[i], v1, g_saar)])[0]
            for i in range(2)]
    # our denominator takes Laspeyres = Fisher for GDP: off by (L/F - 1) / 2 in relative terms, 0.12% here with
    # +-10% relative price moves in one quarter (real GDP quarters move relative prices far less)
    assert laspeyres / fisher - 1 == pytest.approx(-0.00232, abs=1e-5)
    assert ours == [pytest.approx(e * (1 + laspeyres / fisher) / 2, rel=1e-12) for e in exact]
    assert ours == [pytest.approx(e, rel=2e-3) for e in exact]


def test_a_quarter_without_its_previous_quarter_has_no_contribution():
    out = _contributions([(Q[0], 60.0, 60.0, 100.0, 0.0), (Q[2], 63.0, 63.0, 103.0, 12.0)])
    assert out == []


# -- BEA's published contributions reproduced from the real snapshot -------------------------------------------


def _snapshot(*series_ids: str) -> pl.DataFrame:
    frames = []
    for series_id in series_ids:
        path = Path(SNAPSHOT / f"{series_id}.csv")
        frames.append(pl.read_csv(path, schema_overrides={"value": pl.Float64}).select(
            pl.lit(series_id).alias("series_id"), pl.col("date").str.to_date(), "value",
            pl.lit(VINTAGE).alias("realtime_start")))
    return pl.concat(frames)


@pytest.fixture(scope="module")
def reproduction() -> pl.DataFrame:
    ids = {s for trio in g.BEA_REPRODUCTION_PAIRS for s in trio} | {g.GDP_NOMINAL, g.GDP_GROWTH, g.GDP_REAL}
    return g.reproduce_bea_contributions(_snapshot(*sorted(ids)))


def test_bea_published_contributions_are_reproduced(reproduction):
    """Equipment (Y033RY2Q224SBEA) and IPP (Y001RY2Q224SBEA), 2010-Q2..2026-Q1, 64 quarters each.

    Measured: max |error| 0.056 pp (equipment, 2020-Q2) and 0.030 pp (IPP, 2020-Q2); median 0.004 and 0.003 pp;
    outside 2020-21 at most 0.016 pp. Sources of error: BEA rounds its contributions to 0.01 pp and the headline
    growth to 0.1 pp; BEA sums contributions of detailed components while we use the aggregate's implicit
    price, which is exact only to second order and drifts when relative prices and quantities inside the
    aggregate swing (the 2020-21 pandemic quarters); and the GDP denominator takes Laspeyres = Fisher.
    """
    assert reproduction.group_by("published_series").len().sort("published_series").rows() == [
        ("Y001RY2Q224SBEA", 64), ("Y033RY2Q224SBEA", 64)]
    err = reproduction.with_columns(pl.col("error_pp").abs().alias("abs"))
    by = {s: part for (s,), part in err.group_by("published_series")}
    assert by["Y033RY2Q224SBEA"]["abs"].max() < 0.06
    assert by["Y001RY2Q224SBEA"]["abs"].max() < 0.035
    assert err["abs"].median() < 0.005
    calm = err.filter(~pl.col("date").dt.year().is_in([2020, 2021]))
    assert calm["abs"].max() < 0.02
    # within the 0.05 pp target everywhere except one pandemic quarter
    assert err.filter(pl.col("abs") >= 0.05).select("published_series", "date").rows() == [
        ("Y033RY2Q224SBEA", dt.date(2020, 4, 1))]


def test_release_mismatch_effect_is_quantified(reproduction):
    """2026-Q1 mixes releases: nominal series from Sept 2026 (third estimate), chained dollars and published
    contributions from the June 2026 release (second estimate). The error there stays within rounding."""
    q1 = reproduction.filter(pl.col("date") == dt.date(2026, 1, 1))
    assert q1["error_pp"].abs().max() < 0.005
    # the 2025-Q3 nominal GDP revision between releases (31095.089 -> 31098.027) moves a contribution by less
    # than 0.0005 pp: rerun 2025-Q3/Q4 with the earlier GDP figure
    obs = _snapshot("GDP", "A191RL1Q225SBEA", "GDPC1", "Y033RC1Q027SBEA", "Y033RX1Q020SBEA", "Y033RY2Q224SBEA")
    older = obs.with_columns(pl.when((pl.col("series_id") == "GDP") & (pl.col("date") == dt.date(2025, 7, 1)))
                             .then(31095.089).otherwise(pl.col("value")).alias("value"))
    pairs = (g.BEA_REPRODUCTION_PAIRS[0],)
    now = g.reproduce_bea_contributions(obs, pairs=pairs)
    then = g.reproduce_bea_contributions(older, pairs=pairs)
    moved = now.join(then, on="date").select((pl.col("computed_pp") - pl.col("computed_pp_right")).abs().max())
    assert moved.item() < 5e-4


# -- the mart on a synthetic economy ----------------------------------------------------------------------------


def _definitions(base: str = "2024-04-01") -> pl.DataFrame:
    text = ("definition_version,definition,component,label,input_kind,nominal_input,real_input,"
            "published_contribution_series,counterfactual_base_quarter,source,note\n"
            f"t1,broad,equipment,Equipment,nipa,EQN,EQR,EQC,{base},test,\n"
            f"t1,broad,software,Software,nipa,SWN,SWR,,{base},test,\n")
    return g.parse_definitions(text)


def _observations() -> pl.DataFrame:
    # constant prices: GDP = equipment + software + rest; growth from the GDP numbers
    eq = [10.0, 11.0, 12.0, 12.0, 13.0]
    sw = [10.0, 10.0, 10.5, 10.5, 10.5]
    rest = [80.0, 80.0, 79.0, 78.0, 79.0]
    gdp = [a + b + c for a, b, c in zip(eq, sw, rest, strict=True)]
    growth = [None] + [_saar(gdp[i] / gdp[i - 1]) for i in range(1, 5)]
    rows = []
    for i, date in enumerate(Q):
        rows += [("EQN", date, eq[i]), ("EQR", date, eq[i]), ("SWN", date, sw[i]), ("SWR", date, sw[i]),
                 ("GDP", date, gdp[i]), ("GDPC1", date, gdp[i])]
        if growth[i] is not None:
            rows.append(("A191RL1Q225SBEA", date, growth[i]))
    rows.append(("EQC", Q[4], 2.5))  # BEA publishes the equipment contribution for the last quarter only
    return pl.DataFrame(rows, schema=["series_id", "date", "value"], orient="row").with_columns(
        pl.lit(VINTAGE).alias("realtime_start"))


@pytest.fixture(scope="module")
def mart() -> pl.DataFrame:
    return g.gdp_ex_ai(_observations(), _definitions(), release_notes={"GDP": "release X"})


def test_mart_arithmetic_and_identities(mart):
    assert validate(GdpExAi, mart).ok
    assert mart["quarter"].to_list() == Q[1:]
    q2 = mart.row(0, named=True)
    # 2024-Q2: GDP 100 -> 101, equipment +1: it explains all the growth, software none
    assert q2["real_gdp_growth_saar_pct"] == pytest.approx(_saar(1.01))
    assert q2["component_contributions_pp"] == [pytest.approx(_saar(1.01)), pytest.approx(0.0)]
    assert q2["gdp_growth_ex_ai_saar_pct"] == pytest.approx(0.0, abs=1e-12)
    assert q2["ai_share_of_growth_pct"] == pytest.approx(100.0)
    assert q2["ai_nominal_share_of_gdp_pct"] == pytest.approx(100 * 21 / 101)
    for row in mart.iter_rows(named=True):
        assert row["ai_contribution_pp"] == pytest.approx(sum(row["component_contributions_pp"]))
        assert row["gdp_growth_ex_ai_saar_pct"] == pytest.approx(row["real_gdp_growth_saar_pct"]
                                                                 - row["ai_contribution_pp"])


def test_share_is_null_when_growth_is_not_positive(mart):
    q4 = mart.filter(pl.col("quarter") == Q[3]).row(0, named=True)  # GDP 101.5 -> 100.5: a fall
    assert q4["real_gdp_growth_saar_pct"] < 0
    assert q4["ai_share_of_growth_pct"] is None


def test_published_contributions_win_and_method_says_so(mart):
    last = mart.filter(pl.col("quarter") == Q[4]).row(0, named=True)
    assert last["component_contributions_pp"][0] == 2.5
    assert last["method"] == "equipment=bea_published; software=computed_fisher"
    assert mart.filter(pl.col("quarter") == Q[1])["method"][0] == "equipment=computed_fisher; software=computed_fisher"
    assert "GDP: release X" in last["input_release"]
    assert "EQC: " in last["input_release"] and "SWR: release not recorded" in last["input_release"]
    assert last["inputs_as_of"] == VINTAGE


def test_level_counterfactual_from_the_base_quarter(mart):
    rows = mart.sort("quarter").to_dicts()
    assert rows[0]["real_gdp_index_base100"] == 100.0 and rows[0]["real_gdp_ex_ai_index_base100"] == 100.0
    # 2024-Q3: GDP 101 -> 101.5 while equipment +1 and software +0.5: ex-AI GDP falls by 1 / 101
    ex = (1 + rows[1]["gdp_growth_ex_ai_saar_pct"] / 100) ** 0.25
    assert rows[1]["real_gdp_ex_ai_index_base100"] == pytest.approx(100 * ex)
    assert rows[1]["real_gdp_index_base100"] == pytest.approx(100 * 101.5 / 101)
    # chained-dollar counterfactual: GDPC1 less the AI chained-dollar change since the base quarter
    assert rows[1]["real_gdp_counterfactual_chained_2017_usd_bn"] == pytest.approx(101.5 - (22.5 - 21.0))
    before = g.gdp_ex_ai(_observations(), _definitions("2024-07-01"))
    assert before.sort("quarter")["real_gdp_index_base100"].to_list()[0] is None


def test_periods_compound_quarterly_rates():
    mart = pl.DataFrame({
        "quarter": Q[:4], "definition": ["broad"] * 4, "definition_version": ["t1"] * 4,
        "real_gdp_growth_saar_pct": [4.0] * 4, "gdp_growth_ex_ai_saar_pct": [2.0, 2.0, 2.0, 2.0]})
    periods = g.gdp_ex_ai_periods(mart)
    assert validate(GdpExAiPeriods, periods).ok
    year = periods.filter(pl.col("period_type") == "year").row(0, named=True)
    assert (year["real_gdp_growth_ann_pct"], year["gdp_growth_ex_ai_ann_pct"]) == (pytest.approx(4.0),
                                                                                  pytest.approx(2.0))
    assert year["ai_contribution_pp"] == pytest.approx(2.0) and year["ai_share_of_growth_pct"] == pytest.approx(50)
    halves = periods.filter(pl.col("period_type") == "half_year")
    assert halves["period_start"].to_list() == [dt.date(2024, 1, 1), dt.date(2024, 7, 1)]
    # an incomplete year is left out
    assert g.gdp_ex_ai_periods(mart.head(3)).filter(pl.col("period_type") == "year").is_empty()


def test_wide_table_has_one_row_per_quarter(mart):
    wide = g.gdp_ex_ai_by_quarter(mart)
    assert validate(GdpExAiByQuarter, wide).ok
    assert wide.height == mart.height
    assert wide["ai_contribution_broad_pp"].to_list() == mart.sort("quarter")["ai_contribution_pp"].to_list()
    assert wide["ai_contribution_narrow_pp"].null_count() == wide.height


def test_model_rejects_a_broken_identity(mart):
    broken = mart.with_columns(pl.col("gdp_growth_ex_ai_saar_pct") + 0.1)
    report = validate(GdpExAi, broken)
    assert not report.ok
    assert "ex-AI growth = headline - AI contribution" in report.summary()


# -- vintages, definitions, census ------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "message"), [
    ("t1,broad,eq,Eq,nipa,EQN,,,2024-04-01,test,", "needs real_input"),
    ("t1,broad,eq,Eq,nipa,EQN,EQR,,2024-05-01,test,", "is the first day of a quarter"),
    ("t1,broad,eq,Eq,nipa,EQN,EQR,,2024-13-01,test,", "is a date"),
    ("t1,broad,eq,Eq,guess,EQN,EQR,,2024-04-01,test,", "input_kind is one of"),
    ("t1,broad,eq,Eq,census_gdp_deflated,EQN,,,2024-04-01,test,", "a census component's nominal_input"),
    ("t1,broad,eq,Eq,nipa,EQN,EQR,,2024-04-01,,", "rows \\[1\\] break the rule: source: not_nullable"),
    ("t1,broad,eq,Eq,nipa,EQN,EQR,,2024-04-01,test,\nt1,broad,eq,Eq,nipa,EQN,EQR,,2024-04-01,test,",
     "rows \\[1, 2\\] break the rule: each \\(definition, component\\) appears once"),
    ("t1,broad,eq,Eq,nipa,EQN,EQR,,2024-04-01,test,\nt1,broad,sw,Sw,nipa,SWN,SWR,,2024-07-01,test,",
     "one definition has one counterfactual_base_quarter"),
    ("t1,broad,eq,Eq,nipa,EQN,EQR,,2024-04-01,test,\nt2,narrow,sw,Sw,nipa,SWN,SWR,,2024-04-01,test,",
     "same definition_version"),
])
def test_definitions_reject_bad_rows(row, message):
    header = ("definition_version,definition,component,label,input_kind,nominal_input,real_input,"
              "published_contribution_series,counterfactual_base_quarter,source,note\n")
    with pytest.raises(g.DefinitionError, match=message):
        g.parse_definitions(header + row + "\n")


def test_packaged_definitions_cover_the_three_definitions():
    defs = g.load_definitions()
    assert defs.group_by("definition", maintain_order=True).agg("component").rows() == [
        ("narrow", ["computers_peripherals", "software"]),
        ("broad", ["information_processing_equipment", "software"]),
        ("broad_plus_datacenters", ["information_processing_equipment", "software", "data_center_structures"])]


def test_census_months_average_to_complete_quarters():
    census = pl.DataFrame({"month": [dt.date(2024, m, 1) for m in (1, 2, 3, 4, 5)],
                           "data_center": [3000.0, 6000.0, 9000.0, 1.0, 2.0], "flag": ["", "", "p", "", ""]})
    out = g.census_quarterly(census, "data_center")
    assert out.rows() == [(dt.date(2024, 1, 1), 6.0, True)]


def test_the_gdp_price_index_matches_bea_gdpdef():
    obs = _snapshot("GDP", "A191RL1Q225SBEA", "GDPDEF")
    gdp = obs.filter(pl.col("series_id") == "GDP").select("date", "value")
    growth = obs.filter(pl.col("series_id") == "A191RL1Q225SBEA").select("date", "value")
    index = g.gdp_price_index(gdp, growth)
    gdpdef = obs.filter(pl.col("series_id") == "GDPDEF").select("date", (pl.col("value") / 100).alias("d"))
    joined = index.join(gdpdef, on="date").filter(pl.col("date") >= dt.date(2014, 1, 1))
    # rebuilt from rounded growth rates and a later nominal release: within 0.5% of BEA's deflator since 2014
    assert (joined["gdp_price_index"] / joined["d"] - 1).abs().max() < 0.005


def test_broad_plus_datacenters_on_the_real_snapshot():
    defs = g.load_definitions()
    obs = _snapshot(*[s for s in g.input_series(defs) if (SNAPSHOT / f"{s}.csv").exists()])
    census = load_reference("census_construction_private_monthly", settings.PROJECT_ROOT / "data" / "reference")
    mart = g.gdp_ex_ai(obs, defs, census)
    assert validate(GdpExAi, mart).ok
    dc = mart.filter(pl.col("definition") == "broad_plus_datacenters")
    assert dc["quarter"].min() == dt.date(2014, 4, 1)  # the Census line starts in 2014-01
    assert dc["method"].str.contains("data_center_structures=computed_fisher_census_gdp_deflated").all()
    broad = mart.filter(pl.col("definition") == "broad").select("quarter", pl.col("ai_contribution_pp").alias("b"))
    both = dc.join(broad, on="quarter")
    # the data-center contribution is the difference, and small next to equipment and software
    assert ((both["ai_contribution_pp"] - both["b"]) - both["component_contributions_pp"].list.get(2)).abs().max() \
        < 1e-9
    assert both["component_contributions_pp"].list.get(2).abs().max() < 0.2
    # BEA publishes no AI-line contributions in the snapshot: everything is computed and says so
    assert not mart["method"].str.contains("bea_published").any()
    assert mart["input_release"].str.contains("Y034RY2Q224SBEA: not in the source").any()


def _snapshot_inputs(definitions: pl.DataFrame) -> pl.DataFrame:
    from macro_pipeline.transforms.raw import parse_observations_csv

    frames = [parse_observations_csv(sid, (SNAPSHOT / f"{sid}.csv").read_text(), VINTAGE)
              for sid in g.input_series(definitions) if (SNAPSHOT / f"{sid}.csv").exists()]
    return pl.concat(frames).select("series_id", "date", "value", "realtime_start")


def test_revisions_compare_the_first_vintage_with_the_latest():
    from macro_pipeline.catalog import load_catalog
    from macro_pipeline.schemas.gdp_ex_ai import GdpExAiRevisions

    definitions = g.load_definitions().filter(pl.col("input_kind") == "nipa")
    first = _snapshot_inputs(definitions)
    # a later vintage revises 2026-Q1 headline growth from 1.6 to 2.0
    revised = pl.DataFrame({"series_id": ["A191RL1Q225SBEA"], "date": [dt.date(2026, 1, 1)], "value": [2.0],
                            "realtime_start": [dt.date(2026, 12, 15)]})
    # the latest vintage of each observation, as staging holds it (the SQL views pick vintages in the pipeline)
    latest = pl.concat([first, revised]).sort("realtime_start").group_by("series_id", "date").last()
    catalog = load_catalog().series
    table = g.gdp_ex_ai_revisions(latest, first, definitions, series_catalog=catalog)
    assert validate(GdpExAiRevisions, table).ok
    q1 = table.filter((pl.col("quarter") == dt.date(2026, 1, 1)) & (pl.col("definition") == "broad")).row(
        0, named=True)
    assert q1["real_gdp_growth_first_published_saar_pct"] == pytest.approx(1.6)
    assert q1["real_gdp_growth_latest_saar_pct"] == pytest.approx(2.0)
    assert q1["revised"] and q1["latest_inputs_as_of"] == dt.date(2026, 12, 15)
    assert q1["first_published_inputs_as_of"] == VINTAGE
    expected = (q1["real_gdp_growth_latest_saar_pct"] - q1["ai_contribution_latest_pp"]) - \
        (q1["real_gdp_growth_first_published_saar_pct"] - q1["ai_contribution_first_published_pp"])
    assert q1["ex_ai_growth_revision_pp"] == pytest.approx(expected)
    # the first side is exactly the mart as computed before the revision arrived
    before = g.gdp_ex_ai(first, definitions, series_catalog=catalog).filter(
        (pl.col("quarter") == dt.date(2026, 1, 1)) & (pl.col("definition") == "broad"))
    assert q1["gdp_growth_ex_ai_first_published_saar_pct"] == pytest.approx(before["gdp_growth_ex_ai_saar_pct"][0])
    untouched = table.filter(pl.col("quarter") < dt.date(2025, 10, 1))
    assert untouched.height > 50 and not untouched["revised"].any()


def test_with_one_vintage_nothing_is_revised():
    from macro_pipeline.catalog import load_catalog

    definitions = g.load_definitions().filter(pl.col("input_kind") == "nipa")
    inputs = _snapshot_inputs(definitions)
    table = g.gdp_ex_ai_revisions(inputs, inputs, definitions, series_catalog=load_catalog().series)
    assert table.height > 100 and not table["revised"].any()
    assert (table["ex_ai_growth_revision_pp"].abs() < 1e-12).all()
