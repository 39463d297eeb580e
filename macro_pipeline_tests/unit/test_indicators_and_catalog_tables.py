"""Published indicator rows from marts, and the catalog.series / catalog.claims tables."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.schemas import CatalogClaims, CatalogSeries, Indicators
from macro_pipeline.transforms.catalog_tables import claims_table, series_table
from macro_pipeline.transforms.indicators import indicator_rows

AS_OF = dt.date(2026, 11, 26)
H41 = "Federal Reserve H.4.1 (WALCL, WDTGAL) and New York Fed (RRPONTSYD), via FRED"
W1, W2, W3 = dt.date(2026, 1, 7), dt.date(2026, 1, 14), dt.date(2026, 1, 21)


def mart() -> pl.DataFrame:
    return pl.DataFrame({
        "week_date": [W1, W2, W3],
        "fed_total_assets_usd_bn": [7000.0, 7001.0, 7002.0],
        "tga_usd_bn": [800.0, 800.0, 800.0],
        "on_rrp_usd_bn": [200.0, None, 100.0],
        "net_liquidity_usd_bn": [6000.0, None, 6102.0],
        "net_liquidity_change_13w_usd_bn": [None, None, 40.0],
        "fed_total_assets_change_13w_usd_bn": [None, 10.0, 12.0],
        "treasury_and_rrp_change_13w_usd_bn": [None, None, 28.0],
        "complete": [True, False, True],
    })


# ---------------------------------------------------------------------------------------------- indicators


def test_indicator_rows_skip_nulls_and_carry_unit_source_and_as_of():
    out = indicator_rows(load_catalog().indicators, {"marts.net_liquidity": mart()}, AS_OF)
    assert out.columns == list(Indicators.to_schema().columns)
    assert out.select("indicator_id", "date", "value").rows() == [
        ("fed_total_assets_change_13w_usd_bn", W2, 10.0),
        ("fed_total_assets_change_13w_usd_bn", W3, 12.0),
        ("net_liquidity_change_13w_usd_bn", W3, 40.0),
        ("net_liquidity_usd_bn", W1, 6000.0),
        ("net_liquidity_usd_bn", W3, 6102.0),
        ("treasury_and_rrp_change_13w_usd_bn", W3, 28.0),
    ]
    assert set(out["claim_id"].to_list()) == {"C8"}
    assert set(out["unit"].to_list()) == {"billions of U.S. dollars"}
    assert set(out["as_of"].to_list()) == {AS_OF}
    net = out.filter(pl.col("indicator_id") == "net_liquidity_usd_bn")
    assert set(net["source"].to_list()) == {f"marts.net_liquidity.net_liquidity_usd_bn ({H41})"}
    Indicators.validate(out)


def test_indicator_rows_without_their_mart_give_an_empty_typed_frame():
    out = indicator_rows(load_catalog().indicators, {}, AS_OF)
    assert out.height == 0
    assert out.schema == pl.Schema({"indicator_id": pl.String, "claim_id": pl.String, "date": pl.Date,
                                    "value": pl.Float64, "unit": pl.String, "source": pl.String,
                                    "as_of": pl.Date, "kind": pl.String})


def test_kind_is_the_declared_one_and_a_value_dated_after_as_of_is_a_projection():
    indicators = load_catalog().indicators
    out = indicator_rows(indicators, {"marts.net_liquidity": mart()}, dt.date(2026, 1, 14))
    kinds = dict(zip(out.filter(pl.col("indicator_id") == "net_liquidity_usd_bn")["date"].to_list(),
                     out.filter(pl.col("indicator_id") == "net_liquidity_usd_bn")["kind"].to_list(), strict=True))
    assert kinds == {W1: "observed", W3: "projection"}  # W3 is after the vintage date: not observed yet
    modelled = indicators.with_columns(pl.lit("model").alias("kind"))
    out = indicator_rows(modelled, {"marts.net_liquidity": mart()}, AS_OF)
    assert set(out["kind"].to_list()) == {"model"}
    Indicators.validate(out)


def test_values_are_rounded_to_the_precision_their_unit_declares():
    noisy = mart().with_columns(pl.lit(959.4350000000001).alias("net_liquidity_usd_bn"),
                                pl.lit(-89.09500000000116).alias("net_liquidity_change_13w_usd_bn"))
    out = indicator_rows(load_catalog().indicators, {"marts.net_liquidity": noisy}, AS_OF,
                         precision={"billions of U.S. dollars": 3})
    net = out.filter(pl.col("indicator_id") == "net_liquidity_usd_bn")["value"].to_list()
    change = out.filter(pl.col("indicator_id") == "net_liquidity_change_13w_usd_bn")["value"].to_list()
    assert net == [959.435] * 3 and change == [-89.095] * 3
    # the packaged precision file declares this unit; a unit it does not list is left as computed
    out = indicator_rows(load_catalog().indicators, {"marts.net_liquidity": noisy}, AS_OF, precision={})
    assert out.filter(pl.col("indicator_id") == "net_liquidity_usd_bn")["value"][0] == 959.4350000000001


def test_indicator_rows_of_an_all_null_mart_are_empty():
    empty = mart().with_columns(pl.col(c).cast(pl.Float64) * None for c in mart().columns if c.endswith("usd_bn"))
    out = indicator_rows(load_catalog().indicators, {"marts.net_liquidity": empty}, AS_OF)
    assert out.height == 0


def test_indicator_unit_comes_from_the_indicator_catalog():
    indicators = load_catalog().indicators.with_columns(pl.lit("trillions of pesos").alias("unit"))
    out = indicator_rows(indicators, {"marts.net_liquidity": mart()}, AS_OF)
    assert set(out["unit"].to_list()) == {"trillions of pesos"}


# ---------------------------------------------------------------------------------------------- catalog.series


V = dt.date(2026, 11, 26)


def latest() -> pl.DataFrame:
    return pl.DataFrame({
        "series_id": ["GDP", "GDP", "GDP", "GDP", "UNRATE", "UNRATE"],
        "date": [dt.date(2020, 1, 1), dt.date(2020, 4, 1), dt.date(2020, 7, 1), dt.date(2020, 10, 1),
                 dt.date(2020, 1, 1), dt.date(2020, 2, 1)],
        "value": [None, 1.0, 2.0, None, 3.5, 3.6],
        "realtime_start": [V, V, dt.date(2026, 1, 1), V, dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
    })


def outcomes(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"series_id": pl.String, "status": pl.String, "detail": pl.String},
                        orient="row")


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    out = outcomes([
        ("GDP", "fetched", "Vintage of mid-2026"),
        ("UNRATE", "failed", "sha256 mismatch"),
        ("B935RY2Q224SBEA", "missing", "not in the embedded snapshot"),
    ])
    return series_table(load_catalog().series, latest(), out)


def one(table: pl.DataFrame, series_id: str) -> dict:
    return table.filter(pl.col("series_id") == series_id).row(0, named=True)


def test_series_table_has_every_catalog_series_once(table):
    assert table.columns == list(CatalogSeries.to_schema().columns)
    assert table["series_id"].to_list() == load_catalog().series_ids()
    CatalogSeries.validate(table)


def test_loaded_series_has_coverage_of_non_null_values(table):
    gdp = one(table, "GDP")
    assert gdp["status"] == "loaded"
    assert gdp["status_detail"] == "Vintage of mid-2026"
    assert gdp["first_date"] == dt.date(2020, 4, 1)  # the null first and last rows do not count
    assert gdp["last_date"] == dt.date(2020, 7, 1)
    assert gdp["n_obs"] == 2
    assert gdp["vintage_date"] == V
    assert gdp["title"] == "Gross Domestic Product"
    assert gdp["claim_ids"] == ["C6"]


def test_failed_outcome_is_kept_with_its_detail_and_last_good_data(table):
    unrate = one(table, "UNRATE")
    assert unrate["status"] == "failed"
    assert unrate["status_detail"] == "sha256 mismatch"
    assert unrate["n_obs"] == 2
    assert unrate["vintage_date"] == dt.date(2026, 2, 1)


def test_missing_series_is_listed_with_zero_observations(table):
    missing = one(table, "B935RY2Q224SBEA")
    assert missing["status"] == "missing"
    assert missing["status_detail"] == "not in the embedded snapshot"
    assert missing["n_obs"] == 0
    assert (missing["first_date"], missing["last_date"], missing["vintage_date"]) == (None, None, None)


def test_series_without_rows_or_outcome_is_missing(table):
    dff = one(table, "DFF")
    assert (dff["status"], dff["status_detail"], dff["n_obs"]) == ("missing", None, 0)
    assert table.filter(pl.col("status") == "loaded")["series_id"].to_list() == ["GDP"]


def test_series_with_only_null_values_is_missing():
    only_nulls = latest().with_columns(pl.lit(None, pl.Float64).alias("value"))
    out = series_table(load_catalog().series, only_nulls, outcomes([("GDP", "fetched", "")]))
    gdp = one(out, "GDP")
    assert (gdp["status"], gdp["n_obs"], gdp["first_date"]) == ("missing", 0, None)


# ---------------------------------------------------------------------------------------------- catalog.claims


def test_claims_table_lists_indicators_and_series_per_claim():
    catalog = load_catalog()
    out = claims_table(catalog.claims, catalog.indicators, catalog.series)
    assert out.columns == list(CatalogClaims.to_schema().columns)
    assert out["claim_id"].to_list() == [f"C{i}" for i in range(1, 13)]  # C10 after C9, not after C1
    c8 = out.filter(pl.col("claim_id") == "C8").row(0, named=True)
    assert c8["indicator_ids"] == sorted(["net_liquidity_usd_bn", "net_liquidity_change_13w_usd_bn",
                                          "fed_total_assets_change_13w_usd_bn",
                                          "treasury_and_rrp_change_13w_usd_bn", "reserves_usd_bn",
                                          "net_liquidity_change_26w_usd_bn", "treasury_minus_balance_sheet_13w_usd_bn",
                                          "treasury_minus_balance_sheet_26w_usd_bn", "tga_share_26w_pct",
                                          "rrp_share_26w_pct", "balance_sheet_share_26w_pct", "m2_growth_yoy_pct"])
    assert {"WALCL", "WDTGAL", "RRPONTSYD"} <= set(c8["series_ids"])
    assert c8["series_ids"] == sorted(c8["series_ids"])
    c3 = out.filter(pl.col("claim_id") == "C3").row(0, named=True)
    assert c3["indicator_ids"] == sorted(["sp500_sma_200d", "cta_flip_level_20d", "cta_flip_level_50d",
                                          "cta_flip_level_100d", "cta_flip_level_200d", "cta_aggregate_signal",
                                          "cta_position_usd_bn", "cta_flips_followed_share_pct"])
    assert c3["series_ids"] == ["SP500"]
    CatalogClaims.validate(out)
