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


_COMPUTED_H41 = _H41 + "; WRESBAL (H.4.1); computed in marts.liquidity_drivers"
_ALIGNMENT = "macro_pipeline.transforms.alignment"


def _field(description: str, unit: str, source: str = _COMPUTED_H41, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": source})


def _window_fields(w: int) -> dict[str, object]:
    return {
        f"net_liquidity_change_{w}w_usd_bn": _field(f"net liquidity minus its value {w} weeks earlier", _USD_BN),
        f"balance_sheet_growth_{w}w_usd_bn": _field(f"Fed total assets minus their value {w} weeks earlier "
                                                    "(QE/QT contribution)", _USD_BN),
        f"tga_drawdown_{w}w_usd_bn": _field(f"minus the change of the Treasury General Account over {w} weeks "
                                            "(positive: the TGA fell and added liquidity)", _USD_BN),
        f"rrp_runoff_{w}w_usd_bn": _field(f"minus the change of overnight reverse repos over {w} weeks (positive: "
                                          "RRP ran off and added liquidity); null if either Wednesday lacks RRP",
                                          _USD_BN),
        f"reserves_change_{w}w_usd_bn": _field(f"bank reserves (WRESBAL) minus their value {w} weeks earlier",
                                               _USD_BN),
        f"balance_sheet_share_{w}w_pct": _field("100 * balance-sheet growth / (|balance sheet| + |TGA drawdown| + "
                                                "|RRP run-off|): signed share of the gross movement", "percent"),
        f"tga_share_{w}w_pct": _field("100 * TGA drawdown / gross movement (signed)", "percent"),
        f"rrp_share_{w}w_pct": _field("100 * RRP run-off / gross movement (signed)", "percent"),
        f"treasury_minus_balance_sheet_{w}w_usd_bn": _field(
            f"TGA drawdown + RRP run-off - balance-sheet growth over {w} weeks: positive when the Treasury side "
            "added more liquidity than the Fed's balance sheet ('Treasury-led')", _USD_BN),
    }


class LiquidityDrivers(pa.DataFrameModel):
    """What moved net liquidity (claim C8) each H.4.1 Wednesday over 13 and 26 weeks: balance-sheet growth, TGA
    drawdown and RRP run-off (they add up to the net change), their signed shares of the gross movement, bank
    reserves, and the Treasury side minus the balance sheet."""

    week_date: pl.Date = pa.Field(unique=True, description="the Wednesday of the H.4.1 week (WALCL's dates)",
                                  metadata={"unit": "date", "source": _H41})
    fed_total_assets_usd_bn: float = _field("Fed total assets, Wednesday level", _USD_BN, _H41)
    tga_usd_bn: float = _field("Treasury General Account, Wednesday level", _USD_BN, _H41)
    on_rrp_usd_bn: float = _field("overnight reverse repos that Wednesday; null if none reported", _USD_BN, _H41)
    net_liquidity_usd_bn: float = _field("assets - TGA - RRP (marts.net_liquidity)", _USD_BN, _H41)
    reserves_usd_bn: float = _field("reserve balances with Federal Reserve Banks, Wednesday level (WRESBAL / 1000); "
                                    "null if not observed that Wednesday", _USD_BN,
                                    "Federal Reserve H.4.1 (WRESBAL) via FRED")
    net_liquidity_change_13w_usd_bn: float = _window_fields(13)["net_liquidity_change_13w_usd_bn"]
    balance_sheet_growth_13w_usd_bn: float = _window_fields(13)["balance_sheet_growth_13w_usd_bn"]
    tga_drawdown_13w_usd_bn: float = _window_fields(13)["tga_drawdown_13w_usd_bn"]
    rrp_runoff_13w_usd_bn: float = _window_fields(13)["rrp_runoff_13w_usd_bn"]
    reserves_change_13w_usd_bn: float = _window_fields(13)["reserves_change_13w_usd_bn"]
    balance_sheet_share_13w_pct: float = _window_fields(13)["balance_sheet_share_13w_pct"]
    tga_share_13w_pct: float = _window_fields(13)["tga_share_13w_pct"]
    rrp_share_13w_pct: float = _window_fields(13)["rrp_share_13w_pct"]
    treasury_minus_balance_sheet_13w_usd_bn: float = _window_fields(13)["treasury_minus_balance_sheet_13w_usd_bn"]
    net_liquidity_change_26w_usd_bn: float = _window_fields(26)["net_liquidity_change_26w_usd_bn"]
    balance_sheet_growth_26w_usd_bn: float = _window_fields(26)["balance_sheet_growth_26w_usd_bn"]
    tga_drawdown_26w_usd_bn: float = _window_fields(26)["tga_drawdown_26w_usd_bn"]
    rrp_runoff_26w_usd_bn: float = _window_fields(26)["rrp_runoff_26w_usd_bn"]
    reserves_change_26w_usd_bn: float = _window_fields(26)["reserves_change_26w_usd_bn"]
    balance_sheet_share_26w_pct: float = _window_fields(26)["balance_sheet_share_26w_pct"]
    tga_share_26w_pct: float = _window_fields(26)["tga_share_26w_pct"]
    rrp_share_26w_pct: float = _window_fields(26)["rrp_share_26w_pct"]
    treasury_minus_balance_sheet_26w_usd_bn: float = _window_fields(26)["treasury_minus_balance_sheet_26w_usd_bn"]
    alignment: str = _field("which alignment rule made each input of the row", "text", _ALIGNMENT, nullable=False)

    class Config:
        description = ("Net liquidity's drivers (claim C8) over 13 and 26 weeks, billions of U.S. dollars: "
                       "balance-sheet growth, TGA drawdown and RRP run-off, their shares, and reserves.")

    @pa.dataframe_check(name="contributions add up to the net change")
    def contributions_add_up(cls, data) -> pl.LazyFrame:
        checks = [((pl.col(f"balance_sheet_growth_{w}w_usd_bn") + pl.col(f"tga_drawdown_{w}w_usd_bn")
                    + pl.col(f"rrp_runoff_{w}w_usd_bn") - pl.col(f"net_liquidity_change_{w}w_usd_bn")).abs()
                   < 1e-6).fill_null(True) for w in (13, 26)]
        return data.lazyframe.select(checks[0] & checks[1])


class MoneySupply(pa.DataFrameModel):
    """M2 and its 12-month growth (claim C8), with reserves and net liquidity on the month's last Wednesday."""

    month: pl.Date = pa.Field(unique=True, description="month (first day)",
                              metadata={"unit": "date", "source": "Federal Reserve H.6 (M2SL) via FRED"})
    m2_usd_bn: float = _field("M2, seasonally adjusted (M2SL)", _USD_BN, "Federal Reserve H.6 (M2SL) via FRED")
    m2_growth_yoy_pct: float = _field("100 * (M2 / M2 exactly 12 months earlier - 1); null without that month",
                                      "percent", "Federal Reserve H.6 (M2SL) via FRED; computed")
    reserves_usd_bn: float = _field("reserves on the month's last Wednesday (end_of_period(month) of WRESBAL)",
                                    _USD_BN, "Federal Reserve H.4.1 (WRESBAL) via FRED")
    reserves_week_date: pl.Date = _field("the Wednesday reserves_usd_bn was observed", "date",
                                         "Federal Reserve H.4.1 (WRESBAL) via FRED")
    net_liquidity_usd_bn: float = _field("net liquidity on the month's last Wednesday with a complete value "
                                         "(end_of_period(month) of marts.net_liquidity)", _USD_BN, _H41)
    reserves_share_of_m2_pct: float = _field("100 * reserves_usd_bn / m2_usd_bn (both billions of dollars)",
                                             "percent", "H.4.1 and H.6 via FRED; computed")
    alignment: str = _field("which alignment rule made each input of the row", "text", _ALIGNMENT, nullable=False)

    class Config:
        description = ("M2 (level and 12-month growth) with reserves and net liquidity at month end, for claim C8; "
                       "billions of U.S. dollars and percent.")
