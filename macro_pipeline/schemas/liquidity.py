"""Models of the marts: derived tables that answer a claim, each column with its unit and source."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

_H41 = "Federal Reserve H.4.1 (WALCL, WDTGAL) and New York Fed (RRPONTSYD), via FRED"
_USD_BN = "billions of U.S. dollars"


def _usd_bn(description: str, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": _USD_BN, "source": _H41})


class NetLiquidity(pa.DataFrameModel):
    """Weekly US net liquidity (claim C8): the Fed's total assets less the Treasury General Account less overnight
    reverse repos, each Wednesday. A week where any component was not observed that Wednesday has no net value
    (nothing is carried forward or filled in). The 13-week changes split the move into the Fed's balance sheet
    and the Treasury/RRP part the thesis credits."""

    week_date: pl.Date = pa.Field(unique=True, description="the Wednesday of the H.4.1 week",
                                  metadata={"unit": "date", "source": _H41})
    fed_total_assets_usd_bn: float = _usd_bn("Fed total assets, Wednesday level (WALCL / 1000)")
    tga_usd_bn: float = _usd_bn("Treasury General Account, Wednesday level (WDTGAL / 1000)")
    on_rrp_usd_bn: float = _usd_bn("overnight reverse repos on that Wednesday (RRPONTSYD); null if no operation "
                                   "was reported that day")
    net_liquidity_usd_bn: float = _usd_bn("fed_total_assets_usd_bn - tga_usd_bn - on_rrp_usd_bn")
    net_liquidity_change_13w_usd_bn: float = _usd_bn("net liquidity minus its value 13 weeks earlier")
    fed_total_assets_change_13w_usd_bn: float = _usd_bn("Fed total assets minus their value 13 weeks earlier")
    treasury_and_rrp_change_13w_usd_bn: float = _usd_bn(
        "net_liquidity_change_13w_usd_bn - fed_total_assets_change_13w_usd_bn: liquidity added by TGA and RRP "
        "run-off")
    complete: bool = pa.Field(description="all three components observed on this Wednesday",
                              metadata={"unit": "boolean", "source": _H41})

    class Config:
        description = ("Weekly US net liquidity (claim C8): Fed total assets - Treasury General Account - overnight "
                       "reverse repos, billions of U.S. dollars, with 13-week changes split into the Fed's and "
                       "the Treasury/RRP part.")

    @pa.dataframe_check(name="net liquidity = assets - TGA - RRP")
    def identity_holds(cls, data) -> pl.LazyFrame:
        expected = pl.col("fed_total_assets_usd_bn") - pl.col("tga_usd_bn") - pl.col("on_rrp_usd_bn")
        return data.lazyframe.select(((pl.col("net_liquidity_usd_bn") - expected).abs() < 1e-6).fill_null(True))

    @pa.dataframe_check(name="complete weeks have a net value")
    def complete_has_value(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("net_liquidity_usd_bn").is_not_null() == pl.col("complete"))
