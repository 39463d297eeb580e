"""The optimised paths refuse exactly what the old ones did: each is compared with the old implementation (kept
here as the oracle) on the bad-input cases of test_raw_parse / test_staging / test_bad_inputs and on generated
frames.

* the snapshot source's one multi-file read vs ``parse_observations_csv`` file by file;
* ``validate_screened`` (one vectorised pass, pandera only on failure) vs pandera's ``validate``;
* the level-shift rule's sorted-neighbour comparison vs the ``over("series_id", order_by="date")`` window;
* the merge into an empty store (one INSERT) vs the general merge.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macro_pipeline.catalog import load_catalog
from macro_pipeline.schemas.raw import Delivery
from macro_pipeline.schemas.staging import StagingValidation, previous_value_in_series
from macro_pipeline.sources import SnapshotSource, SourceError
from macro_pipeline.sources.snapshot import MANIFEST_COLUMNS, UNREADABLE_CSV
from macro_pipeline.transforms.raw import DELIVERY_SCHEMA, ObservationParseError, parse_observations_csv
from macro_pipeline.transforms.validation import validate, validate_screened

VINTAGE = dt.date(2026, 11, 26)
GOOD = "date,value\n2020-01-01,1\n2020-02-01,2.5\n2020-03-01,.\n2020-04-01,\n"

# file texts: every kind of bad (and odd but good) file of test_raw_parse and test_bad_inputs, and the
# characters the fast path must not misread (str.splitlines() breaks, quotes, its own separator, a BOM)
FILE_CASES = {
    "good": GOOD,
    "good crlf": GOOD.replace("\n", "\r\n"),
    "good bom": "\ufeff" + GOOD,
    "good no final newline": GOOD.rstrip("\n"),
    "good spaces": "date,value\n 2020-01-01 , 1 \n2020-02-01, . \n",
    "good float formats": "date,value\n2026-07-22,6747378.0000000000\n2026-07-29,-0.5e3\n",
    "header only": "date,value\n",
    "header only no newline": "date,value",
    "empty": "",
    "blank": "   \n",
    "wrong header": "DATE,VALUE\n2020-01-01,1\n",
    "extra header column": "date,value,note\n2020-01-01,1,x\n",
    "ragged extra field": "date,value\n2020-01-01,1\n2020-02-01,2,3\n2020-03-01,4\n",
    "missing field": "date,value\n2020-01-01,1\n2020-02-01\n",
    "non-numeric": "date,value\n2020-01-01,1\n2020-02-01,abc\n2020-03-01,2\n2020-04-01,N/A\n",
    "percent": "date,value\n2020-01-01,14.8%\n",
    "bad dates": "date,value\n2020-13-01,1\n2020-02-30,2\n01/02/2020,3\nyesterday,4\n2020,5\n2020-1-01,6\n",
    "dates out of order": "date,value\n2020-01-01,1\n2020-03-01,3\n2020-02-01,2\n",
    "blank line inside": "date,value\n2020-01-01,1\n\n2020-02-01,2\n",
    "quoted value": 'date,value\n2020-01-01,"1"\n',
    "quoted comma": 'date,value\n2020-01-01,"1,5"\n',
    "form feed mid-line": "date,value\n2020-01-01\x0c,1\n",
    "form feed at the end": "date,value\n2020-01-01,1\x0c\n",
    "vertical tab": "date,value\n2020-01-01,1\x0b2020-02-01,2\n",
    "unit separator": "date,value\n2020-01-01,1\x1f5\n",
    "lone carriage return": "date,value\n2020-01-01,1\r2020-02-01,2\n",
    "unicode line separator": "date,value\n2020-01-01,1\u20282020-02-01,2\n",
    "nan and inf text": "date,value\n2020-01-01,NaN\n2020-02-01,inf\n2020-03-01,-inf\n",
    "many bad rows": "date,value\n" + "".join(f"2020-01-{d:02d},bad\n" for d in range(1, 16)),
    "only spaces line": "date,value\n2020-01-01,1\n   \n",
}


def old_outcome(series_id: str, data: bytes, rows: str):
    """What the source did before: one file at a time through parse_observations_csv (the oracle)."""
    try:
        frame = parse_observations_csv(series_id, data.decode("utf-8"), VINTAGE)
    except (ObservationParseError, ValueError) as err:
        return "error", str(err).removeprefix(f"series {series_id}: ")
    except pl.exceptions.PolarsError as err:
        # the old source let this escape unnamed (a vertical tab splits a line for str.splitlines() only); the
        # source now names the series with polars' message
        return "error", f"{UNREADABLE_CSV}: {str(err).splitlines()[0]}"
    if str(frame.height) != rows:
        return "error", f"{frame.height} rows, MANIFEST.csv says {rows}"
    return "rows", comparable(frame.rows())


def comparable(rows: list[tuple]) -> list[tuple]:
    """NaN compares unequal to itself: spell it out."""
    return [tuple("NaN" if isinstance(x, float) and math.isnan(x) else x for x in row) for row in rows]


def write_snapshot(root: Path, files: dict[str, bytes], rows: dict[str, str] | None = None) -> None:
    (root / "series").mkdir(parents=True)
    (root / "README.md").write_text(f"Snapshot date: {VINTAGE.isoformat()}\n", encoding="utf-8")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for sid, data in files.items():
        (root / "series" / f"{sid}.csv").write_bytes(data)
        count = (rows or {}).get(sid) or str(max(len(data.decode("utf-8", "replace").splitlines()) - 1, 0))
        writer.writerow({"series_id": sid, "title": sid, "units": "u", "frequency": "D", "first_date": "",
                         "last_date": "", "rows": count, "sha256": hashlib.sha256(data).hexdigest(), "notes": ""})
    (root / "MANIFEST.csv").write_text(out.getvalue(), encoding="utf-8")


def manifest_rows(root: Path) -> dict[str, str]:
    return {r["series_id"]: r["rows"] for r in csv.DictReader(io.StringIO((root / "MANIFEST.csv").read_text()))}


def new_outcomes(root: Path, ids: list[str]) -> dict[str, tuple]:
    try:
        delivery = SnapshotSource(snapshot_dir=str(root)).fetch(ids, None)
    except SourceError as err:
        return {sid: ("error", msg) for sid, msg in err.failures.items()}
    # the vintages step adds each row's completeness after the read: 'complete' for a snapshot's own file
    assert delivery.observations["vintage_completeness"].eq("complete").all()
    obs = delivery.observations.drop("vintage_completeness")
    return {sid: ("rows", comparable(obs.filter(pl.col("series_id") == sid).rows())) for sid in ids}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_the_multi_file_read_gives_what_the_file_by_file_parser_gave(tmp_path, case):
    ids = ["CLEANA", "CASE", "CLEANB"]  # the case among good files: one read of all three
    files = {"CLEANA": GOOD.encode(), "CASE": FILE_CASES[case].encode(), "CLEANB": GOOD.encode()}
    write_snapshot(tmp_path / "snap", files)
    rows = manifest_rows(tmp_path / "snap")
    expected = {sid: old_outcome(sid, files[sid], rows[sid]) for sid in ids}
    got = new_outcomes(tmp_path / "snap", ids)
    if any(kind == "error" for kind, _ in expected.values()):
        # the source refuses the whole delivery and names exactly the failing series with the same message
        assert got == {sid: v for sid, v in expected.items() if v[0] == "error"}
    else:
        assert got == expected


def test_every_case_at_once_fails_with_the_same_messages(tmp_path):
    files = {f"S{i:03d}": text.encode() for i, text in enumerate(FILE_CASES.values())}
    write_snapshot(tmp_path / "snap", files)
    rows = manifest_rows(tmp_path / "snap")
    expected = {sid: old_outcome(sid, data, rows[sid]) for sid, data in files.items()}
    failing = {sid: v for sid, v in expected.items() if v[0] == "error"}
    assert len(failing) > 15 and len(failing) < len(files)  # the list holds good and bad files
    assert new_outcomes(tmp_path / "snap", list(files)) == failing


def test_a_wrong_manifest_row_count_is_the_same_error(tmp_path):
    files = {"A": GOOD.encode(), "B": GOOD.encode()}
    write_snapshot(tmp_path / "snap", files, rows={"B": "7"})
    assert new_outcomes(tmp_path / "snap", ["A", "B"]) == {"B": ("error", "4 rows, MANIFEST.csv says 7")}


def test_the_real_snapshot_reads_the_same_as_file_by_file():
    from macro_pipeline.settings import PROJECT_ROOT
    from macro_pipeline.sources.snapshot import read_manifest

    root = PROJECT_ROOT / "data" / "fred_snapshot"
    manifest = read_manifest(root)
    ids = sorted(manifest)
    # the snapshot's own files (its vintages/ add earlier releases: tested in test_snapshot_vintages.py)
    got = (SnapshotSource(snapshot_dir=str(root)).fetch(ids, None).observations
           .filter(pl.col("realtime_start") == VINTAGE).drop("vintage_completeness"))
    expected = pl.concat([parse_observations_csv(sid, (root / "series" / f"{sid}.csv").read_text(), VINTAGE)
                          for sid in ids])
    key = ["series_id", "date"]
    assert got.sort(key).equals(expected.sort(key))


# ---------------------------------------------------------------------------------------------- symlinks


def test_a_symlinked_series_file_is_refused_without_reading_its_target(tmp_path):
    secret = tmp_path / "outside.csv"
    secret_text = "date,value\nroot:x:0:0:TOPSECRET,1\n"
    secret.write_text(secret_text)
    files = {"GOODONE": GOOD.encode(), "LINKED": secret_text.encode()}
    write_snapshot(tmp_path / "snap", files)  # the manifest even carries the target's sha256 and row count
    link = tmp_path / "snap" / "series" / "LINKED.csv"
    link.unlink()
    os.symlink(secret, link)
    with pytest.raises(SourceError) as info:
        SnapshotSource(snapshot_dir=str(tmp_path / "snap")).fetch(["GOODONE", "LINKED"], None)
    assert list(info.value.failures) == ["LINKED"]
    assert "a link to a file outside the snapshot folder" in info.value.failures["LINKED"]
    assert "TOPSECRET" not in str(info.value) and "root:x" not in str(info.value)


# ---------------------------------------------------------------------------------------------- unchanged series


def test_a_series_whose_file_is_unchanged_is_not_delivered_again(tmp_path):
    root = tmp_path / "snap"
    write_snapshot(root, {"AAA": GOOD.encode(), "BBB": GOOD.encode()})
    source = SnapshotSource(snapshot_dir=str(root))
    first = source.fetch(["AAA", "BBB"], None)
    stored = first.outcome_frame()
    assert stored["status"].to_list() == ["fetched", "fetched"]
    second = source.fetch(["AAA", "BBB"], stored)
    assert [(o.series_id, o.status, o.rows) for o in second.outcomes] == [("AAA", "unchanged", 0),
                                                                         ("BBB", "unchanged", 0)]
    assert second.observations.height == 0
    assert second.observations.schema == pl.Schema({**DELIVERY_SCHEMA, "vintage_completeness": pl.String})
    # one file changes (a consistent manifest): only it is delivered
    changed = GOOD + "2020-05-01,9\n"
    (root / "series" / "BBB.csv").write_text(changed)
    write_snapshot(tmp_path / "snap2", {"AAA": GOOD.encode(), "BBB": changed.encode()})
    (root / "MANIFEST.csv").write_bytes((tmp_path / "snap2" / "MANIFEST.csv").read_bytes())
    third = source.fetch(["AAA", "BBB"], stored)
    assert [(o.series_id, o.status) for o in third.outcomes] == [("AAA", "unchanged"), ("BBB", "fetched")]
    assert set(third.observations["series_id"].to_list()) == {"BBB"}


def test_an_unchanged_series_is_still_verified_against_the_manifest(tmp_path):
    root = tmp_path / "snap"
    write_snapshot(root, {"AAA": GOOD.encode()})
    source = SnapshotSource(snapshot_dir=str(root))
    stored = source.fetch(["AAA"], None).outcome_frame()
    (root / "series" / "AAA.csv").write_text(GOOD.replace("2.5", "3.5"))  # manifest not updated
    with pytest.raises(SourceError, match="sha256"):
        source.fetch(["AAA"], stored)


# ---------------------------------------------------------------------------------------------- validation screen


def staging_frame(rows: list[tuple]) -> pl.DataFrame:
    """(series_id, date, value, realtime_start) rows joined with the catalog, as stage_observations does."""
    catalog = load_catalog()
    frame = pl.DataFrame(rows, schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64,
                                       "realtime_start": pl.Date}, orient="row")
    from macro_pipeline.transforms.staging import with_base_units

    rules = ["max_step_ratio", "ratio_floor", "max_step_abs", "max_step_p99_multiple"]  # the glitch guard's
    joined = with_base_units(frame.join(catalog.series.select("series_id", "unit_id", "date_rule", *rules),
                                        on="series_id", how="left"), catalog.units)
    return (joined.join(catalog.units.select("unit_id", "plausible_min", "plausible_max"), on="unit_id", how="left")
            .sort("series_id", "date", "realtime_start"))


V = VINTAGE
STAGING_CASES = {
    "clean": [("UNRATE", dt.date(2026, 1, 1), 4.1, V), ("WALCL", dt.date(2026, 1, 7), 6573602.0, V)],
    "out of range": [("UNRATE", dt.date(2026, 3, 1), 430.0, V)],
    "below minimum and a step": [("WALCL", dt.date(2026, 1, 14), -1.0, V)],  # after the clean 2026-01-07
    "mid-month": [("CPIAUCSL", dt.date(2026, 1, 15), 320.0, V)],
    "tuesday for wednesday": [("WALCL", dt.date(2026, 1, 6), 6573602.0, V)],
    "saturday for weekday": [("DGS10", dt.date(2026, 1, 3), 4.2, V)],
    "future": [("GDP", dt.date(2027, 1, 1), 31000.0, V)],
    "nan": [("UNRATE", dt.date(2026, 3, 1), float("nan"), V)],
    "inf": [("UNRATE", dt.date(2026, 3, 1), math.inf, V)],
    "not in the catalog": [("NOTACATALOGSERIES", dt.date(2026, 1, 1), 1.0, V)],
    "bad id": [("gdp", dt.date(2026, 1, 1), 1.0, V)],
    "unit change": [("CPIAUCSL", dt.date(2025, m, 1), (320.0 + m) * (1000 if m >= 5 else 1), V) for m in range(1, 7)],
    "null in the chain": [("M2SL", dt.date(2025, 1, 1), 22000.0, V), ("M2SL", dt.date(2025, 2, 1), None, V),
                          ("M2SL", dt.date(2025, 3, 1), 22100000.0, V)],
}


def same_report(a, b) -> bool:
    return a.failures.sort(a.failures.columns, nulls_last=True).equals(
        b.failures.sort(b.failures.columns, nulls_last=True))


@pytest.mark.parametrize("case", list(STAGING_CASES))
def test_the_screen_reports_what_pandera_reports_on_the_staging_cases(case):
    frame = staging_frame(STAGING_CASES["clean"] + STAGING_CASES[case])
    screened, pandera = validate_screened(StagingValidation, frame), validate(StagingValidation, frame)
    assert screened.ok == pandera.ok == (case == "clean")
    assert same_report(screened, pandera)


def delivery_frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=DELIVERY_SCHEMA, orient="row").sort("series_id", "date", "realtime_start")


OPEN = dt.date(9999, 12, 31)
DELIVERY_CASES = {
    "clean": [("GDP", dt.date(2020, 1, 1), 1.0, V, OPEN), ("UNRATE", dt.date(2020, 1, 1), None, V, OPEN)],
    "nan": [("DGS10", dt.date(2020, 1, 3), math.nan, V, OPEN)],
    "minus inf": [("DGS10", dt.date(2020, 1, 3), -math.inf, V, OPEN)],
    "bad id": [("gdp", dt.date(2020, 1, 1), 1.0, V, OPEN)],
    "reversed realtime": [("GDP", dt.date(2020, 4, 1), 1.0, V, V - dt.timedelta(days=1))],
    "null id": [(None, dt.date(2020, 4, 1), 1.0, V, OPEN)],
    "null date": [("GDP", None, 1.0, V, OPEN)],
}


@pytest.mark.parametrize("case", list(DELIVERY_CASES))
def test_the_screen_reports_what_pandera_reports_on_the_delivery_cases(case):
    frame = delivery_frame(DELIVERY_CASES["clean"] + DELIVERY_CASES[case])
    screened, pandera = validate_screened(Delivery, frame), validate(Delivery, frame)
    assert screened.ok == pandera.ok == (case == "clean")
    assert same_report(screened, pandera)


def test_a_missing_or_mistyped_column_goes_to_pandera():
    frame = delivery_frame(DELIVERY_CASES["clean"])
    for broken in (frame.drop("realtime_end"), frame.with_columns(pl.col("value").cast(pl.String))):
        screened, pandera = validate_screened(Delivery, broken), validate(Delivery, broken)
        assert not screened.ok
        assert same_report(screened, pandera)


SERIES = ["UNRATE", "CPIAUCSL", "WALCL", "M2SL", "DGS10", "gdp", "NOTINCATALOG"]
staging_rows = st.lists(st.tuples(
    st.sampled_from(SERIES),
    st.dates(dt.date(2025, 1, 1), dt.date(2027, 2, 1)),
    st.one_of(st.none(), st.just(math.nan), st.just(math.inf), st.floats(-1e8, 1e8, allow_nan=False)),
    st.dates(dt.date(2026, 11, 1), dt.date(2026, 12, 1)),
), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(staging_rows)
def test_property_the_screen_and_pandera_fail_the_same_rows(rows):
    frame = staging_frame(rows)
    screened, pandera = validate_screened(StagingValidation, frame), validate(StagingValidation, frame)
    assert screened.ok == pandera.ok
    assert same_report(screened, pandera)


# ---------------------------------------------------------------------------------------------- level shift


def old_previous_value() -> pl.Expr:
    """The level-shift rule's previous value as it was: a window per series ordered by date (the oracle)."""
    return pl.col("value").forward_fill().shift(1).over("series_id", order_by="date")


