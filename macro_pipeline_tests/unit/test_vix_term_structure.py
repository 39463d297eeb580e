"""VIX term structure on hand-made paths: two known inversions give exactly those episodes, their kind by the
panic rule, a gap ends an episode, the share of inverted days; a property over random paths; the mart."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.mart_kit import build_mart, mart_spec
from macro_pipeline.transforms.vix_term_structure import vix_model
from macro_pipeline_tests.unit.market_inputs import assumptions, sessions, staging

START = dt.date(2024, 1, 2)
N = 30
DAYS = sessions(START, N)


def frame(name: str, values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame({"date": DAYS[:len(values)], name: values},
                        schema={"date": pl.Date, name: pl.Float64}).drop_nulls()


def two_inversions() -> tuple[list[float | None], list[float], list[float]]:
    """VIX above VIX3M on days 8-10 (peak 26/20 on day 9) and on day 20; S&P 500 flat at 100 except a fall to 85
    on days 8-10 (15% below its high: panic) and a dip to 97 on day 20 (hedging)."""
    vix3m = [20.0] * N
    vix: list[float | None] = [15.0] * N
    vix[8], vix[9], vix[10], vix[20] = 21.0, 26.0, 22.0, 20.5
    sp500 = [100.0] * N
    sp500[8], sp500[9], sp500[10], sp500[20] = 90.0, 85.0, 88.0, 97.0
    return vix, vix3m, sp500


def run(vix, vix3m, sp500) -> pl.DataFrame:
    return vix_model(frame("vix", vix), frame("vix3m", vix3m), frame("sp500", sp500), panic_drawdown_pct=-10.0,
                     high_lookback=5, before_days=3, after_days=2)


def test_two_known_inversions_give_exactly_those_episodes():
    out = run(*two_inversions())
    episodes = out.filter(pl.col("episode_end").is_not_null())
    assert episodes.select("date", "episode_end", "episode_length_days").rows() == [
        (DAYS[8], DAYS[10], 3), (DAYS[20], DAYS[20], 1)]
    first, second = episodes.row(0, named=True), episodes.row(1, named=True)
    assert first["episode_peak_ratio"] == pytest.approx(26 / 20)
    # by hand: lowest close 85 against the 5-day high 100 -> -15%: panic; 97 -> -3%: hedging
    assert first["sp500_drawdown_in_episode_pct"] == pytest.approx(-15.0) and first["episode_kind"] == "panic"
    assert second["sp500_drawdown_in_episode_pct"] == pytest.approx(-3.0) and second["episode_kind"] == "hedging"
    # before: close on day 7 vs day 4 (both 100); after: day 12 vs day 10 (100 / 88)
    assert first["sp500_change_before_pct"] == pytest.approx(0.0)
    assert first["sp500_return_after_pct"] == pytest.approx(100 * (100 / 88 - 1))
    # every day of an episode names its start
    assert out["episode_start"].to_list()[8:11] == [DAYS[8]] * 3 and out["episode_start"][11] is None


def test_running_totals_give_the_inverted_share_and_the_episodes():
    last = run(*two_inversions()).row(-1, named=True)
    assert last["common_days_to_date"] == N
    assert last["inversion_share_to_date_pct"] == pytest.approx(100 * 4 / N)
    assert last["episodes_to_date"] == 2
    assert last["hedging_share_to_date_pct"] == pytest.approx(50.0)
    assert last["mean_episode_length_to_date_days"] == pytest.approx(2.0)


def test_a_gap_inside_an_inversion_ends_the_episode_and_is_not_a_common_day():
    vix, vix3m, sp500 = two_inversions()
    vix[9] = None
    out = run(vix, vix3m, sp500)
    assert out.filter(pl.col("episode_end").is_not_null())["episode_length_days"].to_list() == [1, 1, 1]
    last = out.row(-1, named=True)
    assert last["common_days_to_date"] == N - 1
    assert last["inversion_share_to_date_pct"] == pytest.approx(100 * 3 / (N - 1))


def test_an_episode_without_index_data_is_unclassified():
    vix, vix3m, _ = two_inversions()
    no_index = pl.DataFrame(schema={"date": pl.Date, "sp500": pl.Float64})
    out = vix_model(frame("vix", vix), frame("vix3m", vix3m), no_index, -10.0, 5, 3, 2)
    assert out.filter(pl.col("episode_end").is_not_null())["episode_kind"].to_list() == [None, None]
    assert out["hedging_share_to_date_pct"].null_count() == out.height


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(min_value=9, max_value=80), st.floats(min_value=9, max_value=80)),
                min_size=N, max_size=N))
def test_episode_lengths_add_up_to_the_inverted_days(pairs):
    vix, vix3m = [p[0] for p in pairs], [p[1] for p in pairs]
    out = run(vix, vix3m, [100.0] * N)
    inverted = sum(a > b for a, b in pairs)
    assert out["episode_length_days"].drop_nulls().sum() == inverted
    assert out.row(-1, named=True)["inversion_share_to_date_pct"] == pytest.approx(100 * inverted / N)
    assert (out["episode_peak_ratio"].drop_nulls() > 1).all()


def test_the_mart_needs_vix_and_vix3m_but_not_the_index():
    vix, vix3m, _ = two_inversions()
    spec = mart_spec("marts.vix_term_structure_daily")
    out = build_mart(spec, {"staging": staging({"VIXCLS": (DAYS, vix), "VXVCLS": (DAYS, vix3m)}),
                            "assumptions": assumptions()})
    assert out.status == "built" and out.frame["episodes_to_date"][-1] == 2
    missing = build_mart(spec, {"staging": staging({"VIXCLS": (DAYS, vix)}), "assumptions": assumptions()})
    assert missing.status == "insufficient data" and missing.reason == "no data for required series VXVCLS"
