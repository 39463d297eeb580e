"""The vol-target model on hand-made price paths: constant volatility gives constant exposure, the cap binds, a
shock sells into the fall, gaps stay gaps; a property test over random paths; the mart through the kit."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.mart_kit import build_mart, mart_spec
from macro_pipeline.transforms.vol_target import vol_target_model
from macro_pipeline_tests.unit.market_inputs import assumptions, sessions, staging

START = dt.date(2024, 1, 2)
TARGET, CAP, AUM = 10.0, 150.0, 400.0


def prices(closes: list[float | None]) -> pl.DataFrame:
    days = sessions(START, len(closes))
    frame = pl.DataFrame({"date": days, "sp500": closes}, schema={"date": pl.Date, "sp500": pl.Float64})
    return frame.with_columns(pl.col("sp500").is_null().alias("sp500_gap"),
                              (100 * (pl.col("sp500") / pl.col("sp500").shift(1)).log()).alias("sp500_log_return_pct"))


def model(closes: list[float | None], short: int = 21, long: int = 63, window: int = 252) -> pl.DataFrame:
    return vol_target_model(prices(closes), TARGET, CAP, short, long, 252, AUM, window)


def alternating(n: int, step: float) -> list[float]:
    """Closes whose log returns alternate +step, -step."""
    return [100 * math.exp(step if i % 2 else 0.0) for i in range(n)]


def sample_std_of_alternating(n: int, step_pct: float) -> float:
    """Sample standard deviation of n alternating returns +s/-s (either starting sign): by hand,
    mean = s/n, variance = n/(n-1) * (s^2 - mean^2)."""
    mean = step_pct / n
    return math.sqrt(n / (n - 1) * (step_pct ** 2 - mean ** 2))


def test_constant_volatility_gives_constant_exposure_and_no_flow():
    step = 0.01  # 1% log moves: about 16% annualised
    out = model(alternating(120, step)).filter(pl.col("exposure_pct").is_not_null())
    vol21 = sample_std_of_alternating(21, 1.0) * math.sqrt(252)
    vol63 = sample_std_of_alternating(63, 1.0) * math.sqrt(252)
    assert out["realized_vol_21d_pct"].to_list() == [pytest.approx(vol21, rel=1e-9)] * out.height
    expected = 100 * TARGET / max(vol21, vol63)
    assert out["exposure_pct"].to_list() == [pytest.approx(expected, rel=1e-9)] * out.height
    # the first row with an exposure has no previous one; after it the flow is zero every day
    flows = out["implied_flow_usd_bn"].to_list()[1:]
    assert all(abs(f) < 1e-9 for f in flows)
    # exposure appears on the 64th close: 63 returns need 64 prices
    assert model(alternating(120, step))["exposure_pct"].is_not_null().arg_max() == 63


def test_the_leverage_cap_binds_when_volatility_is_low():
    out = model(alternating(100, 0.0005)).drop_nulls("exposure_pct")  # about 0.8% annualised
    assert set(out["exposure_pct"].to_list()) == {CAP}


def test_a_shock_makes_the_model_sell_into_the_fall():
    closes = alternating(100, 0.005)
    closes.append(closes[-1] * 0.9)  # a 10% fall on the last day
    out = model(closes)
    last = out.row(-1, named=True)
    assert last["sp500_log_return_pct"] < 0 and last["implied_flow_usd_bn"] < 0 and last["sells_into_fall"]
    assert last["implied_flow_usd_bn"] == pytest.approx(AUM * last["exposure_change_pp"] / 100, rel=1e-12)


def test_a_gap_is_not_bridged():
    closes: list[float | None] = alternating(130, 0.01)
    closes[80] = None
    out = model(closes)
    assert out["sp500_gap"].to_list()[80] and out["sp500_gap"].sum() == 1
    assert out["sp500_log_return_pct"][80] is None and out["sp500_log_return_pct"][81] is None
    # no 21-day volatility while a missing return is in its window (rows 80..101), then it comes back
    vol = out["realized_vol_21d_pct"]
    assert vol[80:102].null_count() == 22 and vol[102] is not None


def test_the_trailing_shares_count_selling_days_that_fell():
    closes = [100.0]
    for i in range(60):
        closes.append(closes[-1] * math.exp(0.01 * math.sin(1.7 * i) + 0.004 * math.cos(0.3 * i)))
    out = model(closes, short=3, long=5, window=10)
    # recount the last ten days by hand from the flows and returns
    last = out.tail(10)
    sells = [r for r in last.iter_rows(named=True) if r["implied_flow_usd_bn"] < 0]
    buys = [r for r in last.iter_rows(named=True) if r["implied_flow_usd_bn"] > 0]
    assert sells and buys
    final = out.row(-1, named=True)
    assert final["sell_days_252d"] == len(sells)
    assert final["sell_days_on_down_days_share_pct"] == pytest.approx(
        100 * sum(r["sp500_log_return_pct"] < 0 for r in sells) / len(sells))
    assert final["buy_days_on_up_days_share_pct"] == pytest.approx(
        100 * sum(r["sp500_log_return_pct"] > 0 for r in buys) / len(buys))
    # no share before a full window of model days: the first flow is on row 6 (5 returns + 1), so row 15 is the
    # first with ten of them
    assert out["sell_days_252d"].is_not_null().arg_max() == 15


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-0.08, max_value=0.08, allow_nan=False), min_size=70, max_size=120))
def test_exposure_never_exceeds_the_cap_and_the_flow_is_the_exposure_change(returns):
    closes = [100.0]
    for r in returns:
        closes.append(closes[-1] * math.exp(r))
    out = model(closes)
    exposure = out["exposure_pct"].drop_nulls()
    assert exposure.len() == len(closes) - 63
    assert (exposure <= CAP + 1e-9).all() and (exposure > 0).all()
    check = out.drop_nulls("implied_flow_usd_bn")
    assert ((check["implied_flow_usd_bn"] - AUM * check["exposure_change_pp"] / 100).abs() < 1e-9).all()


def test_the_mart_builds_from_staging_and_names_a_missing_series():
    days = sessions(START, 100)
    spec = mart_spec("marts.vol_target_daily")
    built = build_mart(spec, {"staging": staging({"SP500": (days, alternating(100, 0.01))}),
                              "assumptions": assumptions()})
    assert built.status == "built" and built.frame.height == 100
    missing = build_mart(spec, {"staging": staging({"VIXCLS": (days, [20.0] * 100)}), "assumptions": assumptions()})
    assert missing.status == "insufficient data" and missing.reason == "no data for required series SP500"
