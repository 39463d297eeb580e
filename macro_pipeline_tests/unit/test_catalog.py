"""The packaged catalog loads, covers the snapshot, and every broken copy is refused with a precise message."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from macro_pipeline.catalog import (
    PACKAGED_CATALOG_DIR,
    SERIES_ID_PATTERN,
    CatalogError,
    load_catalog,
    validate_series_id,
)
from macro_pipeline.settings import PROJECT_ROOT

CATALOG_FILES = ("series.csv", "units.csv", "claims.csv", "indicators.csv", "consistency.csv")
MANIFEST = PROJECT_ROOT / "data" / "fred_snapshot" / "MANIFEST.csv"


# ---------------------------------------------------------------------------------------------- helpers


def copy_catalog(tmp_path: Path) -> Path:
    """A private copy of the packaged catalog (load_catalog caches per directory: one dir per test)."""
    root = tmp_path / "catalog"
    root.mkdir()
    for name in CATALOG_FILES:
        shutil.copy(PACKAGED_CATALOG_DIR / name, root / name)
    return root


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def edit_row(path: Path, key: str, key_value: str, **changes: str) -> None:
    header, rows = read_rows(path)
    hits = [r for r in rows if r[key] == key_value]
    assert len(hits) == 1, f"{key_value} not found once in {path.name}"
    hits[0].update(changes)
    write_rows(path, header, rows)


def load_error(root: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    return str(info.value)


# ---------------------------------------------------------------------------------------------- packaged catalog


def test_packaged_catalog_loads_with_typed_columns():
    catalog = load_catalog()
    series = catalog.series
    assert series.height == 71
    assert series["series_id"].to_list() == sorted(series["series_id"].to_list())
    assert str(series.schema["unit_scale"]) == "Float64"
    assert str(series.schema["claim_ids"]) == "List(String)"
    walcl = series.filter(series["series_id"] == "WALCL").row(0, named=True)
    assert walcl["unit_id"] == "usd_mn"
    assert walcl["unit_scale"] == 1e6
    assert walcl["frequency"] == "W"
    assert walcl["date_rule"] == "wednesday"
    assert walcl["claim_ids"] == ["C8"]
    sp500 = series.filter(series["series_id"] == "SP500").row(0, named=True)
    assert sp500["claim_ids"] == ["C1", "C2", "C3", "C4", "C5"]
    assert catalog.claims["claim_id"].to_list() == [f"C{i}" for i in range(1, 13)]
    assert "C8" in set(catalog.indicators["claim_id"].to_list())


def test_every_snapshot_series_is_in_the_catalog():
    manifest_ids = [r["series_id"] for r in csv.DictReader(io.StringIO(MANIFEST.read_text(encoding="utf-8")))]
    assert len(manifest_ids) == 68
    catalog_ids = set(load_catalog().series_ids())
    assert sorted(set(manifest_ids) - catalog_ids) == []
    # and the catalog's extra series are the ones the snapshot says it lacks (reported missing, never made up)
    assert sorted(catalog_ids - set(manifest_ids)) == ["B935RY2Q224SBEA", "B985RY2Q224SBEA", "Y034RY2Q224SBEA"]


def test_catalog_ids_are_unique_and_fred_syntax():
    ids = load_catalog().series_ids()
    assert len(ids) == len(set(ids))
    for series_id in ids:
        assert re.fullmatch(SERIES_ID_PATTERN, series_id), series_id
        assert validate_series_id(series_id) == series_id


def test_every_series_unit_is_a_known_unit_and_claims_are_known():
    catalog = load_catalog()
    units = set(catalog.units["unit_id"].to_list())
    claims = set(catalog.claims["claim_id"].to_list())
    for row in catalog.series.iter_rows(named=True):
        assert row["unit_id"] in units, row["series_id"]
        assert row["claim_ids"] and set(row["claim_ids"]) <= claims, row["series_id"]


def test_load_catalog_is_cached_per_directory(tmp_path):
    root = copy_catalog(tmp_path)
    first = load_catalog(root)
    assert load_catalog(str(root)) is first  # same resolved directory: same object
    assert load_catalog(root) is not load_catalog()


def test_a_copy_of_the_packaged_catalog_loads_the_same(tmp_path):
    copy = load_catalog(copy_catalog(tmp_path))
    assert copy.series.equals(load_catalog().series)
    assert copy.units.equals(load_catalog().units)


# ---------------------------------------------------------------------------------------------- series ids


@pytest.mark.parametrize("series_id", ["GDP", "WALCL", "A191RL1Q225SBEA", "CES5051800001", "DGS10", "A_B", "9"])
def test_validate_series_id_accepts_fred_ids(series_id):
    assert validate_series_id(series_id) == series_id


@pytest.mark.parametrize("series_id", [
    "GDP;DROP TABLE x", "../etc/passwd", "gdp", "Gdp", "", "GDP X", " GDP", "GDP ", "GDP'", 'GDP"', "'; --",
    "GDP\n", "GDP-1", "GDP.csv", "_GDP", "A" * 41, "GDP/..", "ÄGDP",
])
def test_validate_series_id_refuses_anything_else(series_id):
    with pytest.raises(CatalogError) as info:
        validate_series_id(series_id)
    assert repr(series_id) in str(info.value)


@pytest.mark.parametrize("value", [None, 123, b"GDP", ["GDP"]])
def test_validate_series_id_refuses_non_strings(value):
    with pytest.raises(CatalogError):
        validate_series_id(value)


def test_forty_character_id_is_the_longest_accepted():
    assert validate_series_id("A" * 40) == "A" * 40


# ---------------------------------------------------------------------------------------------- broken copies


# (file, key column, row, changes, words the error must contain): each a copy of the catalog with one cell broken
BROKEN_CELLS = {
    "bad series id syntax": ("series.csv", "series_id", "UNRATE", {"series_id": "GDP;DROP TABLE"},
                             ["GDP;DROP TABLE", "syntax"]),
    "lower-case series id": ("series.csv", "series_id", "UNRATE", {"series_id": "unrate"}, ["'unrate'"]),
    "unknown unit": ("series.csv", "series_id", "UNRATE", {"unit_id": "furlongs"}, ["['UNRATE']", "unit_id"]),
    "unknown frequency": ("series.csv", "series_id", "DFF", {"frequency": "X"}, ["['DFF']", "frequency"]),
    # a monthly series dated on Wednesdays is a catalog error
    "date rule not fitting the frequency": ("series.csv", "series_id", "UNRATE", {"date_rule": "wednesday"},
                                            ["['UNRATE']", "date_rule"]),
    "unknown date rule": ("series.csv", "series_id", "GDP", {"date_rule": "every_other_tuesday"},
                          ["['GDP']", "date_rule"]),
    "unknown claim": ("series.csv", "series_id", "SP500", {"claim_ids": "C1;C13"}, ["['SP500']", "claim_ids"]),
    "empty claim ids": ("series.csv", "series_id", "SP500", {"claim_ids": ""}, ["['SP500']", "claim_ids"]),
    "unit scale as words": ("series.csv", "series_id", "GDP", {"unit_scale": "a billion"}, ["['GDP']", "unit_scale"]),
    "blank unit scale": ("series.csv", "series_id", "GDP", {"unit_scale": ""}, ["['GDP']", "unit_scale"]),
    "zero unit scale": ("series.csv", "series_id", "GDP", {"unit_scale": "0"}, ["['GDP']", "unit_scale"]),
    "negative unit scale": ("series.csv", "series_id", "GDP", {"unit_scale": "-1e9"}, ["['GDP']", "unit_scale"]),
    "unit scale disagreeing with its unit": ("series.csv", "series_id", "WALCL", {"unit_scale": "1e9"},
                                             ["['WALCL']", "unit_scale equals the scale of its unit_id"]),
    "unknown seasonal adjustment": ("series.csv", "series_id", "PAYEMS", {"seasonal_adjustment": "XSA"},
                                    ["['PAYEMS']", "seasonal_adjustment"]),
    "empty title": ("series.csv", "series_id", "PAYEMS", {"title": ""}, ["['PAYEMS']", "title"]),
    "blank unit": ("series.csv", "series_id", "UNRATE", {"unit_id": ""}, ["['UNRATE']", "unit_id"]),
    "blank seasonal adjustment": ("series.csv", "series_id", "UNRATE", {"seasonal_adjustment": ""},
                                  ["['UNRATE']", "seasonal_adjustment"]),
    "blank kind": ("series.csv", "series_id", "UNRATE", {"kind": ""}, ["['UNRATE']", "kind"]),
    "blank aggregation": ("series.csv", "series_id", "UNRATE", {"aggregation": ""}, ["['UNRATE']", "aggregation"]),
    "step ratio not above 1": ("series.csv", "series_id", "GDP", {"max_step_ratio": "0.5"},
                               ["['GDP']", "max_step_ratio"]),
    "units min equal to max": ("units.csv", "unit_id", "pct", {"plausible_min": "100", "plausible_max": "100"},
                               ["['pct']", "plausible_min < plausible_max"]),
    "units min above max": ("units.csv", "unit_id", "pct", {"plausible_min": "101", "plausible_max": "100"},
                            ["['pct']", "plausible_min < plausible_max"]),
    "units bound not a number": ("units.csv", "unit_id", "usd_mn", {"plausible_max": "lots"}, ["['usd_mn']"]),
    "base unit that is not its own base": ("units.csv", "unit_id", "usd_mn", {"base_unit_id": "usd_mn_x"},
                                           ["['usd_mn']", "base_unit_id"]),
    "claim id beyond C12": ("claims.csv", "claim_id", "C12", {"claim_id": "C13"}, ["['C13']"]),
    "indicator with an unknown claim": ("indicators.csv", "indicator_id", "net_liquidity_usd_bn",
                                        {"claim_id": "C99"}, ["['net_liquidity_usd_bn']", "claim_id"]),
    "indicator with a blank claim": ("indicators.csv", "indicator_id", "net_liquidity_usd_bn", {"claim_id": ""},
                                     ["['net_liquidity_usd_bn']", "claim_id"]),
    "indicator id not snake case": ("indicators.csv", "indicator_id", "net_liquidity_usd_bn",
                                    {"indicator_id": "NetLiquidity"}, ["['NetLiquidity']"]),
    "indicator without a unit": ("indicators.csv", "indicator_id", "net_liquidity_usd_bn", {"unit": ""},
                                 ["['net_liquidity_usd_bn']", "unit"]),
}


@pytest.mark.parametrize("case", list(BROKEN_CELLS))
def test_a_broken_cell_is_refused_naming_file_row_and_rule(tmp_path, case):
    name, key, row, changes, words = BROKEN_CELLS[case]
    root = copy_catalog(tmp_path)
    edit_row(root / name, key, row, **changes)
    msg = load_error(root)
    assert msg.startswith(f"{name}: "), msg
    for word in words:
        assert word in msg, f"{word!r} not in {msg!r}"


@pytest.mark.parametrize(("name", "key"), [("series.csv", "series_id"), ("units.csv", "unit_id")])
def test_a_duplicated_row_is_refused_as_not_unique(tmp_path, name, key):
    root = copy_catalog(tmp_path)
    header, rows = read_rows(root / name)
    write_rows(root / name, header, [*rows, dict(rows[-1])])
    msg = load_error(root)
    assert msg.startswith(f"{name}: ") and rows[-1][key] in msg and "unique" in msg, msg


def test_missing_column(tmp_path):
    root = copy_catalog(tmp_path)
    header, rows = read_rows(root / "series.csv")
    header.remove("license_note")
    for r in rows:
        del r["license_note"]
    write_rows(root / "series.csv", header, rows)
    msg = load_error(root)
    assert "series.csv" in msg
    assert "['license_note']" in msg


@pytest.mark.parametrize("name", CATALOG_FILES)
def test_empty_file(tmp_path, name):
    root = copy_catalog(tmp_path)
    (root / name).write_text("", encoding="utf-8")
    msg = load_error(root)
    assert msg == f"{name} is empty"


@pytest.mark.parametrize("name", CATALOG_FILES)
def test_missing_file(tmp_path, name):
    root = copy_catalog(tmp_path)
    (root / name).unlink()
    msg = load_error(root)
    assert name in msg and "missing" in msg


def test_a_broken_copy_does_not_poison_the_packaged_catalog(tmp_path):
    root = copy_catalog(tmp_path)
    edit_row(root / "series.csv", "series_id", "UNRATE", unit_id="furlongs")
    load_error(root)
    assert "UNRATE" in load_catalog().series_ids()
