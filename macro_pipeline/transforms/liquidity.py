"""Net liquidity (claim C8): Fed total assets less the Treasury General Account less overnight reverse repos."""

from __future__ import annotations

import polars as pl

from macro_pipeline.mart_kit import Series, mart
from macro_pipeline.schemas.liquidity import NetLiquidity

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
