"""The real-economy marts (C7, C8, C9, C12) on small hand-checkable inputs, as the kit hands them in."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.schemas.dual_economy import DualEconomy
from macro_pipeline.schemas.labor import LaborAiMonthly, LaborAiQuarterly
from macro_pipeline.schemas.liquidity import LiquidityDrivers, MoneySupply
from macro_pipeline.schemas.wealth_gap import WealthGapMonthly, WealthGapQuarterly
from macro_pipeline.transforms.alignment import UnitMismatchError
from macro_pipeline.transforms.assumptions import (
    ASSUMPTIONS_FILE,
    AssumptionError,
    load_assumptions,
    parse_assumptions,
)
from macro_pipeline.transforms.dual_economy import dual_economy
from macro_pipeline.transforms.labor import labor_ai_monthly, labor_ai_quarterly
from macro_pipeline.transforms.liquidity import liquidity_drivers, money_supply
from macro_pipeline.transforms.staging import in_base_units
from macro_pipeline.transforms.wealth_gap import monthly_payment, wealth_gap_monthly, wealth_gap_quarterly

D = dt.date
ASSUMPTIONS = load_assumptions()


def kit(rows: list[tuple[str, dt.date, float]]) -> pl.DataFrame:
    catalog = load_catalog()
    frame = pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64}, orient="row")
    return in_base_units(frame, catalog.series, catalog.units)


def at(frame: pl.DataFrame, column: str, date: dt.date) -> dict:
    hit = frame.filter(pl.col(column) == date)
    assert hit.height == 1
    return hit.row(0, named=True)


# ---------------------------------------------------------------------------------------------- C7


def test_labor_monthly_gaps_shares_and_indexes():
    nov = D(2022, 11, 1)
    rows = [("UNRATE", nov, 4.0), ("LNS14000036", nov, 7.5), ("LNS14027662", nov, 2.0), ("U6RATE", nov, 7.0),
            ("PAYEMS", nov, 150_000.0), ("CES6054150001", nov, 2_400.0), ("CES5051800001", nov, 450.0),
            ("UNRATE", D(2022, 12, 1), 4.2), ("PAYEMS", D(2022, 12, 1), 151_500.0),
            ("CES6054150001", D(2022, 12, 1), 2_376.0),
            ("LNS14000036", D(2023, 1, 1), 8.0)]  # no UNRATE that month: no gap
    out = labor_ai_monthly(kit(rows), ASSUMPTIONS)
    LaborAiMonthly.validate(out)
    r = at(out, "month", nov)
    assert r["unemployment_20_24_gap_pp"] == pytest.approx(3.5)
    assert r["unemployment_bachelors_plus_gap_pp"] == pytest.approx(-2.0)
    assert r["u6_minus_unemployment_rate_pp"] == pytest.approx(3.0)
    assert r["computer_systems_design_share_of_payrolls_pct"] == pytest.approx(1.6)
    assert r["data_processing_share_of_payrolls_pct"] == pytest.approx(0.3)
    assert r["payrolls_index_base100"] == pytest.approx(100.0)
    r = at(out, "month", D(2022, 12, 1))
    assert r["payrolls_index_base100"] == pytest.approx(101.0)
    assert r["computer_systems_design_index_base100"] == pytest.approx(99.0)
    assert r["unemployment_20_24_gap_pp"] is None  # LNS14000036 has no December value: nothing carried
    assert at(out, "month", D(2023, 1, 1))["unemployment_20_24_gap_pp"] is None


def test_labor_quarterly_rebases_keeps_the_2012_labor_share_and_profit_share():
    base, later = D(2022, 10, 1), D(2023, 10, 1)
    rows = [("OPHNFB", base, 110.0), ("COMPRNFB", base, 105.0), ("OPHNFB", later, 115.5),
            ("COMPRNFB", later, 107.1), ("PRS85006173", base, 100.3), ("CP", later, 3_000.0),
            ("GDP", later, 25_000.0)]
    out = labor_ai_quarterly(kit(rows), ASSUMPTIONS)
    LaborAiQuarterly.validate(out)
    r = at(out, "quarter", later)
    assert r["productivity_index_base100"] == pytest.approx(105.0)
    assert r["real_compensation_index_base100"] == pytest.approx(102.0)
    assert r["productivity_minus_compensation_pts"] == pytest.approx(3.0)
    assert r["corporate_profits_share_of_gdp_pct"] == pytest.approx(12.0)
    assert r["labor_share_index_2012"] is None
    assert at(out, "quarter", base)["labor_share_index_2012"] == pytest.approx(100.3)  # as published, not rebased


def test_labor_quarterly_refuses_profits_in_another_unit():
    series = load_catalog().series.with_columns(
        pl.when(pl.col("series_id") == "CP").then(pl.lit("pct")).otherwise(pl.col("unit_id")).alias("unit_id"))
    frame = pl.DataFrame([("CP", D(2023, 1, 1), 3.0), ("GDP", D(2023, 1, 1), 25_000.0)],
                         schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64}, orient="row")
    with pytest.raises(UnitMismatchError, match="CP"):
        labor_ai_quarterly(in_base_units(frame, series, load_catalog().units), ASSUMPTIONS)


# ---------------------------------------------------------------------------------------------- C8


def _net(weeks: int) -> pl.DataFrame:
    w0 = D(2026, 1, 7)
    rows = []
    for i in range(weeks):
        assets, tga, rrp = 7000.0 + i, 800.0 - 2 * i, 100.0 - 0.5 * i
        rows.append({"week_date": w0 + dt.timedelta(weeks=i), "fed_total_assets_usd_bn": assets, "tga_usd_bn": tga,
                     "on_rrp_usd_bn": rrp, "net_liquidity_usd_bn": assets - tga - rrp})
    return pl.DataFrame(rows)


def test_liquidity_drivers_split_the_26_week_change_and_shares():
    net = _net(27)
    w26 = D(2026, 1, 7) + dt.timedelta(weeks=26)
    staging = kit([("WRESBAL", D(2026, 1, 7), 3_000_000.0), ("WRESBAL", w26, 3_052_000.0)])
    out = liquidity_drivers(net, staging)
    LiquidityDrivers.validate(out)
    r = at(out, "week_date", w26)
    # assets +26, TGA -52 (drawdown +52), RRP -13 (run-off +13): net +91, gross 91
    assert r["balance_sheet_growth_26w_usd_bn"] == pytest.approx(26.0)
    assert r["tga_drawdown_26w_usd_bn"] == pytest.approx(52.0)
    assert r["rrp_runoff_26w_usd_bn"] == pytest.approx(13.0)
    assert r["net_liquidity_change_26w_usd_bn"] == pytest.approx(91.0)
    assert r["tga_share_26w_pct"] == pytest.approx(100 * 52 / 91)
    assert r["treasury_minus_balance_sheet_26w_usd_bn"] == pytest.approx(39.0)
    assert r["reserves_usd_bn"] == pytest.approx(3052.0)
    assert r["reserves_change_26w_usd_bn"] == pytest.approx(52.0)
    assert at(out, "week_date", D(2026, 1, 7) + dt.timedelta(weeks=25))["net_liquidity_change_26w_usd_bn"] is None


def test_money_supply_growth_and_month_end_reserves():
    rows = [("M2SL", D(2024, 3, 1), 20_000.0), ("M2SL", D(2025, 3, 1), 21_000.0),
            ("WRESBAL", D(2025, 3, 5), 3_000_000.0), ("WRESBAL", D(2025, 3, 26), 3_150_000.0)]
    net = _net(1).with_columns(pl.lit(D(2025, 3, 26)).alias("week_date"))
    out = money_supply(kit(rows), net)
    MoneySupply.validate(out)
    r = at(out, "month", D(2025, 3, 1))
    assert r["m2_growth_yoy_pct"] == pytest.approx(5.0)
    assert r["reserves_usd_bn"] == pytest.approx(3150.0)  # the last Wednesday of March, not the first
    assert r["reserves_week_date"] == D(2025, 3, 26)
    assert r["reserves_share_of_m2_pct"] == pytest.approx(15.0)
    assert at(out, "month", D(2024, 3, 1))["m2_growth_yoy_pct"] is None


# ---------------------------------------------------------------------------------------------- C9


def test_tuition_against_rent_from_the_common_base_month():
    rows = [("CUUR0000SEEB", D(2010, 1, 1), 500.0), ("CUSR0000SEHA", D(2010, 1, 1), 250.0),
            ("CUUR0000SEEB", D(2011, 1, 1), 550.0), ("CUSR0000SEHA", D(2011, 1, 1), 260.0)]
    out = wealth_gap_monthly(kit(rows), ASSUMPTIONS)
    WealthGapMonthly.validate(out)
    r = at(out, "month", D(2011, 1, 1))
    assert r["tuition_childcare_index_base100"] == pytest.approx(110.0)
    assert r["rent_index_base100"] == pytest.approx(104.0)
    assert r["tuition_minus_rent_index_pts"] == pytest.approx(6.0)
    assert r["tuition_minus_rent_yoy_pp"] == pytest.approx(6.0)


def test_monthly_payment_formula():
    frame = pl.DataFrame({"loan": [320_000.0, 120_000.0], "rate": [6.0, 0.0]})
    out = frame.select(monthly_payment(pl.col("loan"), pl.col("rate"), 30))["loan"].to_list()
    assert out[0] == pytest.approx(1918.56, abs=0.01)  # the standard 6%, 30-year table value
    assert out[1] == pytest.approx(120_000.0 / 360)


def _weekly_rate(quarter_start: dt.date, rate: float, weeks: int) -> list[tuple[str, dt.date, float]]:
    return [("MORTGAGE30US", quarter_start + dt.timedelta(days=3 + 7 * k), rate) for k in range(weeks)]


def test_wealth_gap_quarterly_affordability_with_income_converted_to_nominal():
    q = D(2022, 1, 1)
    cpi = [("CPIAUCSL", D(2022, m, 1), 290.0) for m in range(1, 13)] + \
          [("CPIAUCSL", D(2023, m, 1), 300.0) for m in range(1, 13)]
    rows = [*cpi, ("MEHOINUSA672N", D(2022, 1, 1), 75_000.0), ("MSPUS", q, 400_000.0),
            *_weekly_rate(q, 6.0, 13), ("MSPUS", D(2024, 1, 1), 420_000.0)]
    out = wealth_gap_quarterly(kit(rows), ASSUMPTIONS)
    WealthGapQuarterly.validate(out)
    r = at(out, "quarter", q)
    income = 75_000.0 * 290 / 300  # 2023 dollars back to 2022 dollars
    assert r["median_household_income_nominal_usd"] == pytest.approx(income)
    assert r["price_to_income_ratio"] == pytest.approx(400_000 / income)
    assert r["mortgage_rate_30y_pct"] == pytest.approx(6.0)
    assert r["monthly_payment_usd"] == pytest.approx(1918.56, abs=0.01)
    assert r["payment_share_of_income_pct"] == pytest.approx(100 * 1918.5554 / (income / 12), rel=1e-5)
    later = at(out, "quarter", D(2024, 1, 1))  # no 2024 income published: no ratio, nothing carried forward
    assert later["median_household_income_nominal_usd"] is None and later["price_to_income_ratio"] is None


def test_a_quarter_with_too_few_weekly_rates_has_no_payment():
    q = D(2022, 1, 1)
    out = wealth_gap_quarterly(kit([("MSPUS", q, 400_000.0), *_weekly_rate(q, 6.0, 11)]), ASSUMPTIONS)
    assert at(out, "quarter", q)["mortgage_rate_30y_pct"] is None


def test_wealth_shares_sum_on_half_years_and_the_top_10():
    rows = [("WFRBSB50215", D(2021, 1, 1), 2.0), ("WFRBSB50215", D(2021, 4, 1), 3.0),
            ("WFRBSN40188", D(2021, 1, 1), 30.0), ("WFRBSN40188", D(2021, 4, 1), 29.0),
            ("WFRBSN09161", D(2021, 1, 1), 37.0), ("WFRBSN09161", D(2021, 4, 1), 38.0),
            ("WFRBST01134", D(2021, 1, 1), 31.0)]
    out = wealth_gap_quarterly(kit(rows), ASSUMPTIONS)
    r = at(out, "quarter", D(2021, 1, 1))
    assert r["wealth_shares_sum_pct"] == pytest.approx(2.5 + 29.5 + 37.5 + 31.0)
    assert r["wealth_share_top_10_pct"] == pytest.approx(68.0)
    assert at(out, "quarter", D(2021, 4, 1))["wealth_shares_sum_pct"] is None


# ---------------------------------------------------------------------------------------------- C12


def test_dual_economy_indexes_and_divergences():
    base, later = D(2022, 10, 1), D(2023, 10, 1)
    gdp = pl.DataFrame({"quarter": [base, later, base], "definition": ["broad", "broad", "narrow"],
                        "ai_investment_nominal_usd_bn": [1_000.0, 1_200.0, 1.0],
                        "gdp_nominal_usd_bn": [26_000.0, 27_700.0, 26_000.0]})
    months = {base: [D(2022, 10, 1), D(2022, 11, 1), D(2022, 12, 1)],
              later: [D(2023, 10, 1), D(2023, 11, 1), D(2023, 12, 1)]}
    rows = []
    for q, factor in ((base, 1.0), (later, 1.02)):
        rows += [("PAYEMS", m, 150_000.0 * factor) for m in months[q]]
        rows += [("IPG2211S", m, 100.0 * (1.05 if q == later else 1.0)) for m in months[q]]
    census = pl.DataFrame({"month": [m for q in (base, later) for m in months[q]],
                           "data_center": [1_000.0] * 3 + [2_000.0] * 3,
                           "manufacturing": [100_000.0] * 3 + [110_000.0] * 3,
                           "total_private": [1_101_000.0] * 3 + [1_212_000.0] * 3})
    out = dual_economy(kit(rows), gdp, census, ASSUMPTIONS)
    DualEconomy.validate(out)
    r = at(out, "quarter", later)
    assert r["rest_of_gdp"] == pytest.approx(26_500.0)
    assert r["ai_investment_vs_rest_of_gdp_pts"] == pytest.approx(120.0 - 100 * 26_500 / 25_000)
    assert r["datacenter_vs_manufacturing_construction_pts"] == pytest.approx(200.0 - 110.0)
    assert r["datacenter_vs_other_construction_pts"] == pytest.approx(200.0 - 110.0)
    assert r["electricity_output_vs_payrolls_pts"] == pytest.approx(105.0 - 102.0)
    assert r["tech_employment_vs_payrolls_pts"] is None  # no tech employment input: no divergence


def test_dual_economy_drops_an_incomplete_quarter():
    base = D(2022, 10, 1)
    rows = [("PAYEMS", D(2022, 10, 1), 1.0), ("PAYEMS", D(2022, 11, 1), 1.0)]
    gdp = pl.DataFrame(schema={"quarter": pl.Date, "definition": pl.String,
                               "ai_investment_nominal_usd_bn": pl.Float64, "gdp_nominal_usd_bn": pl.Float64})
    census = pl.DataFrame(schema={"month": pl.Date, "data_center": pl.Float64, "manufacturing": pl.Float64,
                                  "total_private": pl.Float64})
    out = dual_economy(kit(rows), gdp, census, ASSUMPTIONS)
    assert base not in out["quarter"].to_list()


# ---------------------------------------------------------------------------------------------- assumptions


def test_assumptions_file_is_refused_when_a_row_breaks_a_rule():
    text = ASSUMPTIONS_FILE.read_text(encoding="utf-8")
    with pytest.raises(AssumptionError, match=r"parameter \['down_payment_share'\] .*break the rule: a share is in"):
        parse_assumptions(text.replace("down_payment_share,0.20,", "down_payment_share,0.2x,"))
    with pytest.raises(AssumptionError, match=r"parameter \['index_base_quarter'\] .*break the rule: a quarter is"):
        parse_assumptions(text.replace("C12,index_base_quarter,2022-10-01", "C12,index_base_quarter,2022-11-01"))
    with pytest.raises(AssumptionError, match=r"parameter \['mortgage_term_months'\] .*break the rule: \(claim_id"):
        parse_assumptions(text.replace("mortgage_term_years", "mortgage_term_months"))
    missing = "\n".join(line for line in text.splitlines() if "mortgage_term_years" not in line)
    with pytest.raises(AssumptionError, match=r"parameters \[\('C9', 'mortgage_term_years'\)\] are missing"):
        parse_assumptions(missing)
    with pytest.raises(AssumptionError, match="rationale"):
        parse_assumptions(text.replace(",rationale,", ",why,"))
