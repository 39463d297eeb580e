"""Net liquidity (claim C8): Fed total assets less the Treasury General Account less overnight reverse repos."""

from __future__ import annotations

import polars as pl

from macro_pipeline.mart_kit import Mart, Series, mart
from macro_pipeline.schemas.liquidity import LiquidityDrivers, MoneySupply, NetLiquidity
from macro_pipeline.transforms import alignment

FED_TOTAL_ASSETS = "WALCL"
TREASURY_GENERAL_ACCOUNT = "WDTGAL"
OVERNIGHT_REVERSE_REPOS = "RRPONTSYD"
INPUT_SERIES = (FED_TOTAL_ASSETS, TREASURY_GENERAL_ACCOUNT, OVERNIGHT_REVERSE_REPOS)
CHANGE_WEEKS = 13
BASE_UNIT = "usd_bn"


def _in_usd_bn(staging: pl.DataFrame, series_id: str, name: str) -> pl.DataFrame:
    rows = staging.filter(pl.col("series_id") == series_id)
    units = set(rows["unit_id"].unique().to_list())
    if units - {BASE_UNIT}:
        raise ValueError(f"{series_id} arrives in {sorted(units)}, not {BASE_UNIT}: its catalog unit changed")
    return rows.select(pl.col("date").alias("week_date"), pl.col("value").alias(name))


@mart("marts.net_liquidity", model=NetLiquidity, key=("week_date",), claims="C8", date_column="week_date",
      units="billions of U.S. dollars", inputs={"staging": Series(INPUT_SERIES)})
def net_liquidity(staging: pl.DataFrame) -> pl.DataFrame:
    """Weekly US net liquidity for claim C8, in billions of U.S. dollars.

    Fed total assets (WALCL) less the Treasury General Account (WDTGAL) less overnight reverse repos
    (RRPONTSYD), each on the H.4.1 Wednesday (WALCL's dates). Each component is taken on that exact Wednesday: a
    reverse-repo figure from another day is not carried over, so a Wednesday without one has no net value
    (``complete`` is false) rather than a carried-forward one. The 13-week change compares with the row exactly
    13 Wednesdays earlier and is split into the Fed's balance sheet (QE/QT) and the Treasury/RRP part the thesis
    says will lead in 2026. Sources: Federal Reserve H.4.1, New York Fed, via FRED.
    """
    weeks = _in_usd_bn(staging, FED_TOTAL_ASSETS, "fed_total_assets_usd_bn")
    tga = _in_usd_bn(staging, TREASURY_GENERAL_ACCOUNT, "tga_usd_bn")
    rrp = _in_usd_bn(staging, OVERNIGHT_REVERSE_REPOS, "on_rrp_usd_bn")
    frame = (weeks.join(tga, on="week_date", how="left").join(rrp, on="week_date", how="left")
             .sort("week_date")
             .with_columns((pl.col("fed_total_assets_usd_bn") - pl.col("tga_usd_bn") - pl.col("on_rrp_usd_bn"))
                           .alias("net_liquidity_usd_bn")))
    # a 13-week change needs the row exactly 13 weeks before, not merely 13 rows before
    lagged = frame.select((pl.col("week_date") + pl.duration(weeks=CHANGE_WEEKS)).alias("week_date"),
                          pl.col("net_liquidity_usd_bn").alias("_net_before"),
                          pl.col("fed_total_assets_usd_bn").alias("_assets_before"))
    frame = (frame.join(lagged, on="week_date", how="left")
             .with_columns((pl.col("net_liquidity_usd_bn") - pl.col("_net_before"))
                           .alias("net_liquidity_change_13w_usd_bn"),
                           (pl.col("fed_total_assets_usd_bn") - pl.col("_assets_before"))
                           .alias("fed_total_assets_change_13w_usd_bn"))
             .with_columns((pl.col("net_liquidity_change_13w_usd_bn") - pl.col("fed_total_assets_change_13w_usd_bn"))
                           .alias("treasury_and_rrp_change_13w_usd_bn"),
                           pl.col("net_liquidity_usd_bn").is_not_null().alias("complete")))
    return frame.select(list(NetLiquidity.to_schema().columns))


