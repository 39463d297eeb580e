"""Indicators as first published vs now, from every vintage raw.observations holds (pure polars).

Every growth rate and gain is computed *within one release*: a quarter's growth from that release's own level of
the quarter and of the quarter before, a month's payroll gain likewise. Levels of two releases are never combined:
GDPC1's chained-dollar base year changes at comprehensive updates (2012 to 2017 dollars on 2023-09-28), so a level
of one release divided by a level of another would be meaningless.

Stages of a period, over the releases in which its change can be computed (sorted by release date):
- first: the earliest such release; kept only when it is a real first print, i.e. released within
  ``FIRST_PRINT_WITHIN_MONTHS`` of the period's start (GDPC1's vintages before about 1991 are the archive's start,
  not first prints: those quarters get no row rather than a false "first published");
- third estimate: the third such release, when it came within ``THIRD_ESTIMATE_WITHIN_DAYS`` of the first (BEA's
  third estimate and BLS's second revision both come about two months after the first print);
- first benchmark (payrolls): the first annual benchmark release after the first print;
- latest: the latest such release.
"""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl

from macro_pipeline.schemas.revisions import IndicatorRevisions, PayrollGainsRevisions

GDP_LEVEL_SERIES = "GDPC1"
PAYROLL_SERIES = "PAYEMS"
GDP_GROWTH_INDICATOR = "real_gdp_growth_gdpc1_saar_pct"
PAYROLL_GAIN_INDICATOR = "payroll_gain_thousands"
PAYROLL_YEAR_INDICATOR = "payroll_gain_calendar_year_thousands"
BENCHMARK_INDICATOR = "payems_benchmark_revision_thousands"
PCT_SAAR = "percent, SAAR"
THOUSANDS = "thousands of persons"
# a first print comes within months of the period's start (BEA's advance estimate about 4 months after the quarter
# starts, 6 in the 2025 shutdown; BLS's first print about 5 weeks after the month starts)
FIRST_PRINT_WITHIN_MONTHS = {"quarter": 7, "month": 3}
THIRD_ESTIMATE_WITHIN_DAYS = 95
GDP_METHOD = ("100 * ((GDPC1 of the quarter / GDPC1 of the quarter before)^4 - 1), both levels from the same "
              "release (SAAR); GDPC1 vintages are sparse (first, second, third and latest estimate per quarter)")
PAYROLL_METHOD = "PAYEMS of the month - PAYEMS of the month before, both from the same release"


def changes_by_release(levels: pl.DataFrame, months: int, kind: str) -> pl.DataFrame:
    """Per (date, realtime_start): the change from the previous period within that release.

    ``levels`` has date, value, realtime_start (all vintages of one series). ``kind`` 'saar_growth' gives the
    annualised percent growth, 'difference' the difference. A release without the previous period, or with a
    missing value, gives no row (never a change across two releases)."""
    if kind not in ("saar_growth", "difference"):
        raise ValueError(f"kind must be 'saar_growth' or 'difference', not {kind!r}")
    previous = levels.select(pl.col("date").dt.offset_by(f"{months}mo"), "realtime_start",
                             pl.col("value").alias("previous"))
    joined = levels.join(previous, on=["date", "realtime_start"], how="inner").filter(
        pl.col("value").is_not_null() & pl.col("previous").is_not_null())
    change = (((pl.col("value") / pl.col("previous")) ** (12 / months) - 1) * 100 if kind == "saar_growth"
              else pl.col("value") - pl.col("previous"))
    return joined.select("date", "realtime_start", change.alias("change")).sort("date", "realtime_start")


