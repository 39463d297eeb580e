"""The live FRED API source: fredapi over a rate-limited, retrying, timed transport, refreshing incrementally.

How it talks to FRED
    ``fredapi.Fred`` builds the URLs and parses FRED's XML. Its transport (``Fred.__fetch_data``: ``urlopen(url)``
    with no timeout, HTTP errors flattened into ``ValueError(message)``) is replaced in a subclass, so this
    module sees status codes and ``Retry-After``, enforces a timeout per request and never lets a URL (which
    carries ``api_key``) reach an error message. The timeout is passed to ``urlopen`` for each request and the
    body must arrive within the same deadline; ``socket.setdefaulttimeout`` is not used because it is
    process-wide and would change the sockets of every other thread (Dagster's gRPC server, other resources).

Rate limit and retries
    Every HTTP request, retries included, passes the one process-wide limiter (``rate_limit.py``; FRED allows
    120 requests a minute per key). HTTP 429, 5xx, timeouts, broken connections and bodies that are not FRED
    XML (an HTML error page, malformed or truncated XML) are retried with exponential backoff and full jitter,
    waiting at least what ``Retry-After`` asks (up to ``max_retry_after_seconds``); at most ``max_retries``
    retries per request and ``max_total_retries`` per refresh, after which a failing FRED is not asked again in
    that refresh. FRED's own rejections are final: an unknown series (HTTP 400 "The series does not exist.")
    becomes outcome ``missing`` with FRED's message; any other 400 becomes ``failed``; a rejected API key stops
    the refresh with ``SourceError`` (every later request would be rejected too).

Deadline and circuit breaker
    A whole refresh ends within ``deadline_seconds`` (MACRO_PIPELINE_FRED_DEADLINE_SECONDS, default 600): no
    request starts and no backoff sleeps past it, and each request's timeout is cut to the time left. When at
    least ``breaker_min_requests`` requests were sent and ``breaker_timeout_share`` of them timed out, FRED is
    taken as unreachable and the refresh stops. Either way the refresh raises ``FredUnavailable`` ("FRED did not
    answer (n of m requests timed out)"): nothing of it is stored and every series keeps its last good vintage.
    Before, a FRED that answered no request took a cold run 19 minutes and ended on an unrelated check.

Incremental refresh
    Per series, ``fred/series`` gives ``last_updated``. Equal to the stamp stored at the last fetch: outcome
    ``unchanged``, no observation request. Otherwise the observations are requested from the revision window
    on: the last stored observation date (the summary's ``last_date`` when it has one, else the earlier of the
    last stored vintage and FRED's ``observation_end``) minus ``revision_window_days_by_frequency[frequency]``
    days. A series never fetched from FRED (not stored, or stored without a FRED stamp, e.g. from the snapshot,
    which holds windows of some histories) is read in full.
    Latest-value rows get FRED's ``last_updated`` date as vintage (``realtime_start``), moved to the day after
    the stored vintage when it is not later, because the date-granular store needs a later date for a changed
    value.

Vintages (``fetch_vintages=True``)
    ``fred/series/vintagedates`` lists the vintage dates (from the stored vintage on, or all); observations are
    then requested by real-time ranges holding at most ``max_vintage_dates_per_request`` (FRED: 2,000) vintage
    dates each, and periods cut at a range boundary are joined again, so raw.observations holds every
    real-time period with FRED's own realtime_start/realtime_end. Keep one mode per warehouse: latest-value
    vintages are dated by last_updated, FRED's real-time periods by ALFRED's vintage dates.

Requests per refresh (retries excluded; each retry is one more request, bounded as above)
    R = M + U                                     without vintages
    R = M + sum over u in U of (1 + ceil(V_u / 2000))   with vintages
    M = series with a valid id (one ``fred/series`` request each; an invalid id is never requested),
    U = those whose last_updated changed or that are not stored (not unknown or failed at the metadata step),
    V_u = vintage dates of u from its stored vintage on (at least one range per series).
    So without vintages R = M + 1.00 x U. A response holding more rows than FRED's 100,000 per request adds
    one request per further page (vintage ranges only; latest-value requests stay far below it).
"""

from __future__ import annotations

import datetime as dt
import http.client
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl
import tenacity
from fredapi import Fred
from pydantic import Field

