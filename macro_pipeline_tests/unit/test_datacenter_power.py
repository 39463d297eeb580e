"""Datacenter power vs the grid: interpolation flagged, load arithmetic, grid context picks, assumptions checked."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import polars as pl
import pytest

from macro_pipeline import settings
from macro_pipeline.reference import load_reference
from macro_pipeline.schemas.datacenter_power import (
    DatacenterPowerByYear,
    DatacenterPowerVsGrid,
    PowerAssumptions,
    PowerContextMonthly,
)
from macro_pipeline.transforms import datacenter_power as d
from macro_pipeline.transforms.validation import validate

REFERENCE_DIR = settings.PROJECT_ROOT / "data" / "reference"
INPUTS = ("datacenter_electricity_us", "us_electricity_annual", "us_generating_capacity", "interconnection_queue",
          "pjm_capacity_prices")


def Y(year: int) -> dt.date:
    return dt.date(year, 1, 1)


def test_geometric_interpolation_is_constant_growth_and_flagged():
    out = d.interpolate_anchors([(2018, 76.0), (2014, 58.0)])
    assert [(y, m) for y, _, m in out] == [(2014, "published"), (2015, "interpolated"), (2016, "interpolated"),
                                           (2017, "interpolated"), (2018, "published")]
    values = [v for _, v, _ in out]
    assert values[0] == 58.0 and values[-1] == 76.0
    assert values[2] == pytest.approx(58 * math.sqrt(76 / 58))
    growth = [b / a for a, b in itertools.pairwise(values)]
    assert max(growth) - min(growth) < 1e-12


def test_interpolation_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="two anchors"):
        d.interpolate_anchors([(2014, 58.0)])
    with pytest.raises(ValueError, match="unknown interpolation"):
        d.interpolate_anchors([(2014, 58.0), (2018, 76.0)], "linear")
    with pytest.raises(ValueError, match="positive"):
        d.interpolate_anchors([(2014, 0.0), (2018, 76.0)])


@pytest.fixture(scope="module")
def mart() -> pl.DataFrame:
    return d.datacenter_power_vs_grid(d.load_assumptions(), *(load_reference(n, REFERENCE_DIR) for n in INPUTS))


def _row(mart: pl.DataFrame, year: int, scenario: str) -> dict:
    return mart.filter((pl.col("year") == Y(year)) & (pl.col("scenario") == scenario)).row(0, named=True)


def test_mart_fits_its_model_and_every_row_has_a_version(mart):
    assert validate(DatacenterPowerVsGrid, mart).ok
    assert mart["assumption_version"].null_count() == 0
    assert set(mart["assumption_version"]) == set(d.load_assumptions()["assumption_version"])
    assert set(mart["method"]) == {"published", "interpolated"}


def test_published_anchor_arithmetic(mart):
    r = _row(mart, 2023, "lbnl_historical")
    assert (r["method"], r["datacenter_twh"], r["us_electricity_twh"]) == ("published", 176.0, 4011.0)
    assert r["datacenter_share_pct"] == pytest.approx(100 * 176 / 4011)
    assert r["datacenter_share_published_pct"] == 4.4
    assert r["datacenter_avg_load_gw"] == pytest.approx(176 * 1000 / 8760)  # 20.09 GW
    assert r["datacenter_peak_gw"] == pytest.approx(176 * 1000 / 8760 / 0.5)
    assert "locator" in r["source"] and "miragenews" in r["source"]


def test_interpolated_rows_name_both_anchors(mart):
    r = _row(mart, 2020, "lbnl_historical")
    assert r["method"] == "interpolated"
    assert r["datacenter_twh"] == pytest.approx(76 * (176 / 76) ** (2 / 5))
    assert r["source"].startswith("interpolated (geometric") and "2018: 76 TWh" in r["source"] \
        and "2023: 176 TWh" in r["source"]
    assert r["datacenter_share_published_pct"] is None


def test_projection_years_use_declared_non_datacenter_growth(mart):
    r2025 = _row(mart, 2025, "lbnl_2028_low")
    r2028 = _row(mart, 2028, "lbnl_2028_low")
    assert (r2025["us_electricity_method"], r2025["us_electricity_twh"]) == ("published", 4195.0)
    non_dc = 4195.0 - r2025["datacenter_twh"]
    assert r2028["us_electricity_method"] == "projected"
    assert r2028["us_electricity_twh"] == pytest.approx(non_dc + 325.0)  # growth declared 0%
    assert r2028["datacenter_share_published_pct"] == 6.7  # LBNL's own share, next to ours
    assert r2028["datacenter_share_pct"] == pytest.approx(100 * 325 / (non_dc + 325))


def test_incremental_load_against_capacity_queue_and_price(mart):
    r = _row(mart, 2025, "lbnl_2028_high")
    prev = _row(mart, 2024, "lbnl_2028_high")
    assert r["incremental_peak_gw"] == pytest.approx(r["datacenter_peak_gw"] - prev["datacenter_peak_gw"])
    assert (r["capacity_additions_gw"], r["capacity_additions_kind"]) == (53.0,
                                                                          "actual additions (as reported Feb 2026)")
    assert r["incremental_peak_to_additions_pct"] == pytest.approx(100 * r["incremental_peak_gw"] / 53.0)
    assert (r["pjm_delivery_year"], r["pjm_capacity_price_usd_per_mw_day"]) == ("2025/2026", 269.92)
    q = _row(mart, 2023, "lbnl_historical")
    assert (q["queue_capacity_gw"], q["queue_qualifier"]) == (2600.0, "nearly")
    assert _row(mart, 2023, "lbnl_2028_low")["incremental_peak_gw"] is None  # first year of the scenario


def test_capacity_additions_prefer_actuals_then_latest_plan():
    picked = d.capacity_additions(load_reference("us_generating_capacity", REFERENCE_DIR)).sort("year")
    assert picked.select("year", "capacity_additions_gw").rows() == [(Y(2024), 48.6), (Y(2025), 53.0),
                                                                     (Y(2026), 86.0)]


def test_by_year_summary(mart):
    wide = d.datacenter_power_by_year(mart)
    assert validate(DatacenterPowerByYear, wide).ok
    r = wide.filter(pl.col("year") == Y(2028)).row(0, named=True)
    assert (r["datacenter_twh_low"], r["datacenter_twh_high"], r["n_scenarios"]) == (
        pytest.approx(mart.filter(pl.col("year") == Y(2028))["datacenter_twh"].min()), 580.0, 3)


def test_model_catches_bad_shares_and_missing_versions(mart):
    bad = mart.with_columns(pl.when(pl.col("year") == Y(2023)).then(None).otherwise(pl.col("assumption_version"))
                            .alias("assumption_version"))
    assert not validate(DatacenterPowerVsGrid, bad).ok
    over = mart.with_columns((pl.col("datacenter_share_published_pct") * 20).alias("datacenter_share_published_pct"))
    report = validate(DatacenterPowerVsGrid, over)
    assert not report.ok and "shares within 0-100" in report.summary()


# -- assumptions ------------------------------------------------------------------------------------------------

HEADER = "assumption_version,scenario,parameter,year,value,unit,reference,rationale,source,owner\n"


def _scenario(version: str = "v1", skip: str | None = None, **override: str) -> str:
    rows = {"anchor_a": "2014,,TWh,LBNL 2024 report estimate", "anchor_b": "2018,,TWh,LBNL 2024 report estimate",
            "interpolation": ",geometric,,", "load_factor": ",0.5,ratio,", "hours_per_year": ",8760,hours,",
            "us_electricity_measure": ",total electricity end use (retail sales + direct use),,",
            "non_datacenter_growth_pct_per_year": ",0.0,percent,"}
    rows.update(override)
    lines = []
    for key, rest in rows.items():
        if key == skip:
            continue
        parameter = "anchor_twh" if key.startswith("anchor") else key
        lines.append(f"{version},s1,{parameter},{rest},why,where,team:x")
    return HEADER + "\n".join(lines) + "\n"


def test_assumptions_parse_and_validate():
    frame = d.parse_assumptions(_scenario())
    assert validate(PowerAssumptions, frame).ok
    assert frame.filter(pl.col("parameter") == "anchor_twh")["year"].to_list() == [2014, 2018]


@pytest.mark.parametrize(("text", "message"), [
    (_scenario(skip="load_factor"), "lacks \\['load_factor'\\]"),
    (_scenario(load_factor=",1.5,ratio,"), "rows \\[4\\] break the rule: load_factor is in \\(0, 1\\]"),
    (_scenario(interpolation=",linear,,"), "interpolation is one of"),
    (_scenario(skip="anchor_b"), "at least two anchors"),
    (_scenario(hours_per_year=",lots,hours,"), "hours_per_year and non_datacenter_growth_pct_per_year are numbers"),
    (_scenario(hours_per_year=",876,hours,"), "hours_per_year is about 8760"),
    (_scenario().replace("team:x", "", 1), "rows \\[1\\] break the rule: owner: not_nullable"),
    (_scenario().replace(",interpolation,", ",growth_rate,", 1), "parameter is one of"),
    (_scenario(anchor_b=",,TWh,LBNL 2024 report estimate"), "an anchor has a year and a reference label"),
    (_scenario(load_factor="2020,0.5,ratio,"), "only anchors have a year"),
    (_scenario() + "v2,s1,load_factor,,0.5,ratio,,why,where,team:x\n", "same assumption_version"),
])
def test_assumptions_reject_bad_files(text, message):
    with pytest.raises(d.AssumptionError, match=message):
        d.parse_assumptions(text)


def test_an_anchor_without_a_published_figure_is_an_error():
    bad = d.parse_assumptions(_scenario(anchor_b="2019,,TWh,LBNL 2024 report estimate"))
    with pytest.raises(d.AssumptionError, match="anchor 2019"):
        d.datacenter_power_vs_grid(bad, *(load_reference(n, REFERENCE_DIR) for n in INPUTS))


# -- monthly context --------------------------------------------------------------------------------------------


def test_power_context_monthly_units_and_changes():
    months = [dt.date(2024, 1, 1), dt.date(2025, 1, 1)]
    census = pl.DataFrame({"month": months, "data_center": [20000.0, 30000.0], "manufacturing": [200000.0, 150000.0],
                           "flag": ["", "p"]})
    staging = pl.DataFrame({"series_id": ["CUSR0000SEHF01"] * 2 + ["CES5051800001"],
                            "date": [*months, months[1]], "value": [250.0, 275.0, 410.0]})
    out = d.power_context_monthly(staging, census, start=dt.date(2024, 1, 1))
    assert validate(PowerContextMonthly, out).ok
    last = out.row(1, named=True)
    assert (last["datacenter_construction_saar_usd_bn"], last["manufacturing_construction_saar_usd_bn"]) == (30.0,
                                                                                                           150.0)
    assert last["datacenter_to_manufacturing_pct"] == pytest.approx(20.0)
    assert last["datacenter_construction_yoy_pct"] == pytest.approx(50.0)
    assert last["electricity_cpi_yoy_pct"] == pytest.approx(10.0)
    assert (last["census_flag"], last["computing_infrastructure_employment_thousands"]) == ("p", 410.0)
    assert out.row(0, named=True)["census_flag"] is None
