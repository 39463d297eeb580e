"""Net liquidity on a hand-made staging frame: unit scaling, no carrying forward, exact 13-week lags."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.schemas.liquidity import NetLiquidity
from macro_pipeline.transforms.liquidity import net_liquidity
from macro_pipeline.transforms.staging import in_base_units

W0 = dt.date(2026, 1, 7)  # a Wednesday


def week(i: int) -> dt.date:
    return W0 + dt.timedelta(weeks=i)


def staging_frame() -> pl.DataFrame:
    """Weeks 0..15. WALCL (millions) = 7,000,000 + 1,000 i -> 7000 + i bn; WDTGAL (millions) = 800,000 + 500 i ->
    800 + 0.5 i bn; RRPONTSYD (billions) = 200 - 2 i. Net = 6000 + 2.5 i.
    WALCL has no row in week 1 (so the H.4.1 calendar skips it); RRP has no Wednesday figure in week 2, only the
    Tuesday and Thursday around it (which must not be used)."""
    rows = []
    for i in range(16):
        if i != 1:
            rows.append(("WALCL", week(i), 7_000_000.0 + 1_000 * i))
        rows.append(("WDTGAL", week(i), 800_000.0 + 500 * i))
        if i != 2:
            rows.append(("RRPONTSYD", week(i), 200.0 - 2 * i))
        rows.append(("RRPONTSYD", week(i) - dt.timedelta(days=1), 999.0))
        rows.append(("RRPONTSYD", week(i) + dt.timedelta(days=1), 888.0))
    rows.append(("UNRATE", dt.date(2026, 1, 1), 4.1))
    rows.append(("WRESBAL", W0, 3_000_000.0))
    return pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64}, orient="row")


def kit_input(frame: pl.DataFrame, series: pl.DataFrame | None = None) -> pl.DataFrame:
    """What the mart kit hands the transform: values in each series' catalog base unit."""
    catalog = load_catalog()
    return in_base_units(frame, catalog.series if series is None else series, catalog.units)


@pytest.fixture(scope="module")
def mart() -> pl.DataFrame:
    return net_liquidity(kit_input(staging_frame()))


def row(mart: pl.DataFrame, i: int) -> dict:
    hit = mart.filter(pl.col("week_date") == week(i))
    assert hit.height == 1, f"week {i} not exactly once"
    return hit.row(0, named=True)


def test_columns_and_weeks_follow_walcl(mart):
    assert mart.columns == list(NetLiquidity.to_schema().columns)
    assert mart["week_date"].to_list() == [week(i) for i in range(16) if i != 1]


def test_complete_week_is_scaled_to_billions_and_hand_checked(mart):
    r = row(mart, 0)
    assert r["fed_total_assets_usd_bn"] == pytest.approx(7000.0)
    assert r["tga_usd_bn"] == pytest.approx(800.0)
    assert r["on_rrp_usd_bn"] == pytest.approx(200.0)
    assert r["net_liquidity_usd_bn"] == pytest.approx(6000.0)
    assert r["complete"] is True
    r = row(mart, 5)
    assert (r["fed_total_assets_usd_bn"], r["tga_usd_bn"], r["on_rrp_usd_bn"]) == pytest.approx(
        (7005.0, 802.5, 190.0))
    assert r["net_liquidity_usd_bn"] == pytest.approx(6012.5)


def test_week_without_a_wednesday_rrp_has_no_net_value(mart):
    r = row(mart, 2)
    assert r["fed_total_assets_usd_bn"] == pytest.approx(7002.0)
    assert r["tga_usd_bn"] == pytest.approx(801.0)
    assert r["on_rrp_usd_bn"] is None  # neither Tuesday's 999 nor Thursday's 888, nor week 0's value
    assert r["net_liquidity_usd_bn"] is None
    assert r["complete"] is False
    assert mart.filter(~pl.col("complete"))["week_date"].to_list() == [week(2)]


