"""Clean numbers and kinds: every published value's unit declares its precision, rounding happens at publish,
every indicator declares its kind, and the scorecard orders claims and speaks of changes in percentage points."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from macro_pipeline.catalog import (
    PACKAGED_CATALOG_DIR,
    CatalogError,
    load_catalog,
    parse_unit_precision,
    unit_precision,
)
from macro_pipeline.schemas import ClaimsScorecard, table, tables
from macro_pipeline.transforms.scorecard import change_unit, claims_scorecard, load_rules
from macro_pipeline.warehouse.precision import rounded_select_list


def test_every_published_number_has_a_declared_precision() -> None:
    """A new unit on a published DOUBLE column (or an indicator) must be declared in unit_precision.csv."""
    precision = unit_precision()
    undeclared = sorted({f"{t.name}.{c.name} ({c.unit})" for t in tables() if t.published for c in t.columns
                         if c.duckdb_type == "DOUBLE" and c.unit and not c.unit.startswith("see ")
                         and c.unit not in precision})
    assert undeclared == []
    indicator_units = set(load_catalog().indicators["unit"].to_list())
    assert indicator_units - set(precision) == set()


@pytest.mark.parametrize(("text", "message"), [
    ("unit,decimals,rationale\npercent,two,why\n", "decimals is a whole number"),
    ("unit,decimals,rationale\npercent,-1,why\n", "decimals is a whole number"),
    ("unit,decimals,rationale\npercent,2,why\npercent,3,why\n", "unique"),
    ("unit,decimals,rationale\npercent,2,\n", "says why"),
    ("unit,decimals\npercent,2\n", "missing columns"),
])
def test_a_bad_precision_file_is_refused(text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_unit_precision(text)


def test_publish_rounds_double_columns_by_their_unit_and_copies_the_rest() -> None:
    spec = table("marts.net_liquidity")
    select = rounded_select_list(spec, {"billions of U.S. dollars": 3})
    con = duckdb.connect()
    con.execute('CREATE TABLE t (week_date DATE, fed_total_assets_usd_bn DOUBLE, tga_usd_bn DOUBLE, '
                'on_rrp_usd_bn DOUBLE, net_liquidity_usd_bn DOUBLE, net_liquidity_change_13w_usd_bn DOUBLE, '
                'fed_total_assets_change_13w_usd_bn DOUBLE, treasury_and_rrp_change_13w_usd_bn DOUBLE, '
                'complete BOOLEAN)')
    con.execute("INSERT INTO t VALUES ('2026-01-07', 959.4350000000001, 1, 2, 3, -89.09500000000116, 5, 6, true)")
    row = con.execute(f"SELECT {select} FROM t").fetchone()
    assert row[1] == 959.435 and row[5] == -89.095 and row[0] == dt.date(2026, 1, 7) and row[-1] is True
    assert "round" not in rounded_select_list(spec, {})


def copy_catalog(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    root.mkdir()
    for name in ("series.csv", "units.csv", "claims.csv", "indicators.csv"):
        shutil.copy(PACKAGED_CATALOG_DIR / name, root / name)
    return root


def test_every_packaged_indicator_declares_its_kind_and_the_computed_shares_are_model_values() -> None:
    indicators = load_catalog().indicators
    assert set(indicators["kind"].to_list()) <= {"observed", "projection", "model"}
    kinds = dict(zip(indicators["indicator_id"], indicators["kind"], strict=True))
    assert kinds["datacenter_share_of_us_electricity_low_pct"] == "model"
    assert kinds["datacenter_share_published_low_pct"] == "observed"


@pytest.mark.parametrize("kind", ["", "forecast"])
def test_an_indicator_without_a_known_kind_is_refused(tmp_path: Path, kind: str) -> None:
    root = copy_catalog(tmp_path)
    path = root / "indicators.csv"
    lines = path.read_text().splitlines()
    # an appended row written before the kind column existed: one column short
    row = lines[1].rsplit(",", 1)[0] + ("," + kind if kind else "")
    path.write_text("\n".join([lines[0], row, *lines[2:]]) + "\n")
    with pytest.raises(CatalogError, match=r"kind is one of"):
        load_catalog(root)


def test_scorecard_has_a_numeric_claim_order_and_sorts_by_it() -> None:
    catalog = load_catalog()
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    empty = pl.DataFrame(schema={"indicator_id": pl.String, "claim_id": pl.String, "date": pl.Date,
                                 "value": pl.Float64, "unit": pl.String, "source": pl.String, "as_of": pl.Date,
                                 "kind": pl.String})
    shuffled = catalog.claims.sort("claim_id", descending=True)  # C9, C8, ..., C12, C11, C10, C1
    card = claims_scorecard(empty, rules, shuffled, dt.date(2026, 11, 26))
    assert card["claim_id"].to_list() == [f"C{i}" for i in range(1, 13)]
    assert card["claim_order"].to_list() == list(range(1, 13))
    ClaimsScorecard.validate(card)


def test_a_change_of_a_percentage_is_in_percentage_points() -> None:
    assert change_unit("percent") == "percentage points"
    assert change_unit("percent, SAAR") == "percentage points, SAAR"
    assert change_unit("percentage points at annual rate") == "percentage points at annual rate"
    assert change_unit("billions of U.S. dollars") == "billions of U.S. dollars"
    catalog = load_catalog()
    rules = load_rules(PACKAGED_CATALOG_DIR / "claim_rules.csv", catalog.indicators, catalog.claims)
    values = pl.DataFrame({"indicator_id": ["datacenter_share_of_us_electricity_low_pct"] * 2,
                           "claim_id": ["C10"] * 2, "date": [dt.date(2023, 1, 1), dt.date(2024, 1, 1)],
                           "value": [4.39, 4.45], "unit": ["percent"] * 2, "source": ["s"] * 2,
                           "as_of": [dt.date(2026, 11, 26)] * 2, "kind": ["model"] * 2})
    card = claims_scorecard(values, rules, catalog.claims, dt.date(2026, 11, 26))
    evidence = card.filter(pl.col("claim_id") == "C10")["evidence"][0]
    assert "change over 1 year = +0.06 percentage points" in evidence
    assert "+0.06 percent " not in evidence
