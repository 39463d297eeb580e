"""Net liquidity (claim C8): Fed total assets less the Treasury General Account less overnight reverse repos."""

from __future__ import annotations

import polars as pl

from macro_pipeline.schemas import NetLiquidity

FED_TOTAL_ASSETS = "WALCL"
TREASURY_GENERAL_ACCOUNT = "WDTGAL"
OVERNIGHT_REVERSE_REPOS = "RRPONTSYD"
INPUT_SERIES = (FED_TOTAL_ASSETS, TREASURY_GENERAL_ACCOUNT, OVERNIGHT_REVERSE_REPOS)
CHANGE_WEEKS = 13
_USD_BN = 1e9


def _in_usd_bn(staging: pl.DataFrame, series_catalog: pl.DataFrame, series_id: str, name: str) -> pl.DataFrame:
    scale = series_catalog.filter(pl.col("series_id") == series_id)["unit_scale"]
    if scale.len() != 1:
        raise KeyError(f"series {series_id} is not in the catalog")
    return (staging.filter(pl.col("series_id") == series_id)
            .select(pl.col("date").alias("week_date"), (pl.col("value") * scale[0] / _USD_BN).alias(name)))


def net_liquidity(staging: pl.DataFrame, series_catalog: pl.DataFrame) -> pl.DataFrame:
    """Weekly net liquidity on the Wednesdays of the H.4.1 (WALCL's dates).

    Each component is taken on that exact Wednesday: a reverse-repo figure from another day is not carried over,
    so a Wednesday without one has no net value (``complete`` is false). 13-week changes compare with the row
    13 Wednesdays earlier.
    """
    weeks = _in_usd_bn(staging, series_catalog, FED_TOTAL_ASSETS, "fed_total_assets_usd_bn")
    tga = _in_usd_bn(staging, series_catalog, TREASURY_GENERAL_ACCOUNT, "tga_usd_bn")
    rrp = _in_usd_bn(staging, series_catalog, OVERNIGHT_REVERSE_REPOS, "on_rrp_usd_bn")
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