level_rows = st.lists(st.tuples(
    st.sampled_from(["A", "B", "C"]),
    st.integers(0, 30),
    st.one_of(st.none(), st.just(math.nan), st.floats(-1e6, 1e6, allow_nan=False)),
    st.integers(0, 2),  # the vintage: a delivery may hold several vintages of one date
), min_size=1, max_size=60, unique_by=lambda r: (r[0], r[1], r[3]))


@settings(max_examples=300, deadline=None)
@given(level_rows)
def test_property_the_neighbour_comparison_gives_the_windows_previous_value(rows):
    frame = pl.DataFrame(
        [(s, dt.date(2020, 1, 1) + dt.timedelta(days=d), v, dt.date(2026, 1, 1) + dt.timedelta(days=k))
         for s, d, v, k in rows],
        schema={"series_id": pl.String, "date": pl.Date, "value": pl.Float64, "realtime_start": pl.Date},
        orient="row").sort("series_id", "date", "realtime_start")  # as stage_observations sorts
    got = frame.select(previous_value_in_series().alias("p"))["p"].to_list()
    expected = frame.select(old_previous_value().alias("p"))["p"].to_list()
    assert [None if x is None else ("nan" if math.isnan(x) else x) for x in got] == \
        [None if x is None else ("nan" if math.isnan(x) else x) for x in expected]


