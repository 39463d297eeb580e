"""Parsing series files into typed delivery rows, and the raw Delivery checks; errors name series and lines."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from macro_pipeline.transforms.raw import (
    DELIVERY_SCHEMA,
    DeliveryValidationError,
    ObservationParseError,
    check_delivery,
    empty_delivery,
    parse_observations_csv,
)

VINTAGE = dt.date(2026, 11, 26)
OPEN_END = dt.date(9999, 12, 31)


def parse(text: str, series_id: str = "WALCL") -> pl.DataFrame:
    return parse_observations_csv(series_id, text, VINTAGE)


def parse_error(text: str, series_id: str = "WALCL") -> ObservationParseError:
    with pytest.raises(ObservationParseError) as info:
        parse(text, series_id)
    assert info.value.series_id == series_id
    assert str(info.value).startswith(f"series {series_id}: ")
    return info.value


# ---------------------------------------------------------------------------------------------- good files


def test_good_file_gives_typed_rows_stamped_with_the_vintage():
    frame = parse("date,value\n2026-01-07,6573602\n2026-01-14,6581700.5\n")
    assert frame.schema == pl.Schema(DELIVERY_SCHEMA)
    assert frame.rows() == [
        ("WALCL", dt.date(2026, 1, 7), 6573602.0, VINTAGE, OPEN_END),
        ("WALCL", dt.date(2026, 1, 14), 6581700.5, VINTAGE, OPEN_END),
    ]


def test_empty_and_dot_values_are_kept_as_nulls():
    frame = parse("date,value\n2020-01-01,\n2020-02-01,.\n2020-03-01,1.5\n2020-04-01, . \n")
    assert frame.height == 4  # nothing dropped
    assert frame["date"].to_list() == [dt.date(2020, 1, 1), dt.date(2020, 2, 1), dt.date(2020, 3, 1),
                                       dt.date(2020, 4, 1)]
    assert frame["value"].to_list() == [None, None, 1.5, None]


def test_float_formatting_is_parsed():
    frame = parse("date,value\n2026-07-22,6747378.0000000000\n2026-07-29,-0.5e3\n")
    assert frame["value"].to_list() == [6747378.0, -500.0]


def test_header_only_file_gives_no_rows_with_the_delivery_schema():
    frame = parse("date,value\n")
    assert frame.height == 0
    assert frame.schema == pl.Schema(DELIVERY_SCHEMA)


def test_crlf_line_endings_and_byte_order_mark_are_accepted():
    frame = parse("\ufeffdate,value\r\n2020-01-01,1\r\n2020-02-01,2\r\n")
    assert frame["value"].to_list() == [1.0, 2.0]


def test_vintage_date_is_the_one_given():
    frame = parse_observations_csv("GDP", "date,value\n2020-01-01,1\n", dt.date(2001, 2, 3))
    assert frame["realtime_start"].to_list() == [dt.date(2001, 2, 3)]
    assert frame["series_id"].to_list() == ["GDP"]


def test_empty_delivery_has_the_delivery_schema():
    assert empty_delivery().schema == pl.Schema(DELIVERY_SCHEMA)
    assert empty_delivery().height == 0


# ---------------------------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("text", ["", "   \n", "\n\n"])
def test_empty_file(text):
    err = parse_error(text, "GDP")
    assert "empty" in str(err)


@pytest.mark.parametrize("header", ["date,val", "value,date", "DATE,VALUE", "observation_date,GDP", "date"])
def test_wrong_header(header):
    err = parse_error(f"{header}\n2020-01-01,1\n", "GDP")
    assert "header" in str(err)
    assert "expected ['date', 'value']" in str(err)


def test_extra_column_in_the_header():
    err = parse_error("date,value,note\n2020-01-01,1,x\n", "GDP")
    assert "header is ['date', 'value', 'note']" in str(err)


def test_ragged_line_is_an_error_naming_the_series():
    err = parse_error("date,value\n2020-01-01,1\n2020-02-01,2,3\n2020-03-01,4\n", "UNRATE")
    assert "not a two-column CSV" in str(err)


def test_ragged_line_error_names_the_line():
    err = parse_error("date,value\n2020-01-01,1\n2020-02-01,2,3\n2020-03-01,4\n", "UNRATE")
    assert "line 3" in str(err)


def test_line_without_a_value_field_is_an_error():
    err = parse_error("date,value\n2020-01-01,1\n2020-02-01\n", "UNRATE")
    assert "line 3" in str(err)


def test_non_numeric_value_names_the_series_and_lines():
    err = parse_error("date,value\n2020-01-01,1\n2020-02-01,abc\n2020-03-01,2\n2020-04-01,N/A\n", "UNRATE")
    assert str(err) == ("series UNRATE: 2 unreadable rows: line 3: value is not a number ('abc'); "
                        "line 5: value is not a number ('N/A')")
    assert [r["line"] for r in err.rows] == [3, 5]


@pytest.mark.parametrize("bad_date", ["2020-13-01", "2020-02-30", "01/02/2020", "yesterday", "2020"])
def test_bad_date_names_the_series_and_line(bad_date):
    err = parse_error(f"date,value\n2020-01-01,1\n2020-02-01,2\n{bad_date},3\n", "CPIAUCSL")
    assert str(err) == f"series CPIAUCSL: 1 unreadable rows: line 4: date is not an ISO date ({bad_date!r})"


def test_bad_dates_and_values_are_reported_together_in_line_order():
    err = parse_error("date,value\nnot-a-date,1\n2020-02-01,x\n2020-03-01,2\n", "GDP")
    assert [(r["line"], r["problem"]) for r in err.rows] == [
        (2, "date is not an ISO date"), (3, "value is not a number")]
    assert "line 2" in str(err) and "line 3" in str(err)


def test_many_bad_rows_show_ten_and_count_the_rest():
    body = "".join(f"2020-01-{d:02d},bad\n" for d in range(1, 16))
    err = parse_error("date,value\n" + body, "DFF")
    assert len(err.rows) == 15
    assert "15 unreadable rows" in str(err)
    assert "line 11:" in str(err) and "line 12:" not in str(err)
    assert str(err).endswith("; and 5 more")


# ---------------------------------------------------------------------------------------------- check_delivery


def delivery(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [(sid, d, v, VINTAGE, OPEN_END) for sid, d, v in rows], schema=DELIVERY_SCHEMA, orient="row")


def test_clean_delivery_is_returned_unchanged():
    frame = delivery([("GDP", dt.date(2020, 1, 1), 1.0), ("GDP", dt.date(2020, 4, 1), None),
                      ("UNRATE", dt.date(2020, 1, 1), 3.5)])
    assert check_delivery(frame) is frame


def test_empty_delivery_passes():
    assert check_delivery(empty_delivery()).height == 0


def test_duplicate_rows_are_refused_naming_series_and_dates():
    frame = delivery([("GDP", dt.date(2020, 1, 1), 1.0), ("UNRATE", dt.date(2020, 4, 1), 3.0),
                      ("UNRATE", dt.date(2020, 4, 1), 3.1), ("UNRATE", dt.date(2020, 5, 1), 3.2)])
    with pytest.raises(DeliveryValidationError) as info:
        check_delivery(frame)
    msg = str(info.value)
    assert "in series UNRATE:" in msg
    assert "GDP" not in msg
    assert "date=2020-04-01" in msg
    assert "2020-05-01" not in msg
    report = info.value.report
    assert report.series_ids() == ["UNRATE"]
    assert report.failures["date"].to_list() == [dt.date(2020, 4, 1)] * 2
    assert all("unique" in check for check in report.failures["check"].to_list())


def test_same_date_in_two_vintages_is_not_a_duplicate():
    frame = delivery([("GDP", dt.date(2020, 1, 1), 1.0)])
    later = frame.with_columns(pl.lit(dt.date(2026, 12, 1)).alias("realtime_start"), pl.lit(2.0).alias("value"))
    assert check_delivery(pl.concat([frame, later])).height == 2


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused_naming_series_and_dates(bad):
    frame = delivery([("DGS10", dt.date(2020, 1, 2), 1.9), ("DGS10", dt.date(2020, 1, 3), bad),
                      ("DGS2", dt.date(2020, 1, 3), None)])
    with pytest.raises(DeliveryValidationError) as info:
        check_delivery(frame)
    msg = str(info.value)
    assert "in series DGS10:" in msg
    assert "value is finite or null (1 rows)" in msg
    assert "date=2020-01-03" in msg
    assert info.value.report.failures.select("series_id", "date").rows() == [("DGS10", dt.date(2020, 1, 3))]


def test_parsed_nan_and_inf_text_reaches_check_delivery_and_is_refused():
    frame = parse("date,value\n2020-01-01,NaN\n2020-02-01,inf\n2020-03-01,1\n", "M2SL")
    with pytest.raises(DeliveryValidationError) as info:
        check_delivery(frame)
    assert info.value.report.failures["date"].to_list() == [dt.date(2020, 1, 1), dt.date(2020, 2, 1)]
    assert "M2SL" in str(info.value)


def test_bad_series_id_and_reversed_realtime_are_refused():
    frame = delivery([("GDP", dt.date(2020, 1, 1), 1.0)]).vstack(pl.DataFrame(
        [("gdp", dt.date(2020, 1, 1), 1.0, VINTAGE, VINTAGE - dt.timedelta(days=1))],
        schema=DELIVERY_SCHEMA, orient="row"))
    with pytest.raises(DeliveryValidationError) as info:
        check_delivery(frame)
    failures = info.value.report.failures
    assert failures["series_id"].to_list() == ["gdp", "gdp"]
    assert sorted(failures["check"].to_list()) == [
        "realtime_start <= realtime_end", f"str_matches('{'^[A-Z0-9][A-Z0-9_]{0,39}$'}')"]


def test_dates_out_of_order_are_an_error_naming_the_line():
    err = parse_error("date,value\n2020-01-01,1\n2020-03-01,3\n2020-02-01,2\n", "UNRATE")
    assert "line 4: date is earlier than the line before (dates out of order) ('2020-02-01')" in str(err)
