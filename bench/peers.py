"""Two peers of the pipeline's ingest -> staging -> mart path, written plainly, for bench P2's side-by-side.

Both do the same work on the same snapshot folder with the same checks, and nothing else:

* source: every manifest series file is a regular file whose sha256 and row count match MANIFEST.csv; the header
  is ``date,value``; every line has two fields, an ISO date and a number (or '' / '.' for a missing value);
  dates ascend within a file;
* raw: values finite or null, unique (series_id, date, realtime_start), ids match the FRED id pattern; the
  staging rules on the delivery (unit's plausible range, date on the series' frequency, no step beyond
  max_step_ratio from the previous value, no date after the vintage); the rows are stored;
* staging: the open rows of the store, stored as the staging table;
* mart: net liquidity (the real ``transforms.liquidity.net_liquidity``) on three staged series.

``polars_peer`` stores Parquet files; ``duckdb_peer`` does everything in SQL in one DuckDB file. Each returns
``{"steps": {name: seconds}, "failures": {series_id: [what]}}``; a failure stops it before anything is stored,
as in the pipeline. ``bench.p2_scale`` checks both against the real path on injected bad rows before timing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

SERIES_ID_PATTERN = r"^[A-Z0-9][A-Z0-9_]{0,39}$"
OPEN_END = dt.date(9999, 12, 31)
MART_INPUTS = ("WALCL", "WDTGAL", "RRPONTSYD")
DELIVERY_RULES = ["finite", "unique"]  # and the id pattern


def _manifest(root: Path) -> tuple[dict[str, dict[str, str]], dt.date]:
    import re

    rows = list(csv.DictReader(io.StringIO((root / "MANIFEST.csv").read_text(encoding="utf-8"))))
    found = re.search(r"Snapshot date:\s*(\d{4}-\d{2}-\d{2})", (root / "README.md").read_text(encoding="utf-8"))
    return {r["series_id"]: r for r in rows}, dt.date.fromisoformat(found.group(1))


def _verified_files(root: Path, series_ids: list[str], manifest: dict) -> tuple[list[tuple[str, Path]], dict]:
    """sha256 and header of every file, in Python (as the pipeline does: hashing is ~0.3 s per 500 MB)."""
    files, failures = [], {}
    for sid in series_ids:
        entry = manifest.get(sid)
        if entry is None:
            continue
        path = root / "series" / f"{sid}.csv"
        if path.is_symlink() or not path.is_file():
            failures[sid] = ["not a regular file"]
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            failures[sid] = ["sha256"]
            continue
        if data.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf") != b"date,value":
            failures[sid] = ["header"]
            continue
        files.append((sid, path))
    return files, failures


def _staging_rules(pl):
    """The staging rules as one polars expression per rule (True = passes), on a frame sorted by key."""
    weekday = pl.col("date").dt.weekday()
    day, month = pl.col("date").dt.day(), pl.col("date").dt.month()
    rules = {"weekday": weekday <= 5, "wednesday": weekday == 3, "wednesday_or_thursday": weekday.is_in([3, 4]),
             "month_start": day == 1, "quarter_start": (day == 1) & month.is_in([1, 4, 7, 10]),
             "half_start": (day == 1) & month.is_in([1, 7]), "year_start": (day == 1) & (month == 1)}
    fits = pl.lit(False)
    for rule, ok in rules.items():
        fits = pl.when(pl.col("date_rule") == rule).then(ok).otherwise(fits)
    fits = pl.when(pl.col("date_rule") == "any_day").then(True).otherwise(fits)
    same_series_before = pl.col("series_id") == pl.col("series_id").shift(1)
    last_series = pl.when(pl.col("value").is_not_null()).then(pl.col("series_id")).forward_fill()
    previous = pl.when(last_series.shift(1) == pl.col("series_id")).then(pl.col("value").forward_fill().shift(1))
    ratio = (pl.col("value") / previous).abs()
    limit = pl.col("max_step_ratio")
    same_key_before = same_series_before & (pl.col("date") == pl.col("date").shift(1))
    same_key_after = ((pl.col("series_id") == pl.col("series_id").shift(-1))
                      & (pl.col("date") == pl.col("date").shift(-1)))
    return {
        "finite": pl.col("value").is_finite().fill_null(True),
        "unique": ~(same_key_before | same_key_after).fill_null(False),
        "in catalog": pl.col("unit_id").is_not_null() & pl.col("plausible_min").is_not_null(),
        "plausible": pl.col("value").is_between(pl.col("plausible_min"), pl.col("plausible_max")).fill_null(True),
        "frequency": fits.fill_null(False),
        "step": (limit.is_null() | ratio.is_null() | ((ratio <= limit) & (ratio >= 1 / limit))).fill_null(True),
        "not after vintage": pl.col("date") <= pl.col("realtime_start"),
    }


def polars_peer(root: Path, series: pl.DataFrame, units: pl.DataFrame, work: Path) -> dict:
    import polars as pl

    from macro_pipeline.transforms.liquidity import net_liquidity

    steps: dict[str, float] = {}
    t = time.perf_counter()
    manifest, vintage = _manifest(root)
    ids = series["series_id"].to_list()
    files, failures = _verified_files(root, ids, manifest)
    lines = pl.scan_csv([str(p) for _, p in files], has_header=True, separator="\x1f", quote_char=None,
                        infer_schema=False, new_columns=["line"], include_file_paths="file").collect()
    file_ids = {str(p): sid for sid, p in files}
    fields = pl.col("line").str.split_exact(",", 1)
    value_text = fields.struct.field("field_1").str.strip_chars()
    parsed = lines.select(
        pl.col("file").replace_strict(file_ids).alias("series_id"),
        fields.struct.field("field_0").str.strip_chars().str.to_date("%Y-%m-%d", strict=False).alias("date"),
        pl.when(value_text.is_in(["", "."])).then(None).otherwise(value_text).alias("value_text"),
        (pl.col("line").str.count_matches(",", literal=True) == 1).fill_null(False).alias("two_fields"),
    ).with_columns(pl.col("value_text").cast(pl.Float64, strict=False).alias("value"))
    del lines
    same_file = pl.col("series_id") == pl.col("series_id").shift(1)
    bad = parsed.filter(~pl.col("two_fields") | pl.col("date").is_null()
                        | (pl.col("value_text").is_not_null() & pl.col("value").is_null())
                        | (same_file & (pl.col("date") < pl.col("date").shift(1))).fill_null(False))
    for sid in bad["series_id"].unique().to_list():
        failures.setdefault(sid, []).append("unreadable rows")
    counts = dict(parsed.group_by("series_id").len().iter_rows())
    for sid, _ in files:
        if str(counts.get(sid, 0)) != manifest[sid]["rows"]:
            failures.setdefault(sid, []).append("row count")
    steps["source"] = time.perf_counter() - t
    if failures:
        return {"steps": steps, "failures": failures}

    t = time.perf_counter()
    delivery = parsed.select("series_id", "date", "value", pl.lit(vintage).alias("realtime_start"),
                             pl.lit(OPEN_END).alias("realtime_end"))
    del parsed
    bad_ids = [s for s in delivery["series_id"].unique().to_list()
               if not pl.Series([s]).str.contains(SERIES_ID_PATTERN).item()]
    joined = (delivery.join(series.select("series_id", "unit_id", "date_rule", "max_step_ratio"), on="series_id",
                            how="left")
              .join(units.select("unit_id", "plausible_min", "plausible_max"), on="unit_id", how="left")
              .sort("series_id", "date", "realtime_start"))
    rules = _staging_rules(pl)
    # as the pipeline: the delivery rules first (a failure stops there), then the staging rules
    for names in (DELIVERY_RULES, [r for r in rules if r not in DELIVERY_RULES]):
        checked = joined.select("series_id", "date", *(rules[name].alias(name) for name in names))
        failing = checked.filter(~pl.all_horizontal(names))
        for sid, date in failing.select("series_id", "date").iter_rows():
            failures.setdefault(sid, []).append(date)
        for sid in bad_ids if names is DELIVERY_RULES else []:
            failures.setdefault(sid, []).append("id")
        if failures:
            steps["raw"] = time.perf_counter() - t
            return {"steps": steps, "failures": failures}
    delivery.write_parquet(work / "raw_observations.parquet")
    del delivery, joined, checked
    steps["raw"] = time.perf_counter() - t

    t = time.perf_counter()
    scales = units.lazy().select("unit_id", "base_unit_id", pl.col("scale").alias("_scale"))
    base_scales = units.lazy().select(pl.col("unit_id").alias("base_unit_id"), pl.col("scale").alias("_base"))
    staged = (pl.scan_parquet(work / "raw_observations.parquet").filter(pl.col("realtime_end") == OPEN_END)
              .join(series.lazy().select("series_id", "unit_id", "date_rule"), on="series_id", how="left")
              .join(scales, on="unit_id", how="left").join(base_scales, on="base_unit_id", how="left")
              .select("series_id", "date", "value", "unit_id", "date_rule", "realtime_start",
                      (pl.col("value") * pl.col("_scale") / pl.col("_base")).alias("base_value"), "base_unit_id"))
    staged.sink_parquet(work / "staging_observations.parquet")
    steps["staging"] = time.perf_counter() - t

    t = time.perf_counter()
    _mart(pl, pl.scan_parquet(work / "staging_observations.parquet"), ids, work, net_liquidity)
    steps["mart"] = time.perf_counter() - t
    return {"steps": steps, "failures": failures}


def _mart(pl, staging_lazy, ids: list[str], work: Path, net_liquidity) -> int:
    from bench.p2_scale import mart_input

    staging = staging_lazy.filter(pl.col("series_id").is_in(ids[:3])).collect()
    mart = net_liquidity(staging=mart_input(staging.select("series_id", "date", "value", "realtime_start")))
    mart.write_parquet(work / "net_liquidity.parquet")
    return mart.height


def duckdb_peer(root: Path, series: pl.DataFrame, units: pl.DataFrame, work: Path) -> dict:
    import duckdb
    import polars as pl

    from macro_pipeline.transforms.liquidity import net_liquidity

    steps: dict[str, float] = {}
    con = duckdb.connect(str(work / "peer.duckdb"), config={"memory_limit": "2GB"})
    con.execute("SET enable_progress_bar = false")
    t = time.perf_counter()
    manifest, vintage = _manifest(root)
    ids = series["series_id"].to_list()
    files, failures = _verified_files(root, ids, manifest)
    con.register("file_ids", pl.DataFrame({"filename": [str(p) for _, p in files],
                                           "series_id": [sid for sid, _ in files],
                                           "manifest_rows": [int(manifest[sid]["rows"]) for sid, _ in files]}))
    con.execute("""
        CREATE TEMP TABLE lines AS
        SELECT f.series_id, row_number() OVER () AS n, l.line,
               trim(split_part(l.line, ',', 1)) AS date_text, trim(split_part(l.line, ',', 2)) AS value_text
        FROM read_csv(?, columns = {'line': 'VARCHAR'}, delim = '\x1f', quote = '', escape = '', header = true,
                      filename = true, auto_detect = false, null_padding = false) AS l
        JOIN file_ids AS f USING (filename)""", [[str(p) for _, p in files]])
    con.execute("""
        CREATE TEMP TABLE parsed AS
        SELECT series_id, n, line, try_strptime(date_text, '%Y-%m-%d')::DATE AS date,
               CASE WHEN value_text IN ('', '.') THEN NULL ELSE value_text END AS value_text,
               TRY_CAST(CASE WHEN value_text IN ('', '.') THEN NULL ELSE value_text END AS DOUBLE) AS value
        FROM lines""")
    con.execute("DROP TABLE lines")
    bad = con.execute("""
        SELECT DISTINCT series_id FROM (
            SELECT series_id, line, date, value_text, value,
                   lag(date) OVER (PARTITION BY series_id ORDER BY n) AS previous_date
            FROM parsed)
        WHERE line IS NULL OR length(line) - length(replace(line, ',', '')) != 1 OR date IS NULL
           OR (value_text IS NOT NULL AND value IS NULL) OR date < previous_date
        UNION
        SELECT f.series_id FROM file_ids AS f LEFT JOIN (SELECT series_id, count(*) AS n FROM parsed GROUP BY ALL)
            AS c USING (series_id) WHERE coalesce(c.n, 0) != f.manifest_rows""").fetchall()
    for (sid,) in bad:
        failures.setdefault(sid, []).append("unreadable rows")
    steps["source"] = time.perf_counter() - t
    if failures:
        con.close()
        return {"steps": steps, "failures": failures}

    t = time.perf_counter()
    con.register("catalog_series", series.select("series_id", "unit_id", "date_rule", "max_step_ratio"))
    con.register("catalog_units", units.select("unit_id", "plausible_min", "plausible_max"))
    con.execute("""
        CREATE TEMP TABLE checked AS
        SELECT p.series_id, p.date, p.value, CAST(? AS DATE) AS realtime_start, s.unit_id, s.date_rule,
               s.max_step_ratio, u.plausible_min, u.plausible_max,
               last_value(p.value IGNORE NULLS) OVER (PARTITION BY p.series_id ORDER BY p.date
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous,
               count(*) OVER (PARTITION BY p.series_id, p.date) AS copies
        FROM parsed AS p LEFT JOIN catalog_series AS s USING (series_id)
        LEFT JOIN catalog_units AS u USING (unit_id)""", [vintage])
    # as the pipeline: the delivery rules first (a failure stops there), then the staging rules
    delivery_rules = f"""isinf(value) OR isnan(value) OR copies > 1
                         OR NOT regexp_full_match(series_id, '{SERIES_ID_PATTERN}')"""
    staging_rules = """unit_id IS NULL OR plausible_min IS NULL
           OR value < plausible_min OR value > plausible_max
           OR date > realtime_start
           OR NOT CASE date_rule WHEN 'any_day' THEN true WHEN 'weekday' THEN isodow(date) <= 5
                    WHEN 'wednesday' THEN isodow(date) = 3 WHEN 'wednesday_or_thursday' THEN isodow(date) IN (3, 4)
                    WHEN 'month_start' THEN day(date) = 1
                    WHEN 'quarter_start' THEN day(date) = 1 AND month(date) IN (1, 4, 7, 10)
                    WHEN 'half_start' THEN day(date) = 1 AND month(date) IN (1, 7)
                    WHEN 'year_start' THEN day(date) = 1 AND month(date) = 1 ELSE false END
           OR (max_step_ratio IS NOT NULL AND (isnan(value / previous)
               OR abs(value / previous) NOT BETWEEN 1 / max_step_ratio AND max_step_ratio))"""
    for rules in (delivery_rules, staging_rules):
        for sid, date in con.execute(f"SELECT series_id, date FROM checked WHERE {rules}").fetchall():
            failures.setdefault(sid, []).append(date)
        if failures:
            steps["raw"] = time.perf_counter() - t
            con.close()
            return {"steps": steps, "failures": failures}
    con.execute("DROP TABLE checked")
    con.execute("""CREATE TABLE raw_observations AS
                   SELECT series_id, date, value, CAST(? AS DATE) AS realtime_start,
                          DATE '9999-12-31' AS realtime_end FROM parsed""", [vintage])
    con.execute("DROP TABLE parsed")
    steps["raw"] = time.perf_counter() - t

    t = time.perf_counter()
    con.register("unit_scales", units.select("unit_id", "base_unit_id", "scale"))
    con.execute("""CREATE TABLE staging_observations AS
                   SELECT o.series_id, o.date, o.value, s.unit_id, s.date_rule, o.realtime_start,
                          o.value * u.scale / b.scale AS base_value, u.base_unit_id
                   FROM raw_observations AS o JOIN catalog_series AS s USING (series_id)
                   LEFT JOIN unit_scales AS u ON u.unit_id = s.unit_id
                   LEFT JOIN unit_scales AS b ON b.unit_id = u.base_unit_id
                   WHERE o.realtime_end = DATE '9999-12-31'""")
    steps["staging"] = time.perf_counter() - t

    t = time.perf_counter()
    inputs = ids[:3]
    staging = con.sql("SELECT series_id, date, value, realtime_start FROM staging_observations "
                      "WHERE series_id IN (?, ?, ?)", params=inputs).pl()
    con.close()
    _mart(pl, staging.lazy(), ids, work, net_liquidity)
    steps["mart"] = time.perf_counter() - t
    return {"steps": steps, "failures": failures}


def duckdb_read_csv(root: Path, work: Path) -> float:
    """The issue's yardstick for the source step: DuckDB read_csv of every series file into a typed table."""
    import duckdb

    files = sorted(str(p) for p in (root / "series").glob("*.csv"))
    con = duckdb.connect(str(work / "read_csv.duckdb"), config={"memory_limit": "2GB"})
    con.execute("SET enable_progress_bar = false")
    t = time.perf_counter()
    con.execute("CREATE TABLE observations AS SELECT * FROM read_csv(?, columns = {'date': 'DATE', "
                "'value': 'DOUBLE'}, header = true, filename = true, auto_detect = false)", [files])
    seconds = time.perf_counter() - t
    con.close()
    return seconds
