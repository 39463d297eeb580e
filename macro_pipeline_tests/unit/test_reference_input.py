"""Reference CSVs as spreadsheets write them: a byte-order mark is read, look-alike digits are refused, a typographic
minus is read as '-' and then range-checked, so a sign slip is refused rather than published."""

from __future__ import annotations

import pytest

from macro_pipeline import settings
from macro_pipeline.reference import REFERENCE_FILES, ReferenceError, load_reference, parse_reference

REFERENCE_DIR = settings.PROJECT_ROOT / "data" / "reference"


def _text(name: str) -> str:
    return (REFERENCE_DIR / f"{name}.csv").read_text(encoding="utf-8")


def _first_row_with(name: str, column: str, value: str) -> str:
    """The file's text with ``column`` of its first data row set to ``value``."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(_text(name))))
    rows[0][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    spec = REFERENCE_FILES["us_electricity_annual"]
    with_bom = parse_reference(spec, "\ufeff" + _text("us_electricity_annual"))
    assert with_bom.equals(load_reference("us_electricity_annual", REFERENCE_DIR))
    # and from a file written with one, as Excel's "CSV UTF-8" does
    (tmp_path / "us_electricity_annual.csv").write_bytes(_text("us_electricity_annual").encode("utf-8-sig"))
    assert load_reference("us_electricity_annual", tmp_path).height == with_bom.height


@pytest.mark.parametrize(("name", "column", "value"), [
    ("us_electricity_annual", "value_as_stated", "３,７６４,７００"),   # fullwidth digits in a stated value
    ("us_electricity_annual", "twh", "３７６４.７"),                  # ... in a plain number
    ("hyperscaler_capex", "value_usd_bn", "about ٤٢٠"),             # Arabic-Indic digits
])
def test_digits_other_than_ascii_are_refused(name, column, value):
    with pytest.raises(ReferenceError) as raised:
        parse_reference(REFERENCE_FILES[name], _first_row_with(name, column, value))
    message = str(raised.value)
    assert f"{name}.csv row 1 (line 2): column {column!r}" in message
    assert "has digits other than 0-9" in message and "write the figure with ASCII digits" in message


@pytest.mark.parametrize(("name", "column", "value", "allowed"), [
    ("us_electricity_annual", "twh", "\u22125", "0.."),                       # -5 TWh, typographic minus
    ("datacenter_electricity_us", "twh", "\u221276", "0.."),
    ("datacenter_electricity_us", "share_of_us_electricity_pct", "140", "0..100"),
    ("hyperscaler_capex", "value_usd_bn", "\u221220", "0.."),
])
def test_a_typographic_minus_is_read_then_range_checked(name, column, value, allowed):
    with pytest.raises(ReferenceError) as raised:
        parse_reference(REFERENCE_FILES[name], _first_row_with(name, column, value))
    assert (f"{name}.csv row 1 (line 2): column {column!r}: {value!r} is outside the plausible range {allowed}"
            in str(raised.value))


def test_a_typographic_minus_where_negatives_are_real_is_read_as_minus():
    # the interconnection queue has real negative changes (-12): the typographic minus reads the same
    name = "interconnection_queue"
    rows = parse_reference(REFERENCE_FILES[name], _first_row_with(name, "value", "\u221212"))
    assert rows["value"][0] == -12.0


def test_every_packaged_reference_file_is_within_its_ranges():
    for name in REFERENCE_FILES:
        assert load_reference(name, REFERENCE_DIR).height > 0, name
    assert any(spec.ranges for spec in REFERENCE_FILES.values())