def benchmark_releases(levels: pl.DataFrame) -> list[dt.date]:
    """Releases that revised levels older than the two latest months of the release before them: BLS's annual
    benchmark (an ordinary release revises only those two months). Detected from the data, not listed."""
    releases = sorted(levels["realtime_start"].unique().to_list())
    found = []
    for before, release in itertools.pairwise(releases):
        old = levels.filter(pl.col("realtime_start") == before).select("date", pl.col("value").alias("old"))
        new = levels.filter(pl.col("realtime_start") == release).select("date", "value")
        if old.is_empty():
            continue
        cutoff = old["date"].max() - dt.timedelta(days=40)  # older than the release's last two months
        changed = new.join(old, on="date").filter((pl.col("date") < cutoff)
                                                  & (pl.col("value") != pl.col("old")))
        if changed.height:
            found.append(release)
    return found


def release_stages(changes: pl.DataFrame, period: str, benchmarks: list[dt.date] | None = None) -> pl.DataFrame:
    """One row per period with its first, third-estimate, first-benchmark and latest change and release dates.

    Periods whose earliest release is not a first print (see the module doc) keep their latest value and get no
    first, third or benchmark value: one vintage known, no revision known."""
    within = FIRST_PRINT_WITHIN_MONTHS[period]
    ordered = changes.sort("date", "realtime_start").with_columns(
        pl.col("realtime_start").rank("ordinal").over("date").alias("stage"))
    first = ordered.filter(pl.col("stage") == 1).select(
        "date", pl.col("change").alias("first_value"), pl.col("realtime_start").alias("first_release_date"))
    third = ordered.filter(pl.col("stage") == 3).select(
        "date", pl.col("change").alias("third_estimate_value"),
        pl.col("realtime_start").alias("third_estimate_release_date"))
    latest = ordered.group_by("date").agg(
        pl.col("change").sort_by("realtime_start").last().alias("latest_value"),
        pl.col("realtime_start").max().alias("latest_release_date"),
        pl.len().alias("n_releases"))
    frame = latest.join(first, on="date", how="left").join(third, on="date", how="left")
    real_first = (pl.col("first_release_date") <= pl.col("date").dt.offset_by(f"{within}mo")) & (
        pl.col("n_releases") > 1)
    third_ok = real_first & (pl.col("third_estimate_release_date")
                             <= pl.col("first_release_date") + pl.duration(days=THIRD_ESTIMATE_WITHIN_DAYS))
    frame = frame.with_columns(
        *(pl.when(real_first).then(pl.col(c)).alias(c) for c in ("first_value", "first_release_date")),
        *(pl.when(third_ok).then(pl.col(c)).alias(c)
          for c in ("third_estimate_value", "third_estimate_release_date")))
    bench = (ordered.filter(pl.col("realtime_start").is_in(benchmarks or []))
             .join(frame.select("date", "first_release_date"), on="date")
             .filter(pl.col("realtime_start") > pl.col("first_release_date"))
             .sort("date", "realtime_start").group_by("date", maintain_order=True).first()
             .select("date", pl.col("change").alias("first_benchmark_value"),
                     pl.col("realtime_start").alias("first_benchmark_release_date")))
    return (frame.join(bench, on="date", how="left")
            .with_columns((pl.col("latest_value") - pl.col("first_value")).alias("revision"))
            .drop("n_releases").sort("date"))


def _revision_rows(stages: pl.DataFrame, indicator_id: str, claim_id: str, unit: str, vintaged: str,
                   latest_only: str | None, method: str, digits: int) -> pl.DataFrame:
    values = ("first_value", "third_estimate_value", "first_benchmark_value", "latest_value", "revision")
    return stages.with_columns(
        *(pl.col(c).round(digits) for c in values),
        pl.lit(indicator_id).alias("indicator_id"), pl.lit(claim_id).alias("claim_id"), pl.lit(unit).alias("unit"),
        pl.lit(vintaged).alias("vintaged_inputs"), pl.lit(latest_only, pl.String).alias("latest_only_inputs"),
        # the only vintaged input moved the value when the total revision is not zero
        pl.when(pl.col("revision").round(digits) != 0).then(pl.lit(vintaged)).otherwise(None).alias("moved_by"),
        pl.lit(method).alias("method"),
    ).select(list(IndicatorRevisions.to_schema().columns))


