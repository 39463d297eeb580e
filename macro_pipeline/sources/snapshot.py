"""The embedded FRED snapshot (data/fred_snapshot): the offline source the default run uses."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from macro_pipeline.catalog import validate_series_id
from macro_pipeline.schemas.raw import OPEN_END
from macro_pipeline.sources.base import Delivery, ObservationSource, SeriesOutcome, SourceError
from macro_pipeline.sources.snapshot_vintages import read_vintage_manifest, with_snapshot_vintages
from macro_pipeline.transforms.raw import (
    DELIVERY_SCHEMA,
    MISSING_MARKERS,
    ObservationParseError,
    empty_delivery,
    parse_observations_csv,
)

MANIFEST_COLUMNS = ["series_id", "title", "units", "frequency", "first_date", "last_date", "rows", "sha256", "notes"]
_SNAPSHOT_DATE = re.compile(r"Snapshot date:\s*(\d{4}-\d{2}-\d{2})")
# the revision stamp a snapshot series carries in raw.fetch_log: its file's sha256 (see SnapshotSource.fetch)
STAMP_PREFIX = "sha256:"
# a file is read in the one multi-file pass only if it starts with exactly this header and holds printable ASCII
# lines; anything else (a byte order mark, a control character that str.splitlines() treats as a line break, a
# lone carriage return) goes through parse_observations_csv, whose errors the fast pass must reproduce exactly
_FAST_HEADERS = (b"date,value\n", b"date,value\r\n")
UNREADABLE_CSV = "the file is not a two-column CSV"


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


def _vintage_shas(root: Path) -> dict[str, str]:
    """sha256 of each series' vintages file as the vintages manifest lists it; a manifest that cannot be read
    gives none here (the vintages step reports it)."""
    try:
        return {sid: entry["sha256"] for sid, entry in read_vintage_manifest(root).items()}
    except (ValueError, OSError):
        return {}


def series_stamp(sha256: str, rows: str, vintages_sha256: str = "") -> str:
    """The revision stamp of a snapshot series (stored in raw.fetch_log.source_last_updated): the file's sha256
    and the manifest's row count, everything the file's rows were verified against, and the sha256 of its earlier
    releases in vintages/ if it has any (a changed vintages file makes the series changed)."""
    return f"{STAMP_PREFIX}{sha256} rows:{rows}" + (f" vintages:{vintages_sha256}" if vintages_sha256 else "")


@dataclass
class _VerifiedFile:
    series_id: str
    path: Path
    data: bytes
    entry: dict[str, str]


class SnapshotSource(ObservationSource):
    """Reads ``series/ID.csv`` files of a FRED snapshot folder, verifying each against the manifest's sha256 and
    row count. Every row gets the snapshot's declared date as its vintage (realtime_start).

    Every file is hashed on every fetch; a series whose file has the sha256 its stored rows came from
    (``stored.source_last_updated``) is not parsed again: its outcome is 'unchanged' and it is not delivered, so a
    re-run merges only the series that changed.
    """

    snapshot_dir: str

    def describe(self) -> str:
        return f"fred_snapshot {read_snapshot_date(Path(self.snapshot_dir)).isoformat()}"

    def fetch(self, series_ids: list[str], stored: pl.DataFrame) -> Delivery:
        root = Path(self.snapshot_dir)
        vintage = read_snapshot_date(root)
        manifest = read_manifest(root)
        stamps = _stored_stamps(stored)
        vintage_shas = _vintage_shas(root)
        outcomes: dict[str, SeriesOutcome] = {}
        failures: dict[str, str] = {}
        notes: dict[str, str] = {}
        verified: list[_VerifiedFile] = []
        listed = []
        for series_id in series_ids:
            validate_series_id(series_id)
            entry = manifest.get(series_id)
            if entry is None:
                outcomes[series_id] = SeriesOutcome(series_id, "missing", 0, "not in the embedded snapshot")
                continue
            notes[series_id] = entry["notes"]
            listed.append(series_id)
        # reading and hashing release the GIL: a thread per core reads and hashes files side by side
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            read = list(pool.map(lambda series_id: _read_hashed(root, series_id), listed))
        for series_id, (path, data, digest, error) in zip(listed, read, strict=True):
            entry = manifest[series_id]
            if error is None and digest != entry["sha256"]:
                error = f"sha256 of {path.relative_to(root)} is {digest}, MANIFEST.csv says {entry['sha256']}"
            if error is not None:
                failures[series_id] = error
                continue
            stamp = series_stamp(digest, entry["rows"], vintage_shas.get(series_id, ""))
            if stamps.get(series_id) == stamp:
                # verified, and the very file the stored rows came from: parsing and merging it would add nothing
                outcomes[series_id] = SeriesOutcome(series_id, "unchanged", 0, entry["notes"], stamp)
                continue
            verified.append(_VerifiedFile(series_id, path, data, entry))
        frames, parse_failures = _read_verified(verified, vintage)
        failures.update(parse_failures)
        if failures:
            raise SourceError(failures)
        for item in verified:
            stamp = series_stamp(item.entry["sha256"], item.entry["rows"], vintage_shas.get(item.series_id, ""))
            outcomes[item.series_id] = SeriesOutcome(item.series_id, "fetched", int(item.entry["rows"]),
                                                     item.entry["notes"], stamp)
        observations = pl.concat(frames, rechunk=False) if frames else empty_delivery()
        ordered = [outcomes[s] for s in series_ids if s in outcomes]
        # earlier releases of fetched series (vintages/, sources/snapshot_vintages.py), with their completeness
        observations, ordered, notes, failures = with_snapshot_vintages(root, observations, vintage, ordered, notes)
        if failures:
            raise SourceError(failures)
        return Delivery(observations, ordered, f"fred_snapshot {vintage.isoformat()}", notes)


def _stored_stamps(stored: pl.DataFrame) -> dict[str, str]:
    if stored is None or "source_last_updated" not in stored.columns or stored.is_empty():
        return {}
    rows = stored.filter(pl.col("source_last_updated").str.starts_with(STAMP_PREFIX))
    return dict(rows.select("series_id", "source_last_updated").iter_rows())


def _read_hashed(root: Path, series_id: str) -> tuple[Path | None, bytes, str, str | None]:
    """A series file's bytes and sha256, or the reason it cannot be read (path, data, digest, error)."""
    try:
        path = _series_path(root, series_id)
        data = path.read_bytes()
    except (OSError, ValueError) as err:
        return None, b"", "", str(err)
    return path, data, hashlib.sha256(data).hexdigest(), None


