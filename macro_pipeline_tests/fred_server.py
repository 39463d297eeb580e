"""A FRED-compatible HTTP server on 127.0.0.1 that serves the embedded snapshot, with vintages and faults, for tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import quoteattr

SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "data" / "fred_snapshot"
# a test key in FRED's format (32 lower-case alphanumerics); only this server knows it
VALID_KEY = "f00dfeed0123456789abcdeffedcba98"
EARLIEST = dt.date(1776, 7, 4)
OPEN_END = dt.date(9999, 12, 31)
MAX_VINTAGE_DATES = 2000
ENDPOINTS = ("series", "series/observations", "series/vintagedates", "series/updates")

_FREQUENCIES = {"Daily": "D", "Weekly": "W", "Monthly": "M", "Quarterly": "Q", "Semiannual": "SA", "Annual": "A"}
_FREQUENCY_NAMES = {v: k for k, v in _FREQUENCIES.items()}
_KEY_HELP = "Read https://fred.stlouisfed.org/docs/api/api_key.html for more information."
MESSAGES = {
    "no_key": f"Bad Request.  Variable api_key is not set.  {_KEY_HELP}",
    "bad_key": f"Bad Request.  The value for variable api_key is not registered.  {_KEY_HELP}",
    "unknown_series": "Bad Request.  The series does not exist.",
    "too_many_vintages": f"Bad Request.  This exceeds the maximum number of vintage dates allowed "
                         f"({MAX_VINTAGE_DATES}).",
    "rate_limited": "Too Many Requests.  Exceeded Rate Limit",
    "internal": "Internal Server Error",
    "bad_request": "Bad Request.  Variable observation_start is not a valid date.",
}
FAULT_KINDS = ("429", "500", "503", "html", "stall", "malformed", "truncated", "garbage_value",
               "unknown_series", "bad_key", "bad_request", "echo")
STALL_LIMIT_SECONDS = 60.0  # a stalled request never outlives a test that forgot its client
_HTML_ERROR_PAGE = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                    b"</center><hr><center>nginx</center></body></html>\n")


@dataclass
class Vintage:
    """One published state of a series: every observation as known from ``date`` on."""

    date: dt.date
    observations: dict[dt.date, float | None]
    last_updated: str


@dataclass
class SeriesState:
    series_id: str
    title: str
    units: str
    frequency_short: str
    seasonal_adjustment_short: str = "NSA"
    vintages: list[Vintage] = field(default_factory=list)
    last_updated_override: str | None = None


@dataclass
class Fault:
    kind: str
    endpoint: str | None = None
    series_id: str | None = None
    remaining: int = 1
    retry_after: str | None = None


@dataclass
class RequestRecord:
    """One request as it arrived (the key is replaced by whether it was valid); status is set once answered."""

    endpoint: str
    series_id: str | None
    params: dict[str, str]
    at: float
    fault: str | None
    status: int = 0


def fred_timestamp(moment: dt.datetime) -> str:
    """FRED's last_updated format, in FRED's Central time with a two-digit offset: '2026-11-20 07:51:02-06'."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    from zoneinfo import ZoneInfo
    local = moment.astimezone(ZoneInfo("America/Chicago"))
    offset = local.utcoffset()
    hours = int(offset.total_seconds() // 3600)
    return local.strftime("%Y-%m-%d %H:%M:%S") + f"{'-' if hours < 0 else '+'}{abs(hours):02d}"


def parse_fred_timestamp(value: str) -> dt.datetime:
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})([+-]\d{2})", value.strip())
    if not match:
        raise ValueError(value)
    return dt.datetime.fromisoformat(f"{match.group(1)}{match.group(2)}:00")


def _read_snapshot_date(snapshot_dir: Path) -> dt.date:
    found = re.search(r"Snapshot date:\s*(\d{4}-\d{2}-\d{2})", (snapshot_dir / "README.md").read_text("utf-8"))
    return dt.date.fromisoformat(found.group(1))


def _xml(root_tag: str, root_attrs: dict[str, object], children: Iterable[str]) -> bytes:
    attrs = " ".join(f"{k}={quoteattr(str(v))}" for k, v in root_attrs.items())
    body = "\n".join(f"  {c}" for c in children)
    return f'<?xml version="1.0" encoding="utf-8" ?>\n<{root_tag} {attrs}>\n{body}\n</{root_tag}>\n'.encode()


def _element(tag: str, attrs: dict[str, object]) -> str:
    return f"<{tag} " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs.items()) + "/>"


