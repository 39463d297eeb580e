"""The six market-structure claims end to end on short or missing inputs: the marts build what they can, the
indicators have no value and the scorecard says the claim has insufficient data, naming what is missing; never a
crash."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR, load_catalog
from macro_pipeline.mart_kit import Mart, build_mart, mart_spec, registered_marts
from macro_pipeline.transforms.indicators import indicator_rows
from macro_pipeline.transforms.scorecard import claims_scorecard, load_rules
from macro_pipeline_tests.unit.market_inputs import assumptions, sessions, staging

AS_OF = dt.date(2026, 11, 26)
CLAIMS = ("C1", "C2", "C3", "C4", "C5", "C11")
DAYS = sessions(dt.date(2024, 1, 2), 30)  # six weeks: shorter than every window of the models
CALENDAR_DAYS = [dt.date(2024, 1, 2) + dt.timedelta(days=i) for i in range(40)]
EVENTS = pl.DataFrame({"event": ["fomc_decision", "cpi_release"], "date": [dt.date(2024, 1, 31), dt.date(2024, 1, 11)]})


def short_staging(drop: tuple[str, ...] = ()) -> pl.DataFrame:
    series = {"SP500": (DAYS, [4700 + i for i in range(30)]), "NASDAQCOM": (DAYS, [15000 + i for i in range(30)]),
              "VIXCLS": (DAYS, [13.0] * 30), "VXVCLS": (DAYS, [15.0] * 30), "DGS2": (DAYS, [4.3] * 30),
              "DTB3": (DAYS, [5.2] * 30), "DFF": (DAYS, [5.33] * 30), "SOFR": (DAYS, [5.31] * 30),
              "CBBTCUSD": (CALENDAR_DAYS, [42000.0 + 10 * i for i in range(40)])}
    return staging({k: v for k, v in series.items() if k not in drop})


def build_all(stage: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Every mart of the six claims, upstream first, as the kit builds them; and their meta.marts rows."""
    tables, meta = {}, []
    for spec in registered_marts():
        if not set(spec.claim_ids) & set(CLAIMS):
            continue
        inputs = {}
        for name, source in spec.inputs.items():
            if isinstance(source, Mart):
                inputs[name] = tables[source.name]
            elif name == "assumptions":
                inputs[name] = assumptions()
            elif name == "events":
                inputs[name] = EVENTS
            else:
                inputs[name] = stage
        outcome = build_mart(spec, inputs)
        assert outcome.status != "failed", (spec.name, outcome.reason)
        tables[spec.name] = outcome.frame
        meta.append({"table_name": spec.name, "status": outcome.status, "reason": outcome.reason,
                     "claim_ids": list(spec.claim_ids), "built_at": None, "built_run_id": None})
    return tables, pl.DataFrame(meta, schema={"table_name": pl.String, "status": pl.String, "reason": pl.String,
                                              "claim_ids": pl.List(pl.String), "built_at": pl.Datetime,
                                              "built_run_id": pl.String})


def scorecard(stage: pl.DataFrame) -> dict[str, dict]:
    catalog = load_catalog()
    tables, meta = build_all(stage)
    values = indicator_rows(catalog.indicators, tables, AS_OF)
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    out = claims_scorecard(values, rules, catalog.claims, AS_OF, meta)
    return {r["claim_id"]: r for r in out.iter_rows(named=True)}


def test_short_inputs_give_insufficient_data_for_every_claim_naming_the_indicator():
    cards = scorecard(short_staging())
    for claim in CLAIMS:
        card = cards[claim]
        assert card["verdict"] == "insufficient data", (claim, card["evidence"])
        assert "no value" in card["evidence"] or "has no value" in card["evidence"], card["evidence"]


@pytest.mark.parametrize(("dropped", "claim", "mart"), [
    (("SP500",), "C2", "marts.vol_target_daily"),
    (("SP500",), "C3", "marts.cta_trend_daily"),
    (("SP500",), "C4", "marts.buyback_window_calendar"),
    (("DGS2",), "C1", "marts.policy_proxy_daily"),
    (("VXVCLS",), "C5", "marts.vix_term_structure_daily"),
    (("CBBTCUSD",), "C11", "marts.crypto_daily"),
])
def test_a_missing_series_makes_its_claim_not_judged_naming_the_series(dropped, claim, mart):
    card = scorecard(short_staging(drop=dropped))[claim]
    assert card["verdict"] == "insufficient data"
    assert f"{mart} has insufficient data (no data for required series {dropped[0]})" in card["evidence"]


def test_c11_says_its_political_part_is_outside_the_data():
    assert "Not tested, outside the data" in scorecard(short_staging())["C11"]["evidence"]


def test_every_market_mart_is_declared_for_its_claim():
    names = {spec.name: spec.claim_ids for spec in registered_marts()}
    for name, claim in [("marts.policy_proxy_daily", "C1"), ("marts.policy_sensitivity_by_year", "C1"),
                        ("marts.vol_target_daily", "C2"), ("marts.cta_trend_daily", "C3"),
                        ("marts.buyback_window_calendar", "C4"), ("marts.buyback_window_returns_by_year", "C4"),
                        ("marts.vix_term_structure_daily", "C5"), ("marts.crypto_daily", "C11"),
                        ("marts.crypto_drawdown_by_year", "C11")]:
        assert names[name] == (claim,)
        assert len(mart_spec(name).description) > 400  # method and limits, for the analyst
