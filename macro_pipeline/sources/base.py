"""The interface every observation source implements, so the raw assets do not care where data comes from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import dagster as dg
import polars as pl

OutcomeStatus = Literal["fetched", "unchanged", "missing", "failed"]


class SourceError(RuntimeError):
    """The source could not deliver; the message names every series that failed and why. Nothing was stored."""

    def __init__(self, failures: dict[str, str]):
        self.failures = dict(failures)
        lines = [f"{len(failures)} series could not be read:"]
        lines += [f"- {sid}: {msg}" for sid, msg in sorted(failures.items())]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class SeriesOutcome:
    """What happened to one requested series in one fetch."""

    series_id: str
    status: OutcomeStatus
    rows: int = 0
    detail: str = ""
    # the source's own revision stamp of the series (FRED's last_updated), for incremental refresh
    source_last_updated: str | None = None


@dataclass
class Delivery:
    """What one fetch delivered: observations (raw Delivery model) and an outcome for every requested series."""

    observations: pl.DataFrame
    outcomes: list[SeriesOutcome]
    source: str
    notes: dict[str, str] = field(default_factory=dict)

    def outcome_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            [{"series_id": o.series_id, "status": o.status, "rows": o.rows, "detail": o.detail,
              "source_last_updated": o.source_last_updated} for o in self.outcomes],
            schema={"series_id": pl.String, "status": pl.String, "rows": pl.Int64, "detail": pl.String,
                    "source_last_updated": pl.String},
        )

    def fetch_log(self, inserted_by_series: dict[str, int], loaded_at: dt.datetime) -> pl.DataFrame:
        """The rows of raw.fetch_log for this delivery once merged: every outcome with its new-vintage count."""
        return self.outcome_frame().with_columns(
            pl.col("series_id").replace_strict(inserted_by_series, default=0, return_dtype=pl.Int64)
            .alias("inserted"),
            pl.lit(self.source).alias("source"),
            pl.lit(loaded_at, pl.Datetime).alias("fetched_at"))


class ObservationSource(dg.ConfigurableResource):
    """Base of all observation sources; the raw asset calls ``fetch`` with the catalog's series ids.

    ``stored`` has one row per series already in the warehouse (series_id, last_realtime_start, n_rows,
    source_last_updated: the stamp the source reported at the last fetch) so a source can fetch incrementally.
    A source returns observations in the raw Delivery shape and an outcome per requested series: 'missing' when
    the source does not have the series (not an error), 'failed' when reading it failed but the run may continue
    with the last good vintage; or it raises SourceError when the delivery as a whole cannot be trusted.
    """

    # True: a series whose delivery fails validation is refused alone (flagged failed, last good vintage kept)
    # and the others are stored; False: any failure refuses the whole delivery (the snapshot: its manifest is
    # the contract, a bad file means a bad snapshot)
    isolates_failing_series: ClassVar[bool] = False

    def fetch(self, series_ids: list[str], stored: pl.DataFrame) -> Delivery:  # pragma: no cover - interface
        raise NotImplementedError
