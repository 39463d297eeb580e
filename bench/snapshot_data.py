"""Synthetic FRED-style snapshot folders for the bench: real files, read by the real ``SnapshotSource``.

A folder holds ``README.md`` (declaring the snapshot date), ``MANIFEST.csv`` (one row per series with its row
count and the sha256 of its file) and ``series/SYN000000.csv``.. (``date,value`` lines, FRED's format). Series are
seeded geometric random walks around 100 on weekdays: plausible for an index-like unit and well inside any
max_step_ratio. Everything is SYNTHETIC and lives in a temporary folder the bench deletes; nothing is published.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

SNAPSHOT_DATE = dt.date(2026, 11, 26)
FIRST_DAY = dt.date(2016, 1, 1)
DAYS = 2_520
MANIFEST_COLUMNS = ["series_id", "title", "units", "frequency", "first_date", "last_date", "rows", "sha256", "notes"]


def series_ids(n_series: int) -> list[str]:
    return [f"SYN{i:06d}" for i in range(n_series)]


def weekdays(days: int = DAYS):
    import polars as pl

    span = pl.date_range(FIRST_DAY, FIRST_DAY + dt.timedelta(days=days * 2), "1d", eager=True)
    return span.filter(span.dt.weekday() <= 5)[:days]


def series_text(values, dates_text: list[str]) -> bytes:
    """One file's bytes: ``date,value`` then one line per day, values with 4 decimals as FRED prints them."""
    body = "\n".join(f"{d},{v:.4f}" for d, v in zip(dates_text, values, strict=True))
    return f"date,value\n{body}\n".encode()


def write_snapshot(root: Path, n_series: int, days: int = DAYS, seed: int = 0) -> dict:
    """Write a snapshot folder of ``n_series`` series x ``days`` weekdays; returns facts about it."""
    import numpy as np

    series_dir = root / "series"
    series_dir.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text(f"# SYNTHETIC benchmark snapshot (bench/, never published)\n\n"
                                    f"Snapshot date: {SNAPSHOT_DATE.isoformat()}\n", encoding="utf-8")
    dates = weekdays(days)
    dates_text = [d.isoformat() for d in dates.to_list()]
    rng = np.random.default_rng(seed)
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    total_bytes = 0
    for i, series_id in enumerate(series_ids(n_series)):
        # one random walk per series, generated per file so memory stays flat whatever n_series is
        values = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, size=days)))
        data = series_text(values.tolist(), dates_text)
        (series_dir / f"{series_id}.csv").write_bytes(data)
        total_bytes += len(data)
        writer.writerow([series_id, f"SYNTHETIC benchmark series {i}", "Index", "Daily", dates_text[0],
                         dates_text[-1], days, hashlib.sha256(data).hexdigest(), "synthetic"])
    (root / "MANIFEST.csv").write_text(manifest.getvalue(), encoding="utf-8")
    return {"series": n_series, "days": days, "observations": n_series * days, "csv_bytes": total_bytes}


def inject_bad_rows(root: Path, cases: dict[str, str]) -> None:
    """Rewrite some series files with the given text and make the manifest agree (sha256, rows), so only their
    content can fail: the same injected bad rows are fed to the real path and to each peer."""
    path = root / "MANIFEST.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        if row["series_id"] in cases:
            text = cases[row["series_id"]]
            data = text.encode()
            (root / "series" / f"{row['series_id']}.csv").write_bytes(data)
            row["sha256"] = hashlib.sha256(data).hexdigest()
            row["rows"] = str(len(text.splitlines()) - 1)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
