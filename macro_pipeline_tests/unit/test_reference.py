"""The reference-table loader: stated values parsed as written, citations required, bad rows refused by name."""

from __future__ import annotations

import datetime as dt

import pytest

from macro_pipeline import settings
from macro_pipeline.reference import (
    REFERENCE_FILES,
    ReferenceError,
    ReferenceValueError,
    load_reference,
    parse_reference,
    parse_stated_value,
    qualifier_from_note,
    reference_files,
)

REFERENCE_DIR = settings.PROJECT_ROOT / "data" / "reference"
CITATION = "A title,A publisher,2025-01-01,https://example.org,line 3"


@pytest.mark.parametrize(("text", "value", "low", "high", "qualifier", "bound"), [
    ("1,400", 1400.0, 1400.0, 1400.0, None, "exact"),
    ("3,764,700", 3764700.0, 3764700.0, 3764700.0, None, "exact"),
    ("266,619.9", 266619.9, 266619.9, 266619.9, None, "exact"),
    ("60-65", None, 60.0, 65.0, None, "range"),
    ("74–132", None, 74.0, 132.0, None, "range"),
    ("nearly 5", 5.0, None, 5.0, "nearly", "upper_bound"),
    ("over 2,600", 2600.0, 2600.0, None, "over", "lower_bound"),
    ("More than 1", 1.0, 1.0, None, "more than", "lower_bound"),
    ("about 4,116", 4116.0, 4116.0, 4116.0, "about", "approximate"),
    ("~420", 420.0, 420.0, 420.0, "~", "approximate"),
    ("-12", -12.0, -12.0, -12.0, None, "exact"),
    ("$30", 30.0, 30.0, 30.0, None, "exact"),
    (" 50.00 ", 50.0, 50.0, 50.0, None, "exact"),
])
def test_stated_values_parse_as_written(text, value, low, high, qualifier, bound):
    stated = parse_stated_value(text)
    assert (stated.value, stated.low, stated.high, stated.qualifier, stated.bound) == (value, low, high, qualifier,
                                                                                       bound)
    assert stated.as_stated == text


def test_a_parenthetical_remark_is_kept_not_parsed():
    stated = parse_stated_value("3.7 (vs 2.1)", qualifier="about")
    assert (stated.value, stated.remark, stated.qualifier, stated.bound) == (3.7, "vs 2.1", "about", "approximate")


def test_a_qualifier_beside_the_value_sets_the_bounds():
    stated = parse_stated_value("1,400", qualifier="over")
    assert (stated.low, stated.high, stated.qualifier) == (1400.0, None, "over")
    assert parse_stated_value("nearly 5", qualifier="nearly").high == 5.0


@pytest.mark.parametrize("text", ["1,40", "1.400,5", "three quarters of the S&P", "12%", "65-60", "over 60-65",
                                  "", "   ", "5 GW", "1,4000", "$", "about"])
def test_unreadable_values_are_refused(text):
    with pytest.raises(ReferenceValueError):
        parse_stated_value(text)


def test_contradicting_qualifiers_are_refused():
    with pytest.raises(ReferenceValueError, match=r"contradict|says"):
        parse_stated_value("nearly 5", qualifier="over")
    with pytest.raises(ReferenceValueError, match="unknown qualifier"):
        parse_stated_value("5", qualifier="perhaps")


def test_a_note_that_quotes_the_figure_gives_its_qualifier():
    stated = parse_stated_value("5,100")
    assert qualifier_from_note("stated as 'nearly 5,100 MW'", stated) == "nearly"
    assert qualifier_from_note("Stated as 'around 60 TWh' for 2014-2016", parse_stated_value("60")) == "around"
    assert qualifier_from_note("no quote here", stated) is None
    with pytest.raises(ReferenceValueError, match="not the value"):
        qualifier_from_note("stated as 'nearly 5,000 MW'", stated)


def _csv(rows: list[str]) -> str:
    header = "as_of,metric,resource,value,unit,qualifier,edition,note,source_title,publisher,published,url,locator"
    return "\n".join([header, *rows]) + "\n"


def test_a_small_file_parses_with_qualifiers_and_citations():
    spec = REFERENCE_FILES["interconnection_queue"]
    frame = parse_reference(spec, _csv([f"end of 2023,queued,all,\"2,600\",GW,nearly,e,,{CITATION}",
                                        f"end of 2021,queued,all,\"1,400\",GW,over,e,,{CITATION}"]))
    assert frame["value_high"].to_list() == [2600.0, None]
    assert frame["value_low"].to_list() == [None, 1400.0]
    assert frame["qualifier"].to_list() == ["nearly", "over"]
    assert frame["row"].to_list() == [1, 2]