def _empty(model) -> pl.DataFrame:
    columns = model.to_schema().columns
    return pl.DataFrame(schema={name: col.dtype.type for name, col in columns.items()})


def gdp_growth_stages(vintages: pl.DataFrame) -> pl.DataFrame:
    """Real GDP growth (SAAR) per quarter, first vs third estimate vs latest, from GDPC1's releases."""
    levels = vintages.filter(pl.col("series_id") == GDP_LEVEL_SERIES)
    return release_stages(changes_by_release(levels, 3, "saar_growth"), "quarter")


def payroll_gain_stages(vintages: pl.DataFrame) -> tuple[pl.DataFrame, list[dt.date]]:
    """Monthly payroll gains first vs third estimate vs first benchmark vs latest, and the benchmark releases."""
    levels = vintages.filter(pl.col("series_id") == PAYROLL_SERIES)
    benchmarks = benchmark_releases(levels)
    return release_stages(changes_by_release(levels, 1, "difference"), "month", benchmarks), benchmarks


def calendar_year_sums(gains: pl.DataFrame) -> pl.DataFrame:
    """Calendar-year sums of the monthly gains per stage, only for years with all twelve months at that stage
    (release date: the last of the twelve), latest only when all twelve come from one release."""
    by_year = gains.with_columns(pl.col("date").dt.truncate("1y").alias("year"))

    def stage(value: str, release: str, same_release: bool = False) -> list[pl.Expr]:
        complete = (pl.col(value).count() == 12) & (pl.len() == 12)
        if same_release:
            complete = complete & (pl.col(release).n_unique() == 1)
        return [pl.when(complete).then(pl.col(value).sum()).alias(value),
                pl.when(complete).then(pl.col(release).max()).alias(release)]

    out = by_year.group_by("year").agg(
        *stage("first_value", "first_release_date"),
        *stage("third_estimate_value", "third_estimate_release_date"),
        *stage("first_benchmark_value", "first_benchmark_release_date", same_release=True),
        *stage("latest_value", "latest_release_date", same_release=True))
    return (out.filter(pl.col("latest_value").is_not_null()).rename({"year": "date"})
            .with_columns((pl.col("latest_value") - pl.col("first_value")).alias("revision")).sort("date"))


def benchmark_rows(vintages: pl.DataFrame, benchmarks: list[dt.date]) -> pl.DataFrame:
    """One row per benchmark release: the level revision of its reference month (March of the year before the
    release, BLS's benchmark month), level before (previous release) vs in the benchmark release."""
    levels = vintages.filter(pl.col("series_id") == PAYROLL_SERIES)
    releases = sorted(levels["realtime_start"].unique().to_list())
    rows = []
    for release in benchmarks:
        before = max(r for r in releases if r < release)
        reference = dt.date(release.year - 1, 3, 1)
        old = levels.filter((pl.col("realtime_start") == before) & (pl.col("date") == reference))["value"]
        new = levels.filter((pl.col("realtime_start") == release) & (pl.col("date") == reference))["value"]
        if old.len() == 1 and new.len() == 1 and old[0] is not None and new[0] is not None:
            rows.append({"date": reference, "first_value": old[0], "first_release_date": before,
                         "latest_value": new[0], "latest_release_date": release,
                         "revision": new[0] - old[0]})
    schema = {"date": pl.Date, "first_value": pl.Float64, "first_release_date": pl.Date,
              "latest_value": pl.Float64, "latest_release_date": pl.Date, "revision": pl.Float64}
    return pl.DataFrame(rows, schema=schema).with_columns(
        *(pl.lit(None, dtype).alias(c) for c, dtype in (
            ("third_estimate_value", pl.Float64), ("third_estimate_release_date", pl.Date),
            ("first_benchmark_value", pl.Float64), ("first_benchmark_release_date", pl.Date))))