def _series_path(root: Path, series_id: str) -> Path:
    """The series file, refused unless it is inside the snapshot folder: a symbolic link out of it could point at
    any file of the machine, whose lines a parse error would otherwise quote (a link within the snapshot is read)."""
    path = root / "series" / f"{series_id}.csv"
    relative = path.relative_to(root)
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        # never read, so nothing of the target (its first line, in a header error) can reach a message
        raise ValueError(f"file {relative} is a link to a file outside the snapshot folder; refused without "
                         "reading it (copy the file into the snapshot instead)")
    if not path.is_file():
        raise ValueError(f"file {relative} is missing although MANIFEST.csv lists it")
    return path


# every byte except the unsafe ones: translate(None, this) keeps only the unsafe bytes of a file
_UNSAFE = b"\x0b\x0c\x1c\x1d\x1e\x1f"
_UNSAFE_DELETE = bytes(b for b in range(256) if bytes([b]) not in _UNSAFE)


def _fast_path_rows(data: bytes) -> int | None:
    """The number of data lines of a file the multi-file read can take, or None: it must start with exactly the
    header, hold only ASCII without the characters str.splitlines() breaks on (the exact parser counts fields per
    such line) or lone carriage returns, and have one comma per line (a line without one would read as a missing
    value; a line with two makes the multi-file read fail, and every file is then parsed one by one)."""
    if not data.startswith(_FAST_HEADERS) or not data.isascii():
        return None
    if data.translate(None, _UNSAFE_DELETE) or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return lines - 1 if data.count(b",") == lines else None


