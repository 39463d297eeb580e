"""The live FRED source through the real fredapi against the loopback FRED server: refresh, faults, vintages, key."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import math
import socket

import polars as pl
import pytest
from fredapi import Fred

from macro_pipeline.catalog import load_catalog
from macro_pipeline.sources import SnapshotSource, SourceError
from macro_pipeline.sources.fred_api import FredApiError, realtime_ranges
from macro_pipeline.sources.rate_limit import process_rate_limiter
from macro_pipeline_tests.fred_server import SNAPSHOT_DIR, VALID_KEY, FredTestServer
from macro_pipeline_tests.integration.conftest_fred import (  # noqa: F401 - fixtures are used by name
    FAST,
    STALLED_REQUEST_TIMEOUT,
    as_of,
    fred_server,
    make_fred_source,
    raw_rows,
    scratch_warehouse,
    store,
    stored,
)

ATTEMPTS = FAST["max_retries"] + 1
# faults worth retrying, with what the failure text says once the retries are spent
TRANSIENT_FAULTS = {
    "429": ({"retry_after": "0"}, "HTTP 429; FRED says: Too Many Requests"),
    "500": ({}, "HTTP 500"),
    "503": ({}, "HTTP 503"),
    "html": ({}, "HTTP 502; the body is not well-formed XML"),
    "stall": ({}, "timeout"),  # no answer until the client's deadline (STALLED_REQUEST_TIMEOUT) gives up
    "malformed": ({}, "HTTP 200 but the body is not well-formed XML"),
    "truncated": ({}, "truncated body"),
    "garbage_value": ({}, "could not be read (ValueError"),
}


def deadline_for(kind: str) -> dict[str, float]:
    """A stalled request must time out quickly; every other fault is answered at once, under the default deadline."""
    return {"timeout_seconds": STALLED_REQUEST_TIMEOUT} if kind == "stall" else {}


def snapshot_values(series_id: str) -> dict[dt.date, float | None]:
    with open(SNAPSHOT_DIR / "series" / f"{series_id}.csv", encoding="utf-8") as handle:
        return {dt.date.fromisoformat(r["date"]): (float(r["value"]) if r["value"].strip() not in ("", ".") else None)
                for r in csv.DictReader(handle)}


def outcomes_by_id(delivery):
    return {o.series_id: o for o in delivery.outcomes}


def report(title: str, server: FredTestServer) -> None:
    # measured request counts, printed for the record (pytest -s shows them)
    print(f"\n[requests] {title}: {server.counts()} total={server.count()}")


# --- the server speaks FRED as fredapi reads it -------------------------------------------------------------

def test_real_fredapi_reads_the_loopback_server(fred_server):
    fred = Fred(api_key=VALID_KEY)
    fred.root_url = fred_server.root_url
    info = fred.get_series_info("GDP")
    assert info["frequency_short"] == "Q" and info["last_updated"] == "2026-11-26 07:45:00-06"
    series = fred.get_series("APU000072610")
    expected = snapshot_values("APU000072610")
    assert len(series) == len(expected)
    assert [math.isnan(v) for v in series] == [v is None for v in expected.values()]
    assert fred.get_series("GDP", observation_start="2025-01-01").index.min() == pd_timestamp("2025-01-01")
    assert fred.get_series_vintage_dates("GDP") == [dt.datetime(2026, 11, 26)]
    last = max(snapshot_values("GDP"))
    fred_server.add_vintage("GDP", dt.date(2026, 12, 3), {last: 1.5})
    releases = fred.get_series_all_releases("GDP")
    assert list(releases[releases["date"] == pd_timestamp(last.isoformat())]["value"])[-1] == 1.5
    with pytest.raises(ValueError, match="The series does not exist"):
        fred.get_series("NOSUCHSERIES")
    stranger = Fred(api_key="0123456789abcdef0123456789abcdef")
    stranger.root_url = fred_server.root_url
    with pytest.raises(ValueError, match="api_key is not registered"):
        stranger.get_series_info("GDP")


def pd_timestamp(text: str):
    import pandas as pd
    return pd.Timestamp(text)


# --- refresh ------------------------------------------------------------------------------------------------

def test_first_refresh_reads_full_history_and_reports_unknown_series_missing(fred_server, make_fred_source):
    delivery = make_fred_source().fetch(["GDP", "APU000072610", "B935RY2Q224SBEA"], pl.DataFrame())
    outcomes = outcomes_by_id(delivery)
    assert {k: o.status for k, o in outcomes.items()} == {
        "GDP": "fetched", "APU000072610": "fetched", "B935RY2Q224SBEA": "missing"}
    assert outcomes["GDP"].rows == len(snapshot_values("GDP"))
    assert outcomes["GDP"].source_last_updated == "2026-11-26 07:45:00-06"
    apu = delivery.observations.filter(pl.col("series_id") == "APU000072610").sort("date")
    assert dict(zip(apu["date"], apu["value"], strict=True)) == snapshot_values("APU000072610")
    assert apu["value"].null_count() > 0  # FRED's "." arrives as null, not dropped
    assert set(delivery.observations["realtime_start"]) == {fred_server.initial_vintage}
    assert set(delivery.observations["realtime_end"]) == {dt.date(9999, 12, 31)}
    missing = outcomes["B935RY2Q224SBEA"]
    assert "B935RY2Q224SBEA" in missing.detail and "The series does not exist." in missing.detail
    assert fred_server.count("series", "B935RY2Q224SBEA") == 1  # FRED's own 400 is not retried
    assert fred_server.counts() == {"series": 3, "series/observations": 2}
    assert delivery.source.startswith("fred_api ")
    report("first refresh of 3 series (1 unknown)", fred_server)


@pytest.mark.timeout(120)
def test_second_refresh_fetches_only_the_two_changed_series(fred_server, make_fred_source, scratch_warehouse):
    ids = load_catalog().series_ids()
    known = [s for s in ids if s in fred_server.known_series()]
    source = make_fred_source()

    store(scratch_warehouse, source.fetch(ids, stored(scratch_warehouse)))
    assert fred_server.counts() == {"series": len(ids), "series/observations": len(known)}
    report(f"first refresh, catalog of {len(ids)} ({len(known)} on the server)", fred_server)

    fred_server.reset_log()
    unchanged = source.fetch(ids, stored(scratch_warehouse))
    store(scratch_warehouse, unchanged)
    assert fred_server.counts() == {"series": len(ids)}
    assert {o.status for o in unchanged.outcomes if o.series_id in known} == {"unchanged"}
    assert all(o.source_last_updated == fred_server.last_updated(o.series_id)
               for o in unchanged.outcomes if o.series_id in known)
    report("second refresh, nothing changed", fred_server)

    # FRED revises GDP's latest quarter and UNRATE publishes a new month, a week after the stored vintage
    revised_on = fred_server.initial_vintage + dt.timedelta(days=7)
    gdp = snapshot_values("GDP")
    gdp_last = max(gdp)
    unrate_next = (max(snapshot_values("UNRATE")) + dt.timedelta(days=32)).replace(day=1)
    fred_server.add_vintage("GDP", revised_on, {gdp_last: gdp[gdp_last] + 10.0},
                            last_updated=f"{revised_on.isoformat()} 07:31:12-06")
    fred_server.add_vintage("UNRATE", revised_on, {unrate_next: 4.4},
                            last_updated=f"{revised_on.isoformat()} 07:30:05-06")
    fred_server.reset_log()
    third = source.fetch(ids, stored(scratch_warehouse))
    report("third refresh after changing GDP and UNRATE", fred_server)

    observation_requests = fred_server.requests("series/observations")
    assert len(observation_requests) == 2
    assert {r.series_id for r in observation_requests} == {"GDP", "UNRATE"}
    # R = M + U: one metadata request per valid id, one observation request per changed series
    assert fred_server.count() == len(ids) + 2
    statuses = {o.series_id: o.status for o in third.outcomes}
    assert statuses["GDP"] == statuses["UNRATE"] == "fetched"
    assert {statuses[s] for s in known if s not in ("GDP", "UNRATE")} == {"unchanged"}
    # the changed quarterly series is read from its revision window on (Q: 800 days), not from 1947
    gdp_request = fred_server.requests("series/observations", "GDP")[0]
    assert gdp_request.params["observation_start"] == (gdp_last - dt.timedelta(days=800)).isoformat()

    merged = store(scratch_warehouse, third)
    assert merged.inserted_by_series == {"GDP": 1, "UNRATE": 1}
    before = as_of(scratch_warehouse, "GDP", fred_server.initial_vintage)
    after = as_of(scratch_warehouse, "GDP", revised_on)
    assert before.filter(pl.col("date") == gdp_last)["value"].item() == gdp[gdp_last]
    assert after.filter(pl.col("date") == gdp_last)["value"].item() == gdp[gdp_last] + 10.0
    assert as_of(scratch_warehouse, "UNRATE", fred_server.initial_vintage)["date"].max() < unrate_next
    assert as_of(scratch_warehouse, "UNRATE", revised_on)["date"].max() == unrate_next


def test_a_series_stored_from_the_snapshot_is_read_in_full_once(fred_server, make_fred_source, scratch_warehouse):
    # the snapshot holds windows of some histories and no FRED stamp: the first FRED refresh reads everything
    store(scratch_warehouse, SnapshotSource(snapshot_dir=str(SNAPSHOT_DIR)).fetch(["GDP"], stored(scratch_warehouse)))
    source = make_fred_source()
    delivery = source.fetch(["GDP"], stored(scratch_warehouse))
    (request,) = fred_server.requests("series/observations")
    assert "observation_start" not in request.params
    assert store(scratch_warehouse, delivery).inserted == 0  # the same values: no new vintage

    fred_server.add_vintage("GDP", fred_server.initial_vintage + dt.timedelta(days=3), {dt.date(2020, 1, 1): 1.0})
    fred_server.reset_log()
    source.fetch(["GDP"], stored(scratch_warehouse))
    (request,) = fred_server.requests("series/observations")
    assert "observation_start" in request.params  # from now on, the revision window


# --- faults -------------------------------------------------------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", list(TRANSIENT_FAULTS))
def test_transient_fault_is_retried_and_the_series_fetched(kind, fred_server, make_fred_source):
    options, _ = TRANSIENT_FAULTS[kind]
    fred_server.inject(kind, series_id="GDP", times=2, **options)
    delivery = make_fred_source(**deadline_for(kind)).fetch(["GDP", "UNRATE"], pl.DataFrame())
    assert {o.series_id: o.status for o in delivery.outcomes} == {"GDP": "fetched", "UNRATE": "fetched"}
    assert [r.fault for r in fred_server.requests("series/observations", "GDP")] == [kind, kind, None]
    assert outcomes_by_id(delivery)["GDP"].rows == len(snapshot_values("GDP"))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", list(TRANSIENT_FAULTS))
def test_persistent_fault_fails_that_series_and_keeps_its_stored_vintage(kind, fred_server, make_fred_source,
                                                                        scratch_warehouse):
    options, expected_text = TRANSIENT_FAULTS[kind]
    source = make_fred_source()
    ids = ["GDP", "UNRATE"]
    store(scratch_warehouse, source.fetch(ids, stored(scratch_warehouse)))
    gdp_before = raw_rows(scratch_warehouse, "GDP")
    first_stamp = fred_server.last_updated("GDP")
    revised_on = fred_server.initial_vintage + dt.timedelta(days=7)
    gdp_last = max(snapshot_values("GDP"))
    fred_server.add_vintage("GDP", revised_on, {gdp_last: 1.0})
    fred_server.add_vintage("UNRATE", revised_on, {dt.date(1948, 1, 1): 3.5})
    fred_server.reset_log()
    fred_server.inject(kind, series_id="GDP", times=100, **options)

    # only this fetch meets the fault, so only it gets the short deadline a stall needs
    delivery = make_fred_source(**deadline_for(kind)).fetch(ids, stored(scratch_warehouse))
    gdp = outcomes_by_id(delivery)["GDP"]
    assert gdp.status == "failed"
    assert gdp.detail.startswith("GDP: fred/series/observations failed after 4 attempts")
    assert expected_text in gdp.detail
    # the failed run keeps the old stamp, so the next refresh still sees GDP as changed
    assert gdp.source_last_updated == first_stamp
    assert outcomes_by_id(delivery)["UNRATE"].status == "fetched"
    assert fred_server.count("series/observations", "GDP") == ATTEMPTS
    store(scratch_warehouse, delivery)
    assert raw_rows(scratch_warehouse, "GDP").equals(gdp_before)

    fred_server.clear_faults()
    fred_server.reset_log()
    recovered = source.fetch(ids, stored(scratch_warehouse))
    assert {o.series_id: o.status for o in recovered.outcomes} == {"GDP": "fetched", "UNRATE": "unchanged"}
    assert fred_server.count("series/observations") == 1
    store(scratch_warehouse, recovered)
    assert as_of(scratch_warehouse, "GDP", revised_on).filter(pl.col("date") == gdp_last)["value"].item() == 1.0


@pytest.mark.timeout(30)
def test_retry_after_is_honoured(fred_server, make_fred_source):
    fred_server.inject("429", series_id="GDP", retry_after="1")
    delivery = make_fred_source().fetch(["GDP"], pl.DataFrame())
    assert delivery.outcomes[0].status == "fetched"
    first, second = fred_server.requests("series/observations", "GDP")
    assert first.status == 429 and second.status == 200
    # the backoff is capped at 0.02 s in these tests: only Retry-After explains a wait of a second
    assert second.at - first.at >= 0.95


def test_retry_after_beyond_the_cap_ends_the_retries(fred_server, make_fred_source):
    fred_server.inject("429", series_id="GDP", retry_after="3600", times=5)
    delivery = make_fred_source().fetch(["GDP", "UNRATE"], pl.DataFrame())
    gdp = outcomes_by_id(delivery)["GDP"]
    assert gdp.status == "failed" and "asked to wait 3600 s" in gdp.detail
    assert fred_server.count("series/observations", "GDP") == 1
    assert outcomes_by_id(delivery)["UNRATE"].status == "fetched"


@pytest.mark.parametrize(("kind", "status", "text"), [
    ("bad_request", "failed", "Variable observation_start is not a valid date."),
    ("unknown_series", "missing", "The series does not exist."),
])
def test_fred_rejections_are_reported_not_retried(kind, status, text, fred_server, make_fred_source):
    fred_server.inject(kind, series_id="GDP", times=10)
    outcome = make_fred_source().fetch(["GDP"], pl.DataFrame()).outcomes[0]
    assert outcome.status == status
    assert outcome.detail.startswith("GDP: ") and text in outcome.detail
    assert fred_server.count("series/observations", "GDP") == 1


def test_invalid_series_ids_fail_without_a_request(fred_server, make_fred_source):
    bad = ["gdp", "GDP&api_key=x", "../GDP", "", "GDP OR 1=1"]
    delivery = make_fred_source().fetch([*bad, "GDP"], pl.DataFrame())
    statuses = [o.status for o in delivery.outcomes]
    assert statuses == ["failed"] * len(bad) + ["fetched"]
    assert all("not a FRED series id" in o.detail for o in delivery.outcomes[:-1])
    assert {r.series_id for r in fred_server.requests()} == {"GDP"}
    assert fred_server.count() == 2


def test_a_rejected_key_stops_the_refresh_with_freds_message(fred_server, make_fred_source):
    wrong_key = "0123456789abcdef0123456789abcdef"
    with pytest.raises(SourceError) as raised:
        make_fred_source(api_key=wrong_key).fetch(["GDP", "UNRATE", "DFF"], pl.DataFrame())
    assert set(raised.value.failures) == {"GDP", "UNRATE", "DFF"}
    assert "api_key is not registered" in raised.value.failures["GDP"]
    assert wrong_key not in str(raised.value)
    assert fred_server.count() == 1  # every later request would be rejected too


def test_a_key_rejected_mid_refresh_also_stops_it(fred_server, make_fred_source):
    fred_server.inject("bad_key", endpoint="series", series_id="UNRATE")
    with pytest.raises(SourceError, match="UNRATE: FRED rejected the API key"):
        make_fred_source().fetch(["GDP", "UNRATE", "DFF"], pl.DataFrame())
    assert fred_server.count("series", "DFF") == 0


@pytest.mark.timeout(60)
def test_a_failing_fred_is_not_asked_again_once_the_retry_budget_is_spent(fred_server, make_fred_source):
    fred_server.inject("503", endpoint=None, times=1000)
    delivery = make_fred_source(max_total_retries=5).fetch(["GDP", "UNRATE", "DFF", "CPIAUCSL"], pl.DataFrame())
    assert [o.status for o in delivery.outcomes] == ["failed"] * 4
    assert fred_server.count() == 5 + 2  # 5 retries in all, plus the first attempts of GDP and UNRATE
    assert "not requested: this refresh spent its 5 retries" in outcomes_by_id(delivery)["DFF"].detail


# --- the key stays secret -----------------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _exception_chain(error: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


@pytest.mark.timeout(60)
def test_the_api_key_appears_in_no_outcome_error_or_log(fred_server, make_fred_source, caplog):
    caplog.set_level(logging.DEBUG)
    faults = {"GDP": "500", "UNRATE": "html", "DFF": "stall", "CPIAUCSL": "truncated", "PAYEMS": "malformed",
              "M2SL": "429", "DGS10": "echo", "SOFR": "garbage_value"}
    for series_id, kind in faults.items():
        fred_server.inject(kind, series_id=series_id, times=100, retry_after="0")
    source = make_fred_source(timeout_seconds=STALLED_REQUEST_TIMEOUT)
    delivery = source.fetch([*faults, "NOSUCHSERIES", "WALCL"], pl.DataFrame())
    texts = [o.detail for o in delivery.outcomes] + list(delivery.notes.values()) + [delivery.source, repr(source)]
    assert outcomes_by_id(delivery)["DGS10"].status == "failed"
    assert "api_key=***" in outcomes_by_id(delivery)["DGS10"].detail  # the echoed URL, scrubbed

    unreachable = make_fred_source(root_url=f"http://127.0.0.1:{_closed_port()}/fred")
    texts += [o.detail for o in unreachable.fetch(["GDP"], pl.DataFrame()).outcomes]
    assert "connection failed" in texts[-1]

    fred_server.clear_faults()
    fred_server.inject("500", endpoint="series/updates", times=100)
    with pytest.raises(FredApiError) as raised:
        source.updated_series(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    for error in _exception_chain(raised.value):
        texts += [str(error), repr(error), repr(vars(error))]
        assert not any(type(error).__module__.startswith(m) for m in ("urllib", "http"))

    with pytest.raises(SourceError) as rejected:
        make_fred_source(api_key=VALID_KEY[::-1]).fetch(["GDP"], pl.DataFrame())
    texts += [str(rejected.value)]
    texts.append(caplog.text)
    assert "retrying" in caplog.text  # the retry log is there, and clean
    for text in texts:
        assert VALID_KEY not in text and VALID_KEY[::-1] not in text


# --- vintages -----------------------------------------------------------------------------------------------

def test_vintages_are_stored_and_as_of_returns_the_older_value(fred_server, make_fred_source, scratch_warehouse):
    v0 = fred_server.initial_vintage
    v1, v2 = v0 + dt.timedelta(days=7), v0 + dt.timedelta(days=35)
    gdp = snapshot_values("GDP")
    last = max(gdp)
    following = (last + dt.timedelta(days=100)).replace(day=1)  # the next quarter
    fred_server.add_vintage("GDP", v1, {last: gdp[last] + 10})
    fred_server.add_vintage("GDP", v2, {last: gdp[last] + 20, following: 40000.0})
    source = make_fred_source(fetch_vintages=True)

    delivery = source.fetch(["GDP"], stored(scratch_warehouse))
    assert fred_server.counts() == {"series": 1, "series/vintagedates": 1, "series/observations": 1}
    report("vintage refresh of GDP (3 vintages)", fred_server)
    store(scratch_warehouse, delivery)
    periods = raw_rows(scratch_warehouse, "GDP").filter(pl.col("date") == last)
    assert periods.rows() == [
        (last, gdp[last], v0, v1 - dt.timedelta(days=1)),
        (last, gdp[last] + 10, v1, v2 - dt.timedelta(days=1)),
        (last, gdp[last] + 20, v2, dt.date(9999, 12, 31)),
    ]

    def known_on(day: dt.date) -> dict:
        frame = as_of(scratch_warehouse, "GDP", day)
        return dict(zip(frame["date"], frame["value"], strict=True))

    assert known_on(v0)[last] == gdp[last]
    assert known_on(v1 + dt.timedelta(days=3))[last] == gdp[last] + 10
    assert known_on(v2)[last] == gdp[last] + 20
    assert following not in known_on(v1) and known_on(v2)[following] == 40000.0

    # a rerun with nothing new asks only for the metadata and stores nothing
    fred_server.reset_log()
    again = source.fetch(["GDP"], stored(scratch_warehouse))
    assert again.outcomes[0].status == "unchanged" and fred_server.counts() == {"series": 1}
    report("vintage rerun of GDP, nothing new", fred_server)


@pytest.mark.timeout(60)
def test_a_vintage_history_beyond_freds_limit_is_read_in_ranges(fred_server, make_fred_source, scratch_warehouse):
    dates = [dt.date(2014, 1, 1), dt.date(2014, 4, 1), dt.date(2014, 7, 1)]
    first = dt.date(2015, 1, 1)
    vintages, state = [], {}
    for k in range(2500):  # each day revises one of the three quarters
        state = {**state, dates[k % 3]: float(k)}
        vintages.append((first + dt.timedelta(days=k), state))
    fred_server.add_series("VINTAGETEST", vintages, frequency_short="Q")
    source = make_fred_source(fetch_vintages=True)

    delivery = source.fetch(["VINTAGETEST"], stored(scratch_warehouse))
    assert delivery.outcomes[0].status == "fetched", delivery.outcomes[0].detail
    ranges = fred_server.requests("series/observations")
    assert len(ranges) == 2 and all(r.status == 200 for r in ranges)  # ceil(2500 / 2000), none refused by FRED
    assert ranges[0].params["realtime_end"] == (first + dt.timedelta(days=1999)).isoformat()
    assert ranges[1].params["realtime_start"] == (first + dt.timedelta(days=2000)).isoformat()
    report("vintage refresh of a series with 2,500 vintage dates", fred_server)
    store(scratch_warehouse, delivery)
    assert raw_rows(scratch_warehouse, "VINTAGETEST").rows() == alfred_truth(fred_server, "VINTAGETEST")
    # (periods cut at the range edge were joined again: the store equals the server's own real-time periods)

    # one more vintage: only the real-time range from the stored vintage on is requested
    fred_server.add_vintage("VINTAGETEST", first + dt.timedelta(days=2500), {dates[0]: -1.0})
    fred_server.reset_log()
    store(scratch_warehouse, source.fetch(["VINTAGETEST"], stored(scratch_warehouse)))
    report("incremental vintage refresh after one more vintage", fred_server)
    (request,) = fred_server.requests("series/observations")
    assert request.params["realtime_start"] == (first + dt.timedelta(days=2499)).isoformat()
    assert raw_rows(scratch_warehouse, "VINTAGETEST").rows() == alfred_truth(fred_server, "VINTAGETEST")


def alfred_truth(server: FredTestServer, series_id: str) -> list[tuple]:
    """The server's real-time periods as raw rows: (date, value, realtime_start, realtime_end)."""
    return [(d, v, start, end) for d, start, end, v in server.periods(server.series(series_id))]


def test_realtime_ranges_hold_at_most_the_limit():
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(7)]
    assert realtime_ranges(days, None, 3) == [
        (days[0], days[2]), (days[3], days[5]), (days[6], dt.date(9999, 12, 31))]
    assert realtime_ranges([], days[2], 3) == [(days[2], dt.date(9999, 12, 31))]


# --- rate limit ---------------------------------------------------------------------------------------------

def test_every_request_and_retry_passes_the_process_rate_limiter(fred_server, make_fred_source):
    limiter = process_rate_limiter(FAST["requests_per_minute"])
    before = limiter.acquired
    fred_server.inject("500", series_id="GDP")
    make_fred_source().fetch(["GDP", "UNRATE"], pl.DataFrame())
    assert fred_server.count() == 5
    assert limiter.acquired - before == fred_server.count()
    assert make_fred_source()._client()._acquire.__self__ is limiter