# ---------------------------------------------------------------------------------------------- first load


def test_the_first_load_stores_what_the_general_merge_stores(tmp_path):
    from macro_pipeline.warehouse import Warehouse
    from macro_pipeline.warehouse.raw_store import merge_delivery

    body = "2020-01-01,1.0\n2020-04-01,2.0\n2020-07-01,\n"
    delivery = pl.concat([parse_observations_csv(s, "date,value\n" + body, VINTAGE) for s in ("GDP", "UNRATE")])
    other = parse_observations_csv("ZZZ", "date,value\n2019-01-01,5\n", VINTAGE)
    loaded = dt.datetime(2026, 11, 26, 12)
    results, stores = [], []
    for name, before in (("empty", None), ("general", other)):
        with Warehouse(data_dir=str(tmp_path / name)).connect() as con:
            if before is not None:  # a store that holds something takes the general path
                merge_delivery(con, before, "earlier", loaded)
            results.append(merge_delivery(con, delivery, "snap", loaded))
            stores.append(con.execute("SELECT * FROM raw.observations WHERE series_id != 'ZZZ' "
                                      "ORDER BY series_id, date").fetchall())
    assert results[0] == results[1]
    assert results[0].inserted == 6 and results[0].inserted_by_series == {"GDP": 3, "UNRATE": 3}
    assert stores[0] == stores[1]


# ---------------------------------------------------------------------------------------------- sorting only if needed


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["A", "B", "C"])),
                          st.one_of(st.none(), st.integers(0, 5)), st.integers(0, 2)), max_size=30),
       st.booleans())
def test_property_sorted_by_orders_like_a_sort(rows, presort):
    from macro_pipeline.transforms.validation import sorted_by

    frame = pl.DataFrame(rows, schema={"s": pl.String, "d": pl.Int64, "v": pl.Int64}, orient="row")
    if presort:
        frame = frame.sort("s", "d", "v")
    got = sorted_by(frame, ("s", "d"))
    # the same order of keys as a sort (rows with equal keys may stay in their order)
    assert got.select("s", "d").equals(frame.sort("s", "d").select("s", "d"))
    assert sorted(got.rows(), key=repr) == sorted(frame.rows(), key=repr)