def _error_xml(code: int, message: str) -> bytes:
    return f'<?xml version="1.0" encoding="utf-8" ?>\n<error code="{code}" message={quoteattr(message)}/>\n'.encode()


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class FredTestServer:
    """Serves ``data/fred_snapshot`` through FRED's XML endpoints; tests change vintages, inject faults and read
    the request log. The snapshot's rows are one vintage dated the snapshot date; ``today`` is the server's
    real-time date (default: the later of the machine's date and that vintage) and moves forward when a test
    adds a later vintage, as FRED's clock would have.
    """

    def __init__(self, snapshot_dir: Path = SNAPSHOT_DIR, api_key: str = VALID_KEY,
                 vintage_date: dt.date | None = None):
        self.snapshot_dir = Path(snapshot_dir)
        self.api_key = api_key
        self.initial_vintage = vintage_date or _read_snapshot_date(self.snapshot_dir)
        self.today = max(dt.date.today(), self.initial_vintage)
        self.max_vintage_dates = MAX_VINTAGE_DATES
        self._manifest = self._read_manifest()
        self._series: dict[str, SeriesState] = {}
        self._faults: list[Fault] = []
        self._log: list[RequestRecord] = []
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    @property
    def root_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/fred"

    def start(self) -> FredTestServer:
        handler = type("Handler", (_Handler,), {"fred": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fred-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> FredTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test controls: data ---

    def _read_manifest(self) -> dict[str, dict[str, str]]:
        text = (self.snapshot_dir / "MANIFEST.csv").read_text("utf-8")
        return {row["series_id"]: row for row in csv.DictReader(io.StringIO(text))}

    def series(self, series_id: str) -> SeriesState:
        """The series' state (loaded from the snapshot on first use); KeyError when the server does not have it."""
        with self._lock:
            if series_id not in self._series:
                entry = self._manifest.get(series_id)
                if entry is None:
                    raise KeyError(series_id)
                text = (self.snapshot_dir / "series" / f"{series_id}.csv").read_text("utf-8")
                observations = {
                    dt.date.fromisoformat(row["date"]): (float(row["value"]) if row["value"].strip() not in ("", ".")
                                                         else None)
                    for row in csv.DictReader(io.StringIO(text))}
                frequency = _FREQUENCIES.get(entry["frequency"].split()[0].strip(","), "Q")
                self._series[series_id] = SeriesState(
                    series_id, entry["title"], entry["units"], frequency,
                    vintages=[Vintage(self.initial_vintage, observations,
                                      f"{self.initial_vintage.isoformat()} 07:45:00-06")])
            return self._series[series_id]

    def known_series(self) -> list[str]:
        with self._lock:
            return sorted(set(self._manifest) | set(self._series))

    def add_series(self, series_id: str, vintages: list[tuple[dt.date, dict[dt.date, float | None]]],
                   frequency_short: str = "Q", title: str = "Synthetic test series", units: str = "Index") -> None:
        """Register a series that is not in the snapshot, with its vintages (date, full state)."""
        with self._lock:
            ordered = sorted(vintages, key=lambda v: v[0])
            self._series[series_id] = SeriesState(series_id, title, units, frequency_short, vintages=[
                Vintage(d, dict(obs), f"{d.isoformat()} 07:45:00-06") for d, obs in ordered])
            self.today = max(self.today, max((d for d, _ in vintages), default=self.today))

    def add_vintage(self, series_id: str, vintage_date: dt.date, changes: dict[dt.date, float | None],
                    last_updated: str | None = None, removed: Iterable[dt.date] = ()) -> Vintage:
        """Publish a new vintage: the latest state with ``changes`` applied (new dates are new observations)."""
        with self._lock:
            state = self.series(series_id)
            if state.vintages and vintage_date <= state.vintages[-1].date:
                raise ValueError(f"vintage {vintage_date} is not after {state.vintages[-1].date}")
            observations = dict(state.vintages[-1].observations) if state.vintages else {}
            observations.update(changes)
            for gone in removed:
                observations.pop(gone, None)
            vintage = Vintage(vintage_date, observations, last_updated or f"{vintage_date.isoformat()} 07:45:00-06")
            state.vintages.append(vintage)
            state.last_updated_override = None
            self.today = max(self.today, vintage_date)
            return vintage

    def set_last_updated(self, series_id: str, last_updated: str | dt.datetime) -> None:
        """Override the series' last_updated (metadata only: the observations stay as they are)."""
        with self._lock:
            self.series(series_id).last_updated_override = (
                fred_timestamp(last_updated) if isinstance(last_updated, dt.datetime) else last_updated)

    def last_updated(self, series_id: str) -> str:
        with self._lock:
            state = self.series(series_id)
            visible = self._visible_vintages(state, self.today)
            return state.last_updated_override or (visible[-1].last_updated if visible else "")

    # --- test controls: faults and the request log ---

    def inject(self, kind: str, endpoint: str | None = "series/observations", series_id: str | None = None,
               times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next ``times`` matching requests (endpoint/series None = any) with a fault:
        429 (with Retry-After), 500 and 503 (FRED XML), html (a 502 HTML page), stall (no answer until the client
        hangs up: a timeout whatever the client's deadline and the machine's load; a fixed delay would race the
        deadline), malformed (broken XML), truncated (half the declared
        body), garbage_value (XML with a non-numeric value), unknown_series, bad_key and bad_request (FRED's 400
        errors), echo (a 400 HTML page that repeats the request line, key included, as some proxies do)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind {kind!r} is not one of {FAULT_KINDS}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint {endpoint!r} is not one of {ENDPOINTS}")
        with self._lock:
            self._faults.append(Fault(kind, endpoint, series_id, times, retry_after))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def requests(self, endpoint: str | None = None, series_id: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._log if (endpoint is None or r.endpoint == endpoint)
                    and (series_id is None or r.series_id == series_id)]

    def count(self, endpoint: str | None = None, series_id: str | None = None) -> int:
        return len(self.requests(endpoint, series_id))

    def counts(self) -> dict[str, int]:
        """Requests per endpoint."""
        with self._lock:
            result: dict[str, int] = {}
            for record in self._log:
                result[record.endpoint] = result.get(record.endpoint, 0) + 1
            return result

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _take_fault(self, endpoint: str, series_id: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.endpoint in (None, endpoint) and fault.series_id in (None, series_id):
                    fault.remaining -= 1
                    return fault
            return None

    def _record(self, endpoint: str, params: dict[str, str], fault: str | None) -> RequestRecord:
        shown = {k: v for k, v in params.items() if k != "api_key"}
        shown["api_key_valid"] = str(params.get("api_key") == self.api_key)
        record = RequestRecord(endpoint, params.get("series_id"), shown, time.monotonic(), fault)
        with self._lock:
            self._log.append(record)
        return record

    # --- FRED semantics ---

    @staticmethod
    def _visible_vintages(state: SeriesState, today: dt.date) -> list[Vintage]:
        return [v for v in state.vintages if v.date <= today]

    @staticmethod
    def periods(state: SeriesState) -> list[tuple[dt.date, dt.date, dt.date, float | None]]:
        """Every real-time period (date, realtime_start, realtime_end, value) of the series, ALFRED-style."""
        vintages = state.vintages
        dates = sorted({d for v in vintages for d in v.observations})
        result = []
        for date in dates:
            current: tuple[dt.date, float | None] | None = None  # (start, value) of the open period
            for vintage in vintages:
                present = date in vintage.observations
                value = vintage.observations.get(date)
                if current is not None and (not present or value != current[1]):
                    result.append((date, current[0], vintage.date - dt.timedelta(days=1), current[1]))
                    current = None
                if present and current is None:
                    current = (vintage.date, value)
            if current is not None:
                result.append((date, current[0], OPEN_END, current[1]))
        result.sort(key=lambda p: (p[0], p[1]))
        return result

    def handle(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes, Fault | None]:
        """(status, headers, body, fault) for one GET; faults are applied by the request handler."""
        endpoint = path.removeprefix("/fred/").strip("/") if path.startswith("/fred/") else path
        fault = self._take_fault(endpoint, params.get("series_id"))
        # recorded on arrival, so a request the client gave up on (stall fault) is counted before fetch returns
        record = self._record(endpoint, params, fault.kind if fault else None)
        xml_headers = {"Content-Type": "text/xml; charset=UTF-8"}
        status, headers, body = 200, dict(xml_headers), b""
        if fault is not None and fault.kind == "429":
            status, body = 429, _error_xml(429, MESSAGES["rate_limited"])
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
        elif fault is not None and fault.kind in ("500", "503"):
            status, body = int(fault.kind), _error_xml(int(fault.kind), MESSAGES["internal"])
        elif fault is not None and fault.kind == "html":
            status, headers, body = 502, {"Content-Type": "text/html"}, _HTML_ERROR_PAGE
        elif fault is not None and fault.kind == "unknown_series":
            status, body = 400, _error_xml(400, MESSAGES["unknown_series"])
        elif fault is not None and fault.kind == "bad_key":
            status, body = 400, _error_xml(400, MESSAGES["bad_key"])
        elif fault is not None and fault.kind == "bad_request":
            status, body = 400, _error_xml(400, MESSAGES["bad_request"])
        elif fault is not None and fault.kind == "echo":
            request_line = f"GET {path}?{urllib.parse.urlencode(params)}"
            status, headers = 400, {"Content-Type": "text/html"}
            body = f"<html><body>Bad request: {request_line}</body></html>".encode()
        else:
            try:
                body = self._answer(endpoint, params)
            except _BadRequest as err:
                status, body = err.status, _error_xml(err.status, err.message)
            if fault is not None and fault.kind == "malformed" and status == 200:
                body = body[: max(10, len(body) // 2)].replace(b"/>", b">", 1) + b"<observation date=\"20"
            if fault is not None and fault.kind == "garbage_value" and status == 200:
                body = re.sub(rb'value="[^"]*"', b'value="n/a"', body, count=1)
        if fault is None or fault.kind != "stall":  # a stalled request is never answered: its status stays 0
            record.status = status
        return status, headers, body, fault

    def _answer(self, endpoint: str, params: dict[str, str]) -> bytes:
        key = params.get("api_key")
        if not key:
            raise _BadRequest(MESSAGES["no_key"])
        if key != self.api_key:
            raise _BadRequest(MESSAGES["bad_key"])
        if endpoint == "series/updates":
            return self._updates(params)
        if endpoint not in ENDPOINTS:
            raise _BadRequest("Not Found.", 404)
        series_id = params.get("series_id")
        if not series_id:
            raise _BadRequest("Bad Request.  Variable series_id is not set.")
        with self._lock:
            try:
                state = self.series(series_id)
            except KeyError:
                raise _BadRequest(MESSAGES["unknown_series"]) from None
            if endpoint == "series":
                return self._series_info(state)
            if endpoint == "series/vintagedates":
                return self._vintage_dates(state, params)
            return self._observations(state, params)

    def _date_param(self, params: dict[str, str], name: str, default: dt.date) -> dt.date:
        if name not in params:
            return default
        try:
            return dt.date.fromisoformat(params[name])
        except ValueError:
            raise _BadRequest(f"Bad Request.  Variable {name} is not a valid date.") from None

    def _int_param(self, params: dict[str, str], name: str, default: int, maximum: int) -> int:
        try:
            value = int(params.get(name, default))
        except ValueError:
            raise _BadRequest(f"Bad Request.  Variable {name} is not an integer.") from None
        if not 0 <= value <= maximum:
            raise _BadRequest(f"Bad Request.  Variable {name} is out of range.")
        return value

    def _series_info(self, state: SeriesState) -> bytes:
        visible = self._visible_vintages(state, self.today)
        observations = visible[-1].observations if visible else {}
        today = self.today.isoformat()
        attrs = {
            "id": state.series_id, "realtime_start": today, "realtime_end": today, "title": state.title,
            "observation_start": min(observations).isoformat() if observations else "",
            "observation_end": max(observations).isoformat() if observations else "",
            "frequency": _FREQUENCY_NAMES.get(state.frequency_short, state.frequency_short),
            "frequency_short": state.frequency_short, "units": state.units, "units_short": state.units[:20],
            "seasonal_adjustment": state.seasonal_adjustment_short,
            "seasonal_adjustment_short": state.seasonal_adjustment_short,
            "last_updated": state.last_updated_override or (visible[-1].last_updated if visible else ""),
            "popularity": "50", "notes": "Served by the macro_pipeline test server from the embedded snapshot.",
        }
        return _xml("seriess", {"realtime_start": today, "realtime_end": today}, [_element("series", attrs)])

    def _vintage_dates(self, state: SeriesState, params: dict[str, str]) -> bytes:
        start = self._date_param(params, "realtime_start", EARLIEST)
        end = self._date_param(params, "realtime_end", OPEN_END)
        limit = self._int_param(params, "limit", 10000, 10000)
        offset = self._int_param(params, "offset", 0, 10**9)
        dates = [v.date for v in state.vintages if start <= v.date <= end and v.date <= self.today]
        page = dates[offset:offset + limit]
        return _xml("vintage_dates", {"realtime_start": start, "realtime_end": end, "order_by": "vintage_date",
                                      "sort_order": "asc", "count": len(dates), "offset": offset, "limit": limit},
                    [f"<vintage_date>{d.isoformat()}</vintage_date>" for d in page])

    def _observations(self, state: SeriesState, params: dict[str, str]) -> bytes:
        rt_start = self._date_param(params, "realtime_start", self.today)
        rt_end = self._date_param(params, "realtime_end", self.today)
        obs_start = self._date_param(params, "observation_start", EARLIEST)
        obs_end = self._date_param(params, "observation_end", OPEN_END)
        limit = self._int_param(params, "limit", 100000, 100000)
        offset = self._int_param(params, "offset", 0, 10**9)
        if rt_start > rt_end:
            raise _BadRequest("Bad Request.  The real-time start date must be on or before the real-time end date.")
        if obs_start > obs_end:
            raise _BadRequest("Bad Request.  The observation start date must be on or before the observation end "
                              "date.")
        vintages_in_range = sum(1 for v in state.vintages if rt_start <= v.date <= rt_end)
        if vintages_in_range > self.max_vintage_dates:
            raise _BadRequest(MESSAGES["too_many_vintages"])
        rows = []
        for date, start, end, value in self.periods(state):
            if not obs_start <= date <= obs_end or end < rt_start or start > rt_end:
                continue
            rows.append((date, max(start, rt_start), min(end, rt_end), value))
        page = rows[offset:offset + limit]
        children = [_element("observation", {"realtime_start": s.isoformat(), "realtime_end": e.isoformat(),
                                             "date": d.isoformat(), "value": "." if v is None else repr(v)})
                    for d, s, e, v in page]
        return _xml("observations", {
            "realtime_start": rt_start, "realtime_end": rt_end, "observation_start": obs_start,
            "observation_end": obs_end, "units": "lin", "output_type": 1, "file_type": "xml",
            "order_by": "observation_date", "sort_order": "asc", "count": len(rows), "offset": offset,
            "limit": limit}, children)

    def _updates(self, params: dict[str, str]) -> bytes:
        fmt = "%Y%m%d%H%M"
        window = None
        if "start_time" in params or "end_time" in params:
            if "start_time" not in params or "end_time" not in params:
                raise _BadRequest("Bad Request.  Variables start_time and end_time must both be set.")
            from zoneinfo import ZoneInfo
            try:
                window = tuple(dt.datetime.strptime(params[k], fmt).replace(tzinfo=ZoneInfo("America/Chicago"))
                               for k in ("start_time", "end_time"))
            except ValueError:
                raise _BadRequest("Bad Request.  Variable start_time or end_time is not YYYYMMDDHhmm.") from None
        limit = self._int_param(params, "limit", 1000, 1000)
        offset = self._int_param(params, "offset", 0, 10**9)
        with self._lock:
            stamps = [(sid, self.last_updated(sid)) for sid in self.known_series()]
        updated = []
        for series_id, stamp in stamps:
            moment = parse_fred_timestamp(stamp)
            if window is None or window[0] <= moment <= window[1] + dt.timedelta(seconds=59):
                updated.append((moment, series_id, stamp))
        updated.sort(reverse=True)
        today = self.today.isoformat()
        page = updated[offset:offset + limit]
        return _xml("seriess", {"realtime_start": today, "realtime_end": today, "filter_variable": "geography",
                                "filter_value": params.get("filter_value", "all"), "order_by": "last_updated",
                                "sort_order": "desc", "count": len(updated), "offset": offset, "limit": limit},
                    [_element("series", {"id": sid, "realtime_start": today, "realtime_end": today,
                                         "title": sid, "last_updated": stamp}) for _, sid, stamp in page])


class _Handler(BaseHTTPRequestHandler):
    fred: FredTestServer
    server_version = "FredTestServer/1.0"

    def do_GET(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        status, headers, body, fault = self.fred.handle(parsed.path, params)
        if fault is not None and fault.kind == "stall":
            self._wait_for_hang_up()
            return
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault is not None and fault.kind == "truncated" and status == 200:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up (a timeout test): nothing to answer

    def _wait_for_hang_up(self) -> None:
        """Answer nothing until the client closes the connection (its timeout fired), or at most a minute."""
        self.close_connection = True
        self.connection.settimeout(STALL_LIMIT_SECONDS)
        try:
            while self.connection.recv(1024):
                pass
        except OSError:
            pass  # the limit passed or the connection broke: either way, nothing is answered

    def log_message(self, format: str, *args: object) -> None:  # request lines carry the key: never log them
        pass
