"""Earlier releases ("vintages") of some snapshot series: ``<snapshot>/vintages/ID.csv``, listed in
``vintages/MANIFEST.csv``.

The snapshot's ``series/`` files are one vintage (the snapshot date). ``vintages/`` holds real earlier releases in
long format (``date,realtime_start,value``: the value of ``date`` as published in the release of
``realtime_start``), so ``raw.observations_as_of(D)`` answers for dates before the snapshot. Each file is checked
against the vintages manifest (sha256, row count) like a series file; its rows join the delivery beside the
snapshot's own rows and pass the same delivery and staging checks.

Every row carries the completeness of its source (``vintage_completeness``): ``sparse`` when the source lists only
some releases (GDPC1: first, second, third and latest estimate per quarter), so a value is known to hold on its own
``realtime_start`` only and may have changed in a release that is not listed; ``complete`` when every release of
the window is listed, and for the snapshot's own vintage. Periods are closed here, within the delivery: a vintage
holds until the day before the next listed release of the same observation (the merge only closes against stored
rows), the snapshot's own row stays open.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import replace
from pathlib import Path

import polars as pl

from macro_pipeline.catalog import validate_series_id
from macro_pipeline.schemas.raw import OPEN_END
from macro_pipeline.sources.base import SeriesOutcome
from macro_pipeline.transforms.raw import ObservationParseError

VINTAGES_DIR = "vintages"
VINTAGE_MANIFEST_COLUMNS = ["series_id", "title", "units", "frequency", "rows", "vintages", "first_realtime_start",
                            "last_realtime_start", "first_date", "last_date", "vintage_dating", "completeness",
                            "sha256", "notes"]
VINTAGE_HEADER = ["date", "realtime_start", "value"]
COMPLETENESS = ("complete", "sparse")
# the completeness of rows whose source lists every release (and of the snapshot's own vintage)
COMPLETE = "complete"


class VintageFileError(ValueError):
    """A vintage file or the vintages manifest cannot be trusted; the message names the file and the problem."""


def read_vintage_manifest(snapshot_dir: Path) -> dict[str, dict[str, str]]:
    """The vintages manifest by series id; an absent ``vintages/`` folder means no earlier releases (empty)."""
    folder = snapshot_dir / VINTAGES_DIR
    if not folder.is_dir():
        return {}
    path = folder / "MANIFEST.csv"
    if not path.is_file():
        raise VintageFileError(f"{path} is missing although {folder} exists")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    if not rows or list(rows[0]) != VINTAGE_MANIFEST_COLUMNS:
        raise VintageFileError(f"{path}: header must be {VINTAGE_MANIFEST_COLUMNS}")
    for row in rows:
        validate_series_id(row["series_id"])
        completeness_of(row)
    return {r["series_id"]: r for r in rows}


def completeness_of(entry: dict[str, str]) -> str:
    """'sparse' or 'complete' from the manifest's completeness text (which starts with the word)."""
    word = entry["completeness"].strip().split(":")[0].split(" ")[0].lower()
    if word not in COMPLETENESS:
        raise VintageFileError(f"vintages/MANIFEST.csv {entry['series_id']}: completeness must start with one of "
                               f"{COMPLETENESS}, not {entry['completeness']!r}")
    return word


def parse_vintages_csv(series_id: str, text: str) -> pl.DataFrame:
    """Parse a ``date,realtime_start,value`` file into (series_id, date, value, realtime_start); a bad line is an
    error naming the series and the lines (an empty value is a missing observation, kept as null)."""
    lines = text.splitlines()
    if not lines:
        raise ObservationParseError(series_id, f"the vintage file is empty (expected the header {VINTAGE_HEADER})")
    header = lines[0].strip().lstrip("\ufeff").split(",")
    if header != VINTAGE_HEADER:
        raise ObservationParseError(series_id, f"vintage file header is {header}, expected {VINTAGE_HEADER}")
    ragged = [{"line": n, "problem": f"{line.count(',') + 1} fields, expected 3", "text": line}
              for n, line in enumerate(lines[1:], start=2) if line.strip() and line.count(",") != 2]
    if ragged:
        raise ObservationParseError(series_id, f"the vintage file is not a three-column CSV: {len(ragged)} lines",
                                    ragged)
    frame = pl.read_csv(text.encode(), infer_schema=False).with_row_index("line", offset=2)
    iso = r"^\d{4}-\d{2}-\d{2}$"
    parsed = frame.with_columns(
        *(pl.when(pl.col(c).str.strip_chars().str.contains(iso))
          .then(pl.col(c).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)).alias(f"{c}_parsed")
          for c in ("date", "realtime_start")),
        pl.when(pl.col("value").fill_null("").str.strip_chars().is_in(["", "."])).then(None)
        .otherwise(pl.col("value").str.strip_chars()).alias("value_text"),
    ).with_columns(pl.col("value_text").cast(pl.Float64, strict=False).alias("value_parsed"))
    problems = []
    for column in ("date", "realtime_start"):
        problems += [{"line": r["line"], "problem": f"{column} is not an ISO date", "text": r[column]}
                     for r in parsed.filter(pl.col(f"{column}_parsed").is_null()).to_dicts()]
    problems += [{"line": r["line"], "problem": "value is not a number", "text": r["value"]}
                 for r in parsed.filter(pl.col("value_text").is_not_null()
                                        & pl.col("value_parsed").is_null()).to_dicts()]
    if problems:
        problems.sort(key=lambda r: r["line"])
        raise ObservationParseError(series_id, f"{len(problems)} unreadable vintage rows", problems)
    return parsed.select(
        pl.lit(series_id, pl.String).alias("series_id"),
        pl.col("date_parsed").alias("date"),
        pl.col("value_parsed").alias("value"),
        pl.col("realtime_start_parsed").alias("realtime_start"),
    )