def test_thirteen_week_change_uses_the_row_exactly_thirteen_weeks_earlier(mart):
    r = row(mart, 13)  # compared with week 0
    assert r["net_liquidity_change_13w_usd_bn"] == pytest.approx(32.5)
    assert r["fed_total_assets_change_13w_usd_bn"] == pytest.approx(13.0)
    assert r["treasury_and_rrp_change_13w_usd_bn"] == pytest.approx(19.5)


def test_missing_week_gives_null_change_not_the_previous_row(mart):
    # week 14's comparison week (1) has no H.4.1 row; thirteen rows back would be week 0
    r = row(mart, 14)
    assert r["net_liquidity_usd_bn"] == pytest.approx(6035.0)
    assert r["net_liquidity_change_13w_usd_bn"] is None
    assert r["fed_total_assets_change_13w_usd_bn"] is None
    assert r["treasury_and_rrp_change_13w_usd_bn"] is None


def test_change_against_an_incomplete_week_keeps_only_the_assets_part(mart):
    r = row(mart, 15)  # compared with week 2, which has no net value
    assert r["fed_total_assets_change_13w_usd_bn"] == pytest.approx(13.0)
    assert r["net_liquidity_change_13w_usd_bn"] is None
    assert r["treasury_and_rrp_change_13w_usd_bn"] is None


def test_first_thirteen_weeks_have_no_change(mart):
    early = mart.filter(pl.col("week_date") < week(13))
    assert early.height == 12
    assert early["net_liquidity_change_13w_usd_bn"].null_count() == 12
    assert early["fed_total_assets_change_13w_usd_bn"].null_count() == 12


def test_mart_passes_the_net_liquidity_model(mart):
    NetLiquidity.validate(mart)


def test_model_catches_a_broken_identity_and_a_wrong_complete_flag(mart):
    broken = mart.with_columns(
        pl.when(pl.col("week_date") == week(0)).then(pl.lit(1.0)).otherwise(pl.col("net_liquidity_usd_bn"))
        .alias("net_liquidity_usd_bn"))
    with pytest.raises(pa.errors.SchemaErrors) as info:
        NetLiquidity.validate(broken, lazy=True)
    assert "net liquidity = assets - TGA - RRP" in str(info.value)
    flagged = mart.with_columns(pl.lit(True).alias("complete"))
    with pytest.raises(pa.errors.SchemaErrors) as info:
        NetLiquidity.validate(flagged, lazy=True)
    assert "complete weeks have a net value" in str(info.value)


def test_unit_scale_comes_from_the_catalog():
    # a catalog that says WALCL is in billions changes the result: scaling is data (units.csv), not code
    series = load_catalog().series.with_columns(
        pl.when(pl.col("series_id") == "WALCL").then(pl.lit("usd_bn")).otherwise(pl.col("unit_id"))
        .alias("unit_id"))
    mart = net_liquidity(kit_input(staging_frame(), series))
    assert row(mart, 0)["fed_total_assets_usd_bn"] == pytest.approx(7_000_000.0)


def test_an_input_in_another_unit_family_is_refused_naming_it():
    # WALCL declared as a percentage cannot be netted against dollars
    series = load_catalog().series.with_columns(
        pl.when(pl.col("series_id") == "WALCL").then(pl.lit("pct")).otherwise(pl.col("unit_id")).alias("unit_id"))
    with pytest.raises(ValueError, match="WALCL arrives in"):
        net_liquidity(kit_input(staging_frame(), series))


def test_input_series_missing_from_the_catalog_is_an_error_naming_it():
    series = load_catalog().series.filter(pl.col("series_id") != "RRPONTSYD")
    with pytest.raises(ValueError, match="RRPONTSYD"):
        net_liquidity(kit_input(staging_frame(), series))


def test_staging_without_rrp_gives_incomplete_weeks_not_an_error():
    staging = staging_frame().filter(pl.col("series_id") != "RRPONTSYD")
    mart = net_liquidity(kit_input(staging))
    assert mart.height == 15
    assert mart["complete"].to_list() == [False] * 15
    assert mart["net_liquidity_usd_bn"].null_count() == 15
    NetLiquidity.validate(mart)