def test_an_unreadable_value_names_file_row_and_column():
    spec = REFERENCE_FILES["interconnection_queue"]
    text = _csv([f"end of 2023,queued,all,2600,GW,,e,,{CITATION}",
                 f"end of 2024,queued,all,a lot,GW,,e,,{CITATION}"])
    with pytest.raises(ReferenceError, match=r"interconnection_queue\.csv row 2 \(line 3\): column 'value'"):
        parse_reference(spec, text)


@pytest.mark.parametrize("column", ["source_title", "publisher", "published", "url", "locator"])
def test_a_row_without_its_citation_is_refused(column):
    spec = REFERENCE_FILES["interconnection_queue"]
    values = dict(zip(["source_title", "publisher", "published", "url", "locator"], CITATION.split(","),
                      strict=True))
    values[column] = " "
    text = _csv([f"end of 2023,queued,all,2600,GW,,e,,{','.join(values.values())}"])
    with pytest.raises(ReferenceError, match=rf"row 1 \(line 2\): column '{column}' is empty"):
        parse_reference(spec, text)


def test_a_missing_column_is_refused():
    spec = REFERENCE_FILES["pjm_capacity_prices"]
    with pytest.raises(ReferenceError, match=r"missing columns \['locator'\]"):
        parse_reference(spec, "delivery_year,metric,value,unit,source_title,publisher,published,url\n"
                              "2025/2026,price,1,$,t,p,2025,u\n")


def test_strict_numeric_columns_refuse_formatted_numbers():
    spec = REFERENCE_FILES["bea_t50306"]
    header = ("table,line,series_code,line_description,time_period,date,value,unit,unit_mult,source_title,"
              "publisher,published,url,locator")
    with pytest.raises(ReferenceError, match=r"row 1 \(line 2\): column 'value': '1,234' is not a plain number"):
        parse_reference(spec, f"{header}\nT50306,9,,Equipment,2010Q1,2010-01-01,\"1,234\",m,6,{CITATION}\n")
    with pytest.raises(ReferenceError, match="not an ISO date"):
        parse_reference(spec, f"{header}\nT50306,9,,Equipment,2010Q1,2010-13-01,1234,m,6,{CITATION}\n")


def test_unknown_table_and_missing_file_are_errors(tmp_path):
    with pytest.raises(ReferenceError, match="unknown reference table"):
        load_reference("nope", REFERENCE_DIR)
    with pytest.raises(ReferenceError, match="is missing"):
        load_reference("pjm_capacity_prices", tmp_path)


@pytest.mark.parametrize("name", reference_files())
def test_every_registered_reference_file_loads(name):
    frame = load_reference(name, REFERENCE_DIR)
    assert frame.height > 0
    for column in ("source_title", "publisher", "published", "url", "locator"):
        assert frame[column].str.strip_chars().str.len_chars().min() > 0


def test_the_real_files_keep_their_qualifiers():
    queue = load_reference("interconnection_queue", REFERENCE_DIR)
    total_2023 = queue.filter((queue["as_of"] == "end of 2023") & (queue["resource"] == "total generation + storage"))
    assert total_2023.select("value", "value_low", "value_high", "qualifier").row(0) == (2600.0, None, 2600.0,
                                                                                         "nearly")
    wait = queue.filter(queue["value_remark"].is_not_null())
    assert wait.select("value", "value_remark", "qualifier").row(0) == (3.7, "vs 2.1", "about")
    capex = load_reference("hyperscaler_capex", REFERENCE_DIR)
    meta_2025 = capex.filter((capex["company"] == "Meta") & (capex["period"] == "2025")
                             & capex["kind"].str.starts_with("guidance"))
    assert meta_2025.select("value_low", "value_high", "value_bound", "basis").row(0)[:3] == (60.0, 65.0, "range")
    assert "finance leases" in meta_2025["basis"][0]
    dc = load_reference("datacenter_electricity_us", REFERENCE_DIR)
    around = dc.filter(dc["year"] == "2016")
    assert (around["value"][0], around["qualifier"][0]) == (60.0, "around")
    pjm = load_reference("pjm_capacity_prices", REFERENCE_DIR)
    assert pjm.filter(pjm["qualifier"] == "nearly")["value_high"].to_list() == [5100.0]
    census = load_reference("census_construction_private_monthly", REFERENCE_DIR)
    july = census.filter(census["month"] == dt.date(2026, 7, 1))
    assert (july["data_center"][0], july["flag"][0]) == (75166.0, "p")