def read_vintage_file(snapshot_dir: Path, series_id: str, entry: dict[str, str]) -> pl.DataFrame:
    """One vintage file, checked against its manifest row (sha256, rows, number of release dates)."""
    path = snapshot_dir / VINTAGES_DIR / f"{series_id}.csv"
    shown = path.relative_to(snapshot_dir)
    if not path.is_file():
        raise VintageFileError(f"file {shown} is missing although vintages/MANIFEST.csv lists it")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise VintageFileError(f"sha256 of {shown} is {digest}, vintages/MANIFEST.csv says {entry['sha256']}")
    frame = parse_vintages_csv(series_id, data.decode("utf-8"))
    if str(frame.height) != entry["rows"]:
        raise VintageFileError(f"{shown}: {frame.height} rows, vintages/MANIFEST.csv says {entry['rows']}")
    releases = frame["realtime_start"].n_unique()
    if str(releases) != entry["vintages"]:
        raise VintageFileError(f"{shown}: {releases} release dates, vintages/MANIFEST.csv says {entry['vintages']}")
    return frame


def with_snapshot_vintages(snapshot_dir: Path, own: pl.DataFrame, snapshot_date: dt.date,
                           outcomes: list[SeriesOutcome], notes: dict[str, str]
                           ) -> tuple[pl.DataFrame, list[SeriesOutcome], dict[str, str], dict[str, str]]:
    """The snapshot's own delivery ``own`` plus the earlier releases ``vintages/`` holds of the series fetched
    (``outcomes`` with status 'fetched'), with realtime_end closed per observation and ``vintage_completeness`` on
    every row.

    Returns (observations, outcomes with the vintage rows counted, notes with the vintage caveats, failures by
    file). A vintage dated on or after the snapshot date contradicts the snapshot (whose rows are the latest
    vintage) and is a failure, as is a file that does not match the manifest.
    """
    own = own.with_columns(pl.lit(COMPLETE, pl.String).alias("vintage_completeness"))
    try:
        manifest = read_vintage_manifest(snapshot_dir)
    except (VintageFileError, ValueError) as err:
        return own, outcomes, notes, {f"{VINTAGES_DIR}/MANIFEST.csv": str(err)}
    frames, notes, failures = [], dict(notes), {}
    for outcome in outcomes:
        series_id = outcome.series_id
        entry = manifest.get(series_id)
        if entry is None or outcome.status != "fetched":
            continue
        try:
            frame = read_vintage_file(snapshot_dir, series_id, entry)
        except (VintageFileError, ObservationParseError, OSError, ValueError) as err:
            failures[f"{VINTAGES_DIR}/{series_id}.csv"] = str(err).removeprefix(f"series {series_id}: ")
            continue
        late = frame.filter(pl.col("realtime_start") >= snapshot_date)
        if late.height:
            failures[f"{VINTAGES_DIR}/{series_id}.csv"] = (
                f"{late.height} rows released on or after the snapshot date {snapshot_date} (first: "
                f"{late['realtime_start'].min()}); the snapshot's own series file is the latest vintage")
            continue
        frames.append(frame.with_columns(pl.lit(completeness_of(entry), pl.String).alias("vintage_completeness")))
        notes[series_id] = " ".join(filter(None, (
            notes.get(series_id), f"Earlier releases: vintages/{series_id}.csv ({entry['completeness']}); "
                                  f"{entry['notes']}")))
    if not frames:
        return own, outcomes, notes, failures
    vintages = pl.concat(frames)
    counts = dict(vintages.group_by("series_id").len().iter_rows())
    outcomes = [replace(o, rows=o.rows + counts.get(o.series_id, 0)) for o in outcomes]
    combined = pl.concat([own.select(vintages.columns), vintages]).sort("series_id", "date", "realtime_start")
    # a vintage holds until the day before the next listed release of the same observation; the last stays open
    next_start = pl.col("realtime_start").shift(-1).over("series_id", "date", order_by="realtime_start")
    combined = combined.with_columns(
        pl.coalesce(next_start - pl.duration(days=1), pl.lit(dt.date.fromisoformat(OPEN_END), pl.Date))
        .alias("realtime_end"))
    observations = combined.select("series_id", "date", "value", "realtime_start", "realtime_end",
                                   "vintage_completeness")
    return observations, outcomes, notes, failures