def ex_ai_stages(gdp: pl.DataFrame, gdp_ex_ai: pl.DataFrame, definition: str) -> pl.DataFrame:
    """Ex-AI growth per release = that release's GDP growth - the AI contribution of the latest vintage (the AI
    components have no vintages here): only GDP growth moves between first and latest."""
    ai = gdp_ex_ai.filter(pl.col("definition") == definition).select(pl.col("quarter").alias("date"),
                                                                     "ai_contribution_pp")
    values = ("first_value", "third_estimate_value", "latest_value")
    return gdp.join(ai, on="date", how="inner").with_columns(
        *((pl.col(c) - pl.col("ai_contribution_pp")).alias(c) for c in values)).drop("ai_contribution_pp")


def indicator_revisions(vintages: pl.DataFrame, gdp_ex_ai: pl.DataFrame | None = None) -> pl.DataFrame:
    """published.indicator_revisions from every vintage of GDPC1 and PAYEMS (series_id, date, value,
    realtime_start) and the latest marts.gdp_ex_ai (quarter, definition, ai_contribution_pp, components).

    A series without vintages gives no rows (its indicators have no revision known); nothing is filled in."""
    frames = []
    gdp = gdp_growth_stages(vintages)
    if gdp.height:
        frames.append(_revision_rows(gdp, GDP_GROWTH_INDICATOR, "C6", PCT_SAAR, GDP_LEVEL_SERIES, None,
                                     GDP_METHOD, 2))
        for definition in sorted(set(gdp_ex_ai["definition"])) if gdp_ex_ai is not None else []:
            components = gdp_ex_ai.filter(pl.col("definition") == definition)["components"][0].to_list()
            frames.append(_revision_rows(
                ex_ai_stages(gdp, gdp_ex_ai, definition), f"gdp_growth_ex_ai_{definition}_saar_pct", "C6",
                PCT_SAAR, GDP_LEVEL_SERIES,
                f"AI contribution of {', '.join(components)} (marts.gdp_ex_ai, latest vintage)",
                "real GDP growth of each release (as " + GDP_GROWTH_INDICATOR + ") - the latest AI contribution "
                "of the definition (marts.gdp_ex_ai.ai_contribution_pp)", 2))
    gains, benchmarks = payroll_gain_stages(vintages)
    if gains.height:
        frames.append(_revision_rows(gains, PAYROLL_GAIN_INDICATOR, "C7", THOUSANDS, PAYROLL_SERIES, None,
                                     PAYROLL_METHOD, 0))
        frames.append(_revision_rows(calendar_year_sums(gains), PAYROLL_YEAR_INDICATOR, "C7", THOUSANDS,
                                     PAYROLL_SERIES, None, "sum of the twelve monthly gains of each stage "
                                     "(PAYEMS December - December of the year before, within a release)", 0))
        frames.append(_revision_rows(benchmark_rows(vintages, benchmarks), BENCHMARK_INDICATOR, "C7", THOUSANDS,
                                     PAYROLL_SERIES, None, "annual benchmark: PAYEMS level of the reference "
                                     "month (March of the year before) in the benchmark release (latest_value) "
                                     "minus the release before it (first_value)", 0))
    if not frames:
        return _empty(IndicatorRevisions)
    # a period appears only once its first print is known: one known vintage is no revision known
    return pl.concat(frames).filter(pl.col("first_value").is_not_null()).sort("indicator_id", "date")


def payroll_gains_revisions(vintages: pl.DataFrame) -> pl.DataFrame:
    """published.payroll_gains_revisions: one row per month with the first-printed and latest gain (the
    C7 indicators' source)."""
    gains, _ = payroll_gain_stages(vintages)
    gains = gains.filter(pl.col("first_value").is_not_null())
    if gains.is_empty():
        return _empty(PayrollGainsRevisions)
    return gains.select(
        pl.col("date").alias("month"),
        pl.col("first_value").alias("first_print_gain_thousands"), "first_release_date",
        pl.col("third_estimate_value").alias("third_estimate_gain_thousands"),
        pl.col("latest_value").alias("latest_gain_thousands"), "latest_release_date",
        pl.col("revision").alias("revision_thousands"),
    ).sort("month")
