"""The scorecard as a table for the terminal, read from the published file (``macro-pipeline report``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb

_COLUMNS = (("claim", 5), ("verdict", 17), ("latest", 10), ("evidence", 0))


def scorecard_rows(published: Path) -> list[tuple]:
    """(claim_id, verdict, latest_date, evidence, as_of, rule_version) per claim, in claim order; the file is
    opened read-only, as an analyst opens it."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute("SELECT claim_id, verdict, latest_date, evidence, as_of, rule_version "
                           "FROM published.claims_scorecard ORDER BY claim_order").fetchall()
    finally:
        con.close()


def scorecard_table(rows: list[tuple], width: int = 120) -> str:
    """A plain-text table: claim, verdict, latest date, and the evidence wrapped to fit ``width``."""
    fixed = sum(w for _, w in _COLUMNS if w) + 3 * (len(_COLUMNS) - 1)
    evidence_width = max(30, width - fixed)
    widths = [w or evidence_width for _, w in _COLUMNS]
    sep = "-+-".join("-" * w for w in widths)
    lines = [" | ".join(name.ljust(w) for (name, _), w in zip(_COLUMNS, widths, strict=True)), sep]
    for claim_id, verdict, latest, evidence, _as_of, _version in rows:
        wrapped = textwrap.wrap(evidence or "", evidence_width) or [""]
        first = [claim_id, verdict, str(latest or "-"), wrapped[0]]
        lines.append(" | ".join(v.ljust(w) for v, w in zip(first, widths, strict=True)).rstrip())
        for more in wrapped[1:]:
            lines.append(" | ".join(["".ljust(w) for w in widths[:-1]] + [more]).rstrip())
        lines.append(sep)
    return "\n".join(lines)