def _read_verified(files: list[_VerifiedFile], vintage: dt.date) -> tuple[list[pl.DataFrame], dict[str, str]]:
    """Parse verified files: one multi-file polars read for every well-formed file, with the checks of
    ``parse_observations_csv`` vectorised; a file that fails any of them (or cannot take the fast path) is parsed
    by ``parse_observations_csv`` itself, so its error message is exactly the one it always was."""
    fast, slow, fast_rows = [], [], []
    for f in files:
        rows = _fast_path_rows(f.data)
        # a manifest row count that does not match goes to the exact parser, which words the error
        if rows is None or str(rows) != f.entry["rows"]:
            slow.append(f)
        else:
            fast.append(f)
            fast_rows.append(rows)
    frames: list[pl.DataFrame] = []
    if fast:
        parsed, recheck = _parse_many(fast, fast_rows, vintage)
        frames.append(parsed)
        slow += recheck
    failures: dict[str, str] = {}
    for item in slow:
        try:
            frame = parse_observations_csv(item.series_id, item.data.decode("utf-8"), vintage)
            if str(frame.height) != item.entry["rows"]:
                raise ValueError(f"{frame.height} rows, MANIFEST.csv says {item.entry['rows']}")
        except (ObservationParseError, ValueError) as err:
            failures[item.series_id] = str(err).removeprefix(f"series {item.series_id}: ")
            continue
        except pl.exceptions.PolarsError as err:
            # a line break str.splitlines() sees but CSV does not (a vertical tab): polars refuses the file
            failures[item.series_id] = f"{UNREADABLE_CSV}: {str(err).splitlines()[0]}"
            continue
        frames.append(frame)
    return frames, failures


def _body(data: bytes) -> list[memoryview | bytes]:
    """A fast-path file's lines after the header, ending with a line break: a view of the verified bytes, not a
    copy (copying 25 M rows' files took 1.4 s before the one join below)."""
    body = memoryview(data)[data.index(b"\n") + 1:]
    return [body] if not body or data.endswith(b"\n") else [body, b"\n"]


def _parse_many(files: list[_VerifiedFile], rows: list[int],
                vintage: dt.date) -> tuple[pl.DataFrame, list[_VerifiedFile]]:
    """One polars read of every file's verified bytes (two text columns); returns the rows of the files that pass
    every check of ``parse_observations_csv``, and the files that do not (parsed one by one for their exact error)."""
    import numpy as np

    # the bytes that were hashed, not the files again: what is parsed is what was verified
    body = b"".join(part for f in files for part in _body(f.data))
    try:
        text = pl.read_csv(io.BytesIO(body), has_header=False, quote_char=None, new_columns=["date", "value"],
                           schema={"date": pl.String, "value": pl.String})
    except pl.exceptions.PolarsError:
        return empty_delivery(), files
    del body
    if text.height != sum(rows):
        return empty_delivery(), files
    file_no = pl.Series("file_no", np.repeat(np.arange(len(files), dtype=np.uint32), rows))
    # no stripping: a padded date fails the pattern and a padded number may fail the cast, and such a file is
    # parsed by parse_observations_csv, which strips
    missing = pl.col("value").is_null() | pl.col("value").is_in(MISSING_MARKERS)
    parsed = text.select(
        file_no,
        pl.when(pl.col("date").str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(pl.col("date").str.to_date("%Y-%m-%d", strict=False)).alias("date"),
        pl.when(missing).then(None).otherwise(pl.col("value").cast(pl.Float64, strict=False)).alias("value"),
        (~missing & pl.col("value").cast(pl.Float64, strict=False).is_null()).alias("bad_value"),
    )
    del text
    same_file = pl.col("file_no") == pl.col("file_no").shift(1)
    bad_row = (pl.col("date").is_null() | pl.col("bad_value")
               | (same_file & (pl.col("date") < pl.col("date").shift(1))).fill_null(False))
    bad_files = set(parsed.filter(bad_row)["file_no"].unique().to_list())
    ids = pl.Series("series_id", [f.series_id for f in files], dtype=pl.String)
    good = parsed.filter(~pl.col("file_no").is_in(sorted(bad_files))) if bad_files else parsed
    del parsed
    out = good.select(
        ids.gather(good["file_no"]).alias("series_id"), "date", "value",
        pl.lit(vintage, pl.Date).alias("realtime_start"),
        pl.lit(dt.date.fromisoformat(OPEN_END), pl.Date).alias("realtime_end"),
    )
    del good
    assert out.schema == pl.Schema(DELIVERY_SCHEMA)
    return out, [files[i] for i in sorted(bad_files)]