from macro_pipeline.catalog import CatalogError, validate_series_id
from macro_pipeline.schemas.raw import OPEN_END
from macro_pipeline.sources.base import Delivery, ObservationSource, SeriesOutcome, SourceError
from macro_pipeline.sources.rate_limit import DEFAULT_REQUESTS_PER_MINUTE, process_rate_limiter
from macro_pipeline.transforms.raw import DELIVERY_SCHEMA, empty_delivery

DEFAULT_ROOT_URL = "https://api.stlouisfed.org/fred"
FRED_MAX_VINTAGE_DATES = 2000
FRED_MAX_OBSERVATIONS_PER_REQUEST = 100_000
OPEN_END_DATE = dt.date.fromisoformat(OPEN_END)
# FRED's own earliest real-time date (fredapi uses the same)
EARLIEST_REALTIME = dt.date.fromisoformat(Fred.earliest_realtime_start)
FRED_TIMEZONE = ZoneInfo("America/Chicago")
DEFAULT_REVISION_WINDOW_DAYS = {"D": 120, "W": 120, "M": 400, "Q": 800, "SA": 1200, "A": 1200}
# FRED's frequency_short values that share a window with a catalog frequency
_FREQUENCY_ALIASES = {"BW": "W", "WEF": "W", "WES": "W", "WETH": "W", "WEW": "W"}
_USER_AGENT = "macro_pipeline (fredapi)"
_READ_CHUNK = 64 * 1024

_log = dg.get_dagster_logger(__name__)

T = TypeVar("T")


# --- errors -------------------------------------------------------------------------------------------------

class FredApiError(RuntimeError):
    """A FRED request failed; the message never contains the API key or a request URL."""


class FredTransientError(FredApiError):
    """Worth retrying: 429, 5xx, timeout, broken connection, or a body that is not FRED's XML."""

    def __init__(self, message: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class FredRequestRejected(FredApiError):
    """FRED refused the request itself (HTTP 4xx with FRED's message); retrying cannot help."""

    def __init__(self, message: str, status: int | None = None, fred_message: str | None = None):
        super().__init__(message)
        self.status = status
        self.fred_message = fred_message


class FredSeriesNotFound(FredRequestRejected):
    """FRED does not know the series id."""


class FredKeyRejected(FredRequestRejected):
    """FRED rejected the API key (unset, malformed or not registered)."""


class FredUnavailable(SourceError):
    """FRED did not answer in time (the circuit breaker or the refresh's deadline); nothing was stored."""

    def __init__(self, message: str, failures: dict[str, str]):
        RuntimeError.__init__(self, message)
        self.failures = dict(failures)


class _StopRefresh(Exception):
    """Raised inside a refresh when the breaker opens or the deadline passes; turned into FredUnavailable."""


_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s\"'<>]*", re.IGNORECASE)


def scrub_secret(text: str, secret: str | None) -> str:
    """``text`` with the key and any ``api_key=...`` URL parameter replaced by ``***``."""
    text = _API_KEY_PARAM.sub(r"\1***", str(text))
    # a short secret would blank out ordinary words; FRED keys are 32 characters
    if secret and len(secret) >= 8:
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            text = text.replace(form, "***")
    return text


def _snippet(body: bytes, limit: int = 80) -> str:
    text = " ".join(body[:400].decode("utf-8", "replace").split())
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def parse_fred_timestamp(value: str) -> dt.datetime:
    """FRED's ``last_updated`` ('2026-11-20 07:51:02-06') as an aware datetime."""
    text = value.strip()
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})([+-]\d{2})(:?\d{2})?", text)
    if not match:
        raise ValueError(f"not a FRED timestamp: {value!r}")
    minutes = (match.group(3) or "00").lstrip(":")
    return dt.datetime.fromisoformat(f"{match.group(1)}{match.group(2)}:{minutes}")


# --- transport ----------------------------------------------------------------------------------------------