# ---------------------------------------------------------------------------------------------------------------
# C8 completed: what drives the change (weekly) and the money stock (monthly)

RESERVE_BALANCES = "WRESBAL"
M2 = "M2SL"
DRIVER_WINDOWS = (13, 26)  # weeks; part of the published column names
M2_GROWTH_MONTHS = 12


def _exact_lag_change(frame: pl.DataFrame, date_column: str, columns: list[str], lag: pl.Expr,
                      suffix: str) -> pl.DataFrame:
    """Each column minus its value on the date exactly ``lag`` earlier (joined by date, never by row position)."""
    lagged = frame.select((pl.col(date_column) + lag).alias(date_column),
                          *[pl.col(c).alias(f"_{c}_before") for c in columns])
    return (frame.join(lagged, on=date_column, how="left")
            .with_columns(*[(pl.col(c) - pl.col(f"_{c}_before")).alias(f"{c}{suffix}") for c in columns])
            .drop([f"_{c}_before" for c in columns]))


@mart("marts.liquidity_drivers", model=LiquidityDrivers, key=("week_date",), claims="C8", date_column="week_date",
      units="billions of U.S. dollars; percent for shares",
      inputs={"net": Mart("marts.net_liquidity"), "staging": Series((RESERVE_BALANCES,), required=())})
def liquidity_drivers(net: pl.DataFrame, staging: pl.DataFrame) -> pl.DataFrame:
    """What moved net liquidity (claim C8), each H.4.1 Wednesday, over 13 and 26 weeks, in billions of dollars.

    From marts.net_liquidity (WALCL - WDTGAL - RRPONTSYD, all on the same Wednesday) and bank reserves (WRESBAL,
    same Wednesday; `same_period` alignment). The net change over w weeks (against the row exactly w weeks
    earlier) splits exactly into three contributions: balance-sheet growth (the change of Fed total assets), TGA
    drawdown (minus the change of the Treasury account: a falling TGA adds liquidity) and RRP run-off (minus the
    change of overnight reverse repos). Each contribution's share is signed and measured against the gross
    movement (the sum of the three absolute contributions), so the shares' absolute values add to 100 and are
    defined even when the parts offset. "Treasury-led" is tested as TGA drawdown + RRP run-off minus balance-sheet
    growth: positive when the Treasury side added more than the Fed's balance sheet. Sources: Federal Reserve
    H.4.1, New York Fed, via FRED.
    """
    reserves = alignment.same_period(alignment.one_series(staging, RESERVE_BALANCES))
    if reserves.height:
        alignment.check_combinable(RESERVE_BALANCES, reserves["unit_id"][0], "WALCL", BASE_UNIT)
    frame = (net.select("week_date", "fed_total_assets_usd_bn", "tga_usd_bn", "on_rrp_usd_bn", "net_liquidity_usd_bn")
             .join(reserves.select(pl.col("period").alias("week_date"), pl.col("value").alias("reserves_usd_bn")),
                   on="week_date", how="left").sort("week_date"))
    levels = ["net_liquidity_usd_bn", "fed_total_assets_usd_bn", "tga_usd_bn", "on_rrp_usd_bn", "reserves_usd_bn"]
    for w in DRIVER_WINDOWS:
        frame = _exact_lag_change(frame, "week_date", levels, pl.duration(weeks=w), f"_change_{w}w")
        assets = pl.col(f"fed_total_assets_usd_bn_change_{w}w")
        tga = -pl.col(f"tga_usd_bn_change_{w}w")
        rrp = -pl.col(f"on_rrp_usd_bn_change_{w}w")
        gross = assets.abs() + tga.abs() + rrp.abs()
        frame = frame.with_columns(
            pl.col(f"net_liquidity_usd_bn_change_{w}w").alias(f"net_liquidity_change_{w}w_usd_bn"),
            assets.alias(f"balance_sheet_growth_{w}w_usd_bn"),
            tga.alias(f"tga_drawdown_{w}w_usd_bn"),
            rrp.alias(f"rrp_runoff_{w}w_usd_bn"),
            pl.col(f"reserves_usd_bn_change_{w}w").alias(f"reserves_change_{w}w_usd_bn"),
            pl.when(gross > 0).then(100 * assets / gross).alias(f"balance_sheet_share_{w}w_pct"),
            pl.when(gross > 0).then(100 * tga / gross).alias(f"tga_share_{w}w_pct"),
            pl.when(gross > 0).then(100 * rrp / gross).alias(f"rrp_share_{w}w_pct"),
            (tga + rrp - assets).alias(f"treasury_minus_balance_sheet_{w}w_usd_bn"))
    return frame.with_columns(
        pl.lit(alignment.describe(WRESBAL=reserves) + "; WALCL, WDTGAL, RRPONTSYD: same Wednesday "
               "(marts.net_liquidity)").alias("alignment"))


