"""Shared fixtures for the FRED API tests: the loopback FRED server, fast-retrying sources, a scratch warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import polars as pl
import pytest

from macro_pipeline.sources.base import Delivery
from macro_pipeline.sources.fred_api import FredApiSource
from macro_pipeline.sql import load_sql, split_statements
from macro_pipeline.transforms.raw import check_delivery
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.raw_store import MergeResult, merge_delivery, stored_summary
from macro_pipeline_tests.fred_server import VALID_KEY, FredTestServer

# Retries in milliseconds, so a fault test costs little wall time. The request deadline stays the source's own
# default (20 s): a request expected to succeed must never race a short deadline. These tests used to give every
# request 0.5 s; in a loaded full-suite run that deadline fired on a request the server was answering, and the
# unexpected retry broke a request count (issue 9). The largest loopback answers are the 0.3 MB daily series
# (~60 ms to the first byte on an idle machine). Only a request the server stalls is meant to time out: tests
# that stall one pass STALLED_REQUEST_TIMEOUT, and the "stall" fault answers nothing until the client hangs up,
# so it times out whatever the load.
FAST = {"requests_per_minute": 1_000_000, "max_retries": 3, "max_total_retries": 40,
        "backoff_base_seconds": 0.005, "backoff_max_seconds": 0.02, "max_retry_after_seconds": 5.0}
STALLED_REQUEST_TIMEOUT = 0.5


@pytest.fixture
def fred_server() -> Iterator[FredTestServer]:
    server = FredTestServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_fred_source(fred_server: FredTestServer) -> Callable[..., FredApiSource]:
    def make(**overrides: object) -> FredApiSource:
        return FredApiSource(**{"api_key": VALID_KEY, "root_url": fred_server.root_url, **FAST, **overrides})
    return make


@pytest.fixture
def scratch_warehouse(tmp_path) -> Warehouse:
    return Warehouse(data_dir=str(tmp_path / "data"))


def store(warehouse: Warehouse, delivery: Delivery) -> MergeResult:
    """What the raw asset does with a delivery: check, merge, and keep the fetch log (with FRED's stamps)."""
    check_delivery(delivery.observations)
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        merged = merge_delivery(con, delivery.observations, delivery.source, loaded_at)
    warehouse.replace("raw.fetch_log", delivery.fetch_log(merged.inserted_by_series, loaded_at))
    return merged


def stored(warehouse: Warehouse) -> pl.DataFrame:
    with warehouse.connect() as con:
        return stored_summary(con)


def as_of(warehouse: Warehouse, series_id: str, as_of_date: dt.date) -> pl.DataFrame:
    """The series as known on a date, through the raw layer's own observations_as_of macro."""
    with warehouse.connect() as con:
        for statement in split_statements(load_sql("pipeline/raw_views")):
            con.execute(statement)
        return con.sql("SELECT date, value, realtime_start FROM raw.observations_as_of(?) "
                       "WHERE series_id = ? ORDER BY date", params=[as_of_date, series_id]).pl()


def raw_rows(warehouse: Warehouse, series_id: str) -> pl.DataFrame:
    with warehouse.connect() as con:
        return con.sql("SELECT date, value, realtime_start, realtime_end FROM raw.observations "
                       "WHERE series_id = ? ORDER BY date, realtime_start", params=[series_id]).pl()