class _FredClient(Fred):
    """fredapi's Fred with its transport replaced: per-request timeout, rate limit, status-aware errors."""

    def __init__(self, api_key: str, root_url: str, timeout_seconds: float, acquire: Callable[[], Any],
                 on_request: Callable[[], None] | None = None):
        # Fred.__init__ only stores the key and, when HTTP(S)_PROXY is set, installs a process-wide urllib
        # opener; that side effect is skipped here (urlopen's default opener honours those variables itself)
        self.api_key = api_key
        self.proxies = None
        self.root_url = root_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._acquire = acquire
        self._on_request = on_request
        # what the circuit breaker and the deadline read (see FredApiSource)
        self.requests_sent = 0
        self.timeouts = 0
        self.deadline: float | None = None
        self.series_done = 0

    def scrub(self, text: str) -> str:
        return scrub_secret(text, self.api_key)

    # fredapi calls ``self.__fetch_data(url)``, which Python names ``_Fred__fetch_data``: defining it here routes
    # every fredapi request through ``request_xml``. fredapi is pinned below 0.6 and a test drives the real class.
    def _Fred__fetch_data(self, url: str) -> ET.Element:
        return self.request_xml(url)

    def request_xml(self, url: str) -> ET.Element:
        """GET ``url`` (a fredapi-style URL without the key) and return FRED's XML root, or raise FredApiError."""
        separator = "&" if "?" in url else "?"
        full_url = f"{url}{separator}api_key={urllib.parse.quote(self.api_key or '', safe='')}"
        self._acquire()
        if self._on_request is not None:
            self._on_request()
        timeout = self.timeout_seconds
        cut_by_deadline = False
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise _StopRefresh("deadline")
            cut_by_deadline = left < timeout
            timeout = min(timeout, left)
        self.requests_sent += 1
        failure: FredApiError | None = None
        timed_out = False
        status, headers, body = 0, None, b""
        # the exception is built inside ``except`` but raised outside it, so no urllib exception (whose
        # attributes hold the URL with the key) is chained to it as __context__
        try:
            status, headers, body = self._http_get(full_url, timeout)
        except TimeoutError:
            timed_out = True
            failure = FredTransientError(f"no complete response within {timeout:g} s (timeout)")
        except urllib.error.URLError as err:
            if isinstance(err.reason, TimeoutError):
                timed_out = True
                failure = FredTransientError(f"no response within {timeout:g} s (timeout)")
            else:
                failure = FredTransientError(self.scrub(f"connection failed: {err.reason}"))
        except (http.client.HTTPException, OSError) as err:
            failure = FredTransientError(self.scrub(f"connection broken: {type(err).__name__}: {err}"))
        if timed_out and cut_by_deadline:
            # the refresh's budget ran out, not FRED's patience: not counted as FRED timing out
            raise _StopRefresh("deadline")
        self.timeouts += timed_out
        if failure is not None:
            raise failure
        return self._interpret(status, headers, body)

    def _http_get(self, full_url: str, timeout: float) -> tuple[int, Any, bytes]:
        """(status, headers, body) of one GET; an HTTP error status is returned, not raised."""
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(full_url, headers={"User-Agent": _USER_AGENT})
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as err:
            if err.fp is None:  # an error without a body (urllib made it up): status and headers only
                return err.code, err.headers, b""
            response = err  # an HTTPError is the error response itself: status, headers and body
        with response:
            return response.getcode(), response.headers, self._read_body(response, deadline)

    def _read_body(self, response: Any, deadline: float) -> bytes:
        # the socket timeout bounds each read; the deadline bounds a server that trickles bytes
        chunks: list[bytes] = []
        received = 0
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read(_READ_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        declared = response.headers.get("Content-Length")
        if declared and declared.strip().isdigit() and received < int(declared):
            # http.client returns a short body without error when reading in chunks: check it here
            raise FredTransientError(f"truncated body: {received} of the declared {declared} bytes arrived")
        return b"".join(chunks)

    def _interpret(self, status: int, headers: Any, body: bytes) -> ET.Element:
        try:
            root: ET.Element | None = ET.fromstring(body)
            parse_problem = ""
        except ET.ParseError as err:
            root, parse_problem = None, f"not well-formed XML ({err}); starts {_snippet(body)}"
        fred_message = root.get("message") if root is not None and root.tag == "error" else None
        if status == 200 and root is not None and root.tag != "error":
            return root
        if status == 200 and root is None:
            raise FredTransientError(self.scrub(f"HTTP 200 but the body is {parse_problem}"), status=status)
        if status == 200:  # FRED's <error> element with a success status: trust the element's code
            status = int(root.get("code") or 400) if (root.get("code") or "").isdigit() else 400
        retry_after = _retry_after_seconds(headers.get("Retry-After") if headers is not None else None)
        if status in (408, 429) or status >= 500:
            said = f"FRED says: {fred_message}" if fred_message else f"the body is {parse_problem or 'not FRED XML'}"
            raise FredTransientError(self.scrub(f"HTTP {status}; {said}"), retry_after=retry_after, status=status)
        if fred_message is None:
            raise FredRequestRejected(self.scrub(
                f"HTTP {status} without FRED's XML error (the body is {parse_problem or 'not FRED XML'})"),
                status=status)
        fred_message = self.scrub(fred_message)
        text = f"HTTP {status}; FRED says: {fred_message}"
        lowered = fred_message.lower()
        if "api_key" in lowered or "api key" in lowered:
            raise FredKeyRejected(text, status=status, fred_message=fred_message)
        if "does not exist" in lowered:
            raise FredSeriesNotFound(text, status=status, fred_message=fred_message)
        raise FredRequestRejected(text, status=status, fred_message=fred_message)

    def get_series_real_time_periods(self, series_id: str, realtime_start: dt.date,
                                     realtime_end: dt.date) -> list[dict]:
        """Every real-time period of the series within a real-time range, with FRED's realtime_end.

        fredapi's ``get_series_all_releases`` drops realtime_end, which is needed to tell a value that was later
        removed from one still current, so this request reads the rows itself (same endpoint, same transport).
        """
        base = (f"{self.root_url}/series/observations?series_id={series_id}"
                f"&realtime_start={realtime_start.isoformat()}&realtime_end={realtime_end.isoformat()}"
                f"&limit={FRED_MAX_OBSERVATIONS_PER_REQUEST}")
        rows: list[dict] = []
        offset = 0
        while True:
            root = self.request_xml(base + (f"&offset={offset}" if offset else ""))
            page = [{
                "date": dt.date.fromisoformat(child.attrib["date"]),
                "value": None if child.attrib["value"] == self.nan_char else float(child.attrib["value"]),
                "realtime_start": dt.date.fromisoformat(child.attrib["realtime_start"]),
                "realtime_end": dt.date.fromisoformat(child.attrib["realtime_end"]),
            } for child in root if child.tag == "observation"]
            rows += page
            offset += len(page)
            total = int(root.get("count") or 0)
            if not page or offset >= total:
                return rows

    def get_series_updates(self, start: dt.datetime, end: dt.datetime, page_limit: int = 50) -> dict[str, str]:
        """id -> last_updated of every series FRED updated between start and end (fred/series/updates)."""
        fmt = "%Y%m%d%H%M"  # FRED reads these times in its own (Central) time zone
        base = (f"{self.root_url}/series/updates?filter_value=all"
                f"&start_time={start.astimezone(FRED_TIMEZONE).strftime(fmt)}"
                f"&end_time={end.astimezone(FRED_TIMEZONE).strftime(fmt)}&limit=1000")
        updates: dict[str, str] = {}
        offset = 0
        for _ in range(page_limit):
            root = self.request_xml(base + f"&offset={offset}")
            page = [child for child in root if child.tag == "series"]
            for child in page:
                updates[child.attrib["id"]] = child.attrib.get("last_updated", "")
            offset += len(page)
            if not page or offset >= int(root.get("count") or 0):
                break
        return updates


# --- retries ------------------------------------------------------------------------------------------------

@dataclass
class _RetryBudget:
    """Retries left in one refresh; once spent, a failing FRED is not asked again in that refresh."""

    remaining: int
    last_error: str = ""

    @property
    def spent(self) -> bool:
        return self.remaining <= 0


# --- the source ---------------------------------------------------------------------------------------------

class FredApiSource(ObservationSource):
    """Observations from the FRED API (fredapi), fetched incrementally with rate limit, retries and timeouts."""

    # FRED revises series one at a time: one series' bad delivery must not block the others
    isolates_failing_series: ClassVar[bool] = True

    api_key: str = Field(description="FRED API key; configure with dg.EnvVar('FRED_API_KEY'), never inline",
                         repr=False)
    root_url: str = Field(default=DEFAULT_ROOT_URL, description="FRED API root (a FRED-compatible server in tests)")
    requests_per_minute: float = Field(default=DEFAULT_REQUESTS_PER_MINUTE,
                                       description="process-wide request budget (FRED allows 120 per minute)")
    timeout_seconds: float = Field(default=20.0, description="deadline of one HTTP request, body included")
    max_retries: int = Field(default=4, description="retries of one request on 429, 5xx, timeouts, garbled bodies")
    max_total_retries: int = Field(default=40, description="retries of one whole refresh")
    backoff_base_seconds: float = Field(default=1.0, description="first backoff; doubles per retry, full jitter")
    backoff_max_seconds: float = Field(default=60.0, description="cap of one backoff wait")
    max_retry_after_seconds: float = Field(default=120.0,
                                           description="longest Retry-After honoured; a longer one ends the retries")
    revision_window_days_by_frequency: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_REVISION_WINDOW_DAYS),
        description="days before the last stored observation that are requested again, by frequency "
                    "(D, W, M, Q, SA, A); other frequencies use the largest window")
    fetch_vintages: bool = Field(default=False, description="store every FRED vintage (ALFRED real-time periods)")
    max_vintage_dates_per_request: int = Field(default=FRED_MAX_VINTAGE_DATES,
                                               description="vintage dates per real-time range (FRED's limit: 2000)")
    deadline_seconds: float = Field(default=600.0, gt=0,
                                    description="time budget of one whole refresh (MACRO_PIPELINE_FRED_DEADLINE_"
                                                "SECONDS); past it the refresh stops and stores nothing")
    breaker_min_requests: int = Field(default=8, ge=1,
                                      description="requests sent before the circuit breaker may open")
    breaker_timeout_share: float = Field(default=0.5, gt=0, le=1,
                                         description="share of timed-out requests that opens the breaker")

    # --- public ---

    def describe(self) -> str:
        return f"fred_api {self.root_url}"

    def fetch(self, series_ids: list[str], stored: pl.DataFrame) -> Delivery:
        client = self._client()
        started = time.monotonic()
        client.deadline = started + self.deadline_seconds
        try:
            return self._fetch(client, series_ids, stored)
        except _StopRefresh as stop:
            raise self._unavailable(client, str(stop), started, series_ids) from None

    def _fetch(self, client: _FredClient, series_ids: list[str], stored: pl.DataFrame) -> Delivery:
        budget = _RetryBudget(self.max_total_retries)
        stored_by_id = _stored_by_id(stored)
        fetched_on = dt.datetime.now(dt.UTC).date()
        frames: list[pl.DataFrame] = []
        outcomes: list[SeriesOutcome] = []
        notes: dict[str, str] = {}
        for position, series_id in enumerate(series_ids):
            try:
                validate_series_id(series_id)
            except CatalogError as err:
                outcomes.append(SeriesOutcome(str(series_id), "failed", 0, client.scrub(f"not requested: {err}")))
                continue
            previous = stored_by_id.get(series_id)
            previous_stamp = previous.get("source_last_updated") if previous else None
            client.series_done = position
            self._check_health(client)
            if budget.spent and budget.last_error:
                outcomes.append(SeriesOutcome(series_id, "failed", 0, client.scrub(
                    f"{series_id}: not requested: this refresh spent its {self.max_total_retries} retries on a "
                    f"failing FRED (last error: {budget.last_error})"), previous_stamp))
                continue
            try:
                frame, outcome, note = self._refresh_series(client, budget, series_id, previous)
            except FredKeyRejected as err:
                rest = [s for s in series_ids[position + 1:] if isinstance(s, str)]
                failures = {series_id: client.scrub(f"FRED rejected the API key ({err})")}
                failures |= dict.fromkeys(rest, "not requested: FRED rejected the API key")
                raise SourceError(failures) from None
            except FredSeriesNotFound as err:
                outcomes.append(SeriesOutcome(series_id, "missing", 0, client.scrub(f"{series_id}: {err}")))
                continue
            except FredApiError as err:
                detail = client.scrub(f"{series_id}: {err}")
                _log.warning(f"FRED: {detail}")
                outcomes.append(SeriesOutcome(series_id, "failed", 0, detail, previous_stamp))
                continue
            outcomes.append(outcome)
            if note:
                notes[series_id] = note
            if frame is not None and frame.height:
                frames.append(frame)
        observations = pl.concat(frames) if frames else empty_delivery()
        label = f"fred_api {fetched_on.isoformat()}"
        return Delivery(observations, outcomes, label, notes)

    def updated_series(self, since: dt.datetime, until: dt.datetime | None = None) -> dict[str, str]:
        """Series FRED updated between ``since`` and ``until`` (aware datetimes; default now): id -> last_updated.

        One ``fred/series/updates`` request per 1,000 updates. FRED keeps about two weeks of this history, so an
        older ``since`` is moved up to 13 days ago.
        """
        until = until or dt.datetime.now(dt.UTC)
        since = max(since, until - dt.timedelta(days=13))
        client = self._client()
        budget = _RetryBudget(self.max_retries)
        return self._with_retries(client, budget, "*", "fred/series/updates", client.get_series_updates,
                                  since, until)

    # --- internals ---

    def _check_health(self, client: _FredClient) -> None:
        """Raise _StopRefresh when most requests timed out (the breaker) or the deadline has passed."""
        sent = client.requests_sent
        if sent >= self.breaker_min_requests and client.timeouts >= self.breaker_timeout_share * sent:
            raise _StopRefresh("breaker")
        if client.deadline is not None and time.monotonic() >= client.deadline:
            raise _StopRefresh("deadline")

    def _unavailable(self, client: _FredClient, why: str, started: float, series_ids: list[str]) -> FredUnavailable:
        done = getattr(client, "series_done", 0)
        took = time.monotonic() - started
        if why == "breaker":
            reason = (f"the refresh stopped at {took:.1f} s, after trying {done} of {len(series_ids)} series "
                      f"(circuit breaker: {self.breaker_timeout_share:.0%} or more of the requests timed out)")
        else:
            reason = (f"the refresh ran out of its time budget of {self.deadline_seconds:g} s (setting "
                      f"MACRO_PIPELINE_FRED_DEADLINE_SECONDS) after trying {done} of {len(series_ids)} series")
        message = (f"FRED did not answer ({client.timeouts} of {client.requests_sent} requests timed out); {reason}. "
                   "Nothing was stored; every series keeps its last good vintage. Check the network and "
                   f"{self.root_url}, then run again.")
        failures = {str(s): f"not stored: FRED did not answer ({why})" for s in series_ids}
        return FredUnavailable(client.scrub(message), failures)

    def _client(self) -> _FredClient:
        limiter = process_rate_limiter(self.requests_per_minute)
        return _FredClient(api_key=self.api_key, root_url=self.root_url, timeout_seconds=self.timeout_seconds,
                           acquire=limiter.acquire)

    def _refresh_series(self, client: _FredClient, budget: _RetryBudget, series_id: str,
                        previous: dict | None) -> tuple[pl.DataFrame | None, SeriesOutcome, str]:
        info = self._with_retries(client, budget, series_id, "fred/series", client.get_series_info, series_id)
        last_updated = str(info.get("last_updated") or "").strip()
        frequency = str(info.get("frequency_short") or "").strip().upper()
        note = "; ".join(x for x in (str(info.get("title") or ""), str(info.get("units") or ""),
                                     f"frequency {frequency or '?'}", f"FRED last_updated {last_updated or '?'}") if x)
        previous_stamp = previous.get("source_last_updated") if previous else None
        if previous and previous.get("n_rows") and previous_stamp and last_updated and previous_stamp == last_updated:
            return None, SeriesOutcome(series_id, "unchanged", 0, f"FRED last_updated {last_updated} as stored",
                                       last_updated), note
        if self.fetch_vintages:
            frame, detail = self._fetch_vintages(client, budget, series_id, previous)
        else:
            frame, detail = self._fetch_latest(client, budget, series_id, previous, info, frequency, last_updated)
        return frame, SeriesOutcome(series_id, "fetched", frame.height, detail, last_updated or None), note

    def _window_days(self, frequency: str) -> int:
        windows = self.revision_window_days_by_frequency
        key = _FREQUENCY_ALIASES.get(frequency, frequency)
        if key in windows:
            return windows[key]
        # an unexpected frequency gets the widest window: re-reading too much is cheaper than missing a revision
        return max([*windows.values(), *DEFAULT_REVISION_WINDOW_DAYS.values()])

    def _fetch_latest(self, client: _FredClient, budget: _RetryBudget, series_id: str, previous: dict | None,
                      info: Any, frequency: str, last_updated: str) -> tuple[pl.DataFrame, str]:
        observation_start = None
        if previous and previous.get("n_rows") and previous.get("source_last_updated"):
            anchor = previous.get("last_date")
            if anchor is None:
                # no stored last date: nothing stored can be dated after the stored vintage or FRED's last date
                candidates = [d for d in (previous.get("last_realtime_start"),
                                          _parse_date(info.get("observation_end"))) if d is not None]
                anchor = min(candidates, default=None)
            if anchor is not None:
                observation_start = anchor - dt.timedelta(days=self._window_days(frequency))
        series = self._with_retries(client, budget, series_id, "fred/series/observations", client.get_series,
                                    series_id, observation_start=observation_start.isoformat()
                                    if observation_start else None)
        vintage = self._vintage_date(last_updated, previous)
        rows = {"series_id": [], "date": [], "value": [], "realtime_start": [], "realtime_end": []}
        for stamp, value in series.items():
            rows["series_id"].append(series_id)
            rows["date"].append(stamp.date() if hasattr(stamp, "date") else stamp)
            rows["value"].append(None if value is None or (isinstance(value, float) and math.isnan(value))
                                 else float(value))
            rows["realtime_start"].append(vintage)
            rows["realtime_end"].append(OPEN_END_DATE)
        frame = pl.DataFrame(rows, schema=DELIVERY_SCHEMA).sort("date")
        scope = (f"observations from {observation_start.isoformat()} (revision window "
                 f"{self._window_days(frequency)} days, frequency {frequency or '?'})" if observation_start
                 else "full history")
        return frame, f"{scope}; vintage {vintage.isoformat()} from FRED last_updated {last_updated or '?'}"

    @staticmethod
    def _vintage_date(last_updated: str, previous: dict | None) -> dt.date:
        try:
            vintage = parse_fred_timestamp(last_updated).date() if last_updated else dt.datetime.now(dt.UTC).date()
        except ValueError:
            vintage = dt.datetime.now(dt.UTC).date()
        stored_vintage = previous.get("last_realtime_start") if previous else None
        if stored_vintage is not None and vintage <= stored_vintage:
            # a changed value must carry a later vintage than the stored one to supersede it
            vintage = stored_vintage + dt.timedelta(days=1)
        return vintage

    def _fetch_vintages(self, client: _FredClient, budget: _RetryBudget, series_id: str,
                        previous: dict | None) -> tuple[pl.DataFrame, str]:
        start = previous.get("last_realtime_start") if previous and previous.get("n_rows") else None
        vintage_dates = self._with_retries(client, budget, series_id, "fred/series/vintagedates",
                                           client.get_series_vintage_dates, series_id)
        dates = sorted({d.date() if hasattr(d, "date") else d for d in vintage_dates})
        if start is not None:
            dates = [d for d in dates if d >= start]
        ranges = realtime_ranges(dates, start, self.max_vintage_dates_per_request)
        periods: list[dict] = []
        for low, high in ranges:
            periods += self._with_retries(client, budget, series_id, "fred/series/observations (real-time)",
                                          client.get_series_real_time_periods, series_id, low, high)
        frame = join_split_periods(pl.DataFrame(
            [{"series_id": series_id, **p} for p in periods],
            schema=DELIVERY_SCHEMA) if periods else empty_delivery())
        since = f"since {start.isoformat()}" if start else "all"
        return frame, (f"{frame.height} real-time periods; {len(dates)} vintage dates ({since}) in "
                       f"{len(ranges)} real-time ranges")

    def _with_retries(self, client: _FredClient, budget: _RetryBudget, series_id: str, what: str,
                      call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            self._check_health(client)
            attempts += 1
            problem = ""
            try:
                return call(*args, **kwargs)
            except FredApiError:
                raise
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
                # fredapi (or the parse above) could not read what came back: a garbled answer
                problem = client.scrub(f"FRED's response could not be read ({type(err).__name__}: {err})")
            raise FredTransientError(problem)

        jitter = tenacity.wait_random_exponential(multiplier=self.backoff_base_seconds,
                                                  max=self.backoff_max_seconds)

        def wait(state: tenacity.RetryCallState) -> float:
            asked = getattr(state.outcome.exception(), "retry_after", None) or 0.0
            pause = max(jitter(state), asked)
            if client.deadline is not None:  # never sleep past the refresh's deadline
                pause = max(0.0, min(pause, client.deadline - time.monotonic()))
            return pause

        def stop(state: tenacity.RetryCallState) -> bool:
            error = state.outcome.exception()
            if getattr(error, "retry_after", None) and error.retry_after > self.max_retry_after_seconds:
                return True
            if client.deadline is not None and time.monotonic() + self.backoff_base_seconds >= client.deadline:
                return True
            return state.attempt_number > self.max_retries or budget.spent

        def before_sleep(state: tenacity.RetryCallState) -> None:
            budget.remaining -= 1
            _log.info(f"FRED {what} for {series_id}: attempt {state.attempt_number} failed "
                      f"({client.scrub(str(state.outcome.exception()))}); retrying in {state.upcoming_sleep:.2f} s")

        retrying = tenacity.Retrying(retry=tenacity.retry_if_exception_type(FredTransientError), stop=stop,
                                     wait=wait, before_sleep=before_sleep, reraise=True)
        final: FredTransientError | None = None
        try:
            return retrying(attempt)
        except FredTransientError as err:
            budget.last_error = str(err)
            why = []
            if err.retry_after and err.retry_after > self.max_retry_after_seconds:
                why.append(f"FRED asked to wait {err.retry_after:g} s, more than max_retry_after_seconds "
                           f"{self.max_retry_after_seconds:g}")
            elif budget.spent and attempts <= self.max_retries:
                why.append(f"the refresh's retry budget ({self.max_total_retries}) is spent")
            final = FredTransientError(client.scrub(
                f"{what} failed after {attempts} attempt{'s' if attempts != 1 else ''}: {err}"
                + (f" ({'; '.join(why)})" if why else "")), retry_after=err.retry_after, status=err.status)
        raise final


def realtime_ranges(vintage_dates: list[dt.date], start: dt.date | None,
                    max_dates: int = FRED_MAX_VINTAGE_DATES) -> list[tuple[dt.date, dt.date]]:
    """Contiguous real-time ranges covering ``start`` (or the first vintage) to 9999-12-31, each holding at most
    ``max_dates`` of the (sorted) vintage dates, so no request exceeds FRED's vintage-date limit."""
    if max_dates < 1:
        raise ValueError("max_dates must be at least 1")
    if not vintage_dates:
        return [(start or EARLIEST_REALTIME, OPEN_END_DATE)]
    chunks = [vintage_dates[i:i + max_dates] for i in range(0, len(vintage_dates), max_dates)]
    ranges = []
    for index, chunk in enumerate(chunks):
        low = min(start, chunk[0]) if index == 0 and start is not None else chunk[0]
        high = chunks[index + 1][0] - dt.timedelta(days=1) if index + 1 < len(chunks) else OPEN_END_DATE
        ranges.append((low, high))
    return ranges


def join_split_periods(frame: pl.DataFrame) -> pl.DataFrame:
    """Join real-time periods that a range boundary cut in two: same series, date and value, and the second
    starting the day after the first ends."""
    if frame.is_empty():
        return frame
    ordered = frame.sort("series_id", "date", "realtime_start")
    same_key = (pl.col("series_id") == pl.col("series_id").shift(1)) & (pl.col("date") == pl.col("date").shift(1))
    continues = (same_key & pl.col("value").eq_missing(pl.col("value").shift(1))
                 & (pl.col("realtime_start") == pl.col("realtime_end").shift(1) + pl.duration(days=1)))
    return (ordered.with_columns((~continues.fill_null(False)).cum_sum().alias("period"))
            .group_by("period", maintain_order=True)
            .agg(pl.col("series_id").first(), pl.col("date").first(), pl.col("value").first(),
                 pl.col("realtime_start").min(), pl.col("realtime_end").max())
            .select(list(DELIVERY_SCHEMA)))


# the revision stamps the embedded snapshot source writes (sources/snapshot.py series_stamp)
SNAPSHOT_STAMP_PREFIX = "sha256:"


def _stored_by_id(stored: pl.DataFrame | None) -> dict[str, dict]:
    """Per stored series its summary; a revision stamp another source left (the snapshot's 'sha256:' stamp) is
    not FRED's last_updated: such a series was never fetched from FRED and is read in full once."""
    if stored is None or stored.is_empty() or "series_id" not in stored.columns:
        return {}
    rows = {row["series_id"]: row for row in stored.to_dicts()}
    for row in rows.values():
        if str(row.get("source_last_updated") or "").startswith(SNAPSHOT_STAMP_PREFIX):
            row["source_last_updated"] = None
    return rows


def _parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