@mart("marts.money_supply", model=MoneySupply, key=("month",), claims="C8", date_column="month",
      units="billions of U.S. dollars; percent",
      inputs={"staging": Series((M2, RESERVE_BALANCES), required=(M2,)), "net": Mart("marts.net_liquidity")})
def money_supply(staging: pl.DataFrame, net: pl.DataFrame) -> pl.DataFrame:
    """M2 and its growth over 12 months (claim C8), with bank reserves and net liquidity at month end.

    M2SL (monthly, seasonally adjusted, billions) and its change against the month exactly 12 months earlier, in
    percent. Reserves (WRESBAL) and net liquidity (marts.net_liquidity) are Wednesday levels; the month's value is
    the last Wednesday of the month (``end_of_period(month)``), only for months that have one. Reserves as a share
    of M2 combines two series in billions of dollars (checked). Sources: Federal Reserve H.6 and H.4.1 via FRED.
    """
    m2 = alignment.same_period(alignment.one_series(staging, M2))
    reserves = alignment.end_of_period(alignment.one_series(staging, RESERVE_BALANCES), "month")
    net_levels = (net.filter(pl.col("net_liquidity_usd_bn").is_not_null())
                  .select(pl.col("week_date").alias("date"), pl.col("net_liquidity_usd_bn").alias("value"),
                          pl.lit(BASE_UNIT).alias("unit_id")))
    net_month = alignment.end_of_period(net_levels, "month")
    share = alignment.combine(reserves, RESERVE_BALANCES, "/", m2, M2)
    frame = (m2.select(pl.col("period").alias("month"), pl.col("value").alias("m2_usd_bn"))
             .join(reserves.select(pl.col("period").alias("month"), pl.col("value").alias("reserves_usd_bn"),
                                   pl.col("source_date").alias("reserves_week_date")), on="month", how="left")
             .join(net_month.select(pl.col("period").alias("month"),
                                    pl.col("value").alias("net_liquidity_usd_bn")), on="month", how="left")
             .join(share.select(pl.col("period").alias("month"),
                                (100 * pl.col("value")).alias("reserves_share_of_m2_pct")), on="month", how="left")
             .sort("month"))
    lagged = frame.select(pl.col("month").dt.offset_by(f"{M2_GROWTH_MONTHS}mo").alias("month"),
                          pl.col("m2_usd_bn").alias("_m2_before"))
    frame = frame.join(lagged, on="month", how="left").with_columns(
        (100 * (pl.col("m2_usd_bn") / pl.col("_m2_before") - 1)).alias("m2_growth_yoy_pct"),
        pl.lit(alignment.describe(M2SL=m2, WRESBAL=reserves, net_liquidity=net_month)).alias("alignment"))
    return frame
