"""The embedded FRED snapshot (data/fred_snapshot): the offline source the default run uses."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import polars as pl

from macro_pipeline.catalog import validate_series_id
from macro_pipeline.sources.base import Delivery, ObservationSource, SeriesOutcome, SourceError
from macro_pipeline.sources.snapshot_vintages import with_snapshot_vintages
from macro_pipeline.transforms.raw import ObservationParseError, empty_delivery, parse_observations_csv

MANIFEST_COLUMNS = ["series_id", "title", "units", "frequency", "first_date", "last_date", "rows", "sha256", "notes"]
_SNAPSHOT_DATE = re.compile(r"Snapshot date:\s*(\d{4}-\d{2}-\d{2})")


class SnapshotError(RuntimeError):
    """The snapshot folder itself is unusable (no manifest, no declared date)."""


def read_snapshot_date(snapshot_dir: Path) -> dt.date:
    readme = snapshot_dir / "README.md"
    if not readme.is_file():
        raise SnapshotError(f"{readme} is missing: it declares the snapshot date used as every row's vintage")
    found = _SNAPSHOT_DATE.search(readme.read_text(encoding="utf-8"))
    if not found:
        raise SnapshotError(f"{readme} does not declare 'Snapshot date: YYYY-MM-DD'")
    return dt.date.fromisoformat(found.group(1))


def read_manifest(snapshot_dir: Path) -> dict[str, dict[str, str]]:
    path = snapshot_dir / "MANIFEST.csv"
    if not path.is_file():
        raise SnapshotError(f"{path} is missing")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    if not rows or list(rows[0]) != MANIFEST_COLUMNS:
        raise SnapshotError(f"{path}: header must be {MANIFEST_COLUMNS}")
    return {r["series_id"]: r for r in rows}


class SnapshotSource(ObservationSource):
    """Reads ``series/ID.csv`` files of a FRED snapshot folder, verifying each against the manifest's sha256 and
    row count. Every row gets the snapshot's declared date as its vintage (realtime_start)."""

    snapshot_dir: str

    def describe(self) -> str:
        return f"fred_snapshot {read_snapshot_date(Path(self.snapshot_dir)).isoformat()}"

    def fetch(self, series_ids: list[str], stored: pl.DataFrame) -> Delivery:
        root = Path(self.snapshot_dir)
        vintage = read_snapshot_date(root)
        manifest = read_manifest(root)
        frames, outcomes, failures, notes = [], [], {}, {}
        for series_id in series_ids:
            validate_series_id(series_id)
            entry = manifest.get(series_id)
            if entry is None:
                outcomes.append(SeriesOutcome(series_id, "missing", 0, "not in the embedded snapshot"))
                continue
            notes[series_id] = entry["notes"]
            try:
                frame = self._read_series(root, series_id, entry, vintage)
            except (ObservationParseError, OSError, ValueError) as err:
                failures[series_id] = str(err).removeprefix(f"series {series_id}: ")
                continue
            frames.append(frame)
            outcomes.append(SeriesOutcome(series_id, "fetched", frame.height, entry["notes"]))
        if failures:
            raise SourceError(failures)
        observations = pl.concat(frames) if frames else empty_delivery()
        # earlier releases of fetched series (vintages/, sources/snapshot_vintages.py), with their completeness
        observations, outcomes, notes, failures = with_snapshot_vintages(root, observations, vintage, outcomes, notes)
        if failures:
            raise SourceError(failures)
        return Delivery(observations, outcomes, f"fred_snapshot {vintage.isoformat()}", notes)

    @staticmethod
    def _read_series(root: Path, series_id: str, entry: dict[str, str], vintage: dt.date) -> pl.DataFrame:
        path = root / "series" / f"{series_id}.csv"
        if not path.is_file():
            raise ValueError(f"file {path.relative_to(root)} is missing although MANIFEST.csv lists it")
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            # never read, so nothing of the target (its first line, in a header error) can reach a message
            raise ValueError(f"file {path.relative_to(root)} is a link to a file outside the snapshot folder; "
                             "refused without reading it (copy the file into the snapshot instead)")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise ValueError(f"sha256 of {path.relative_to(root)} is {digest}, MANIFEST.csv says {entry['sha256']}")
        frame = parse_observations_csv(series_id, data.decode("utf-8"), vintage)
        if str(frame.height) != entry["rows"]:
            raise ValueError(f"{frame.height} rows, MANIFEST.csv says {entry['rows']}")
        return frame
