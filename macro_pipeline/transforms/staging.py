"""Staging: the latest vintage of each series (selected in DuckDB), joined with its catalog entry, validated."""

from __future__ import annotations

import polars as pl

from macro_pipeline.schemas import StagingObservations
from macro_pipeline.schemas.staging import StagingValidation
from macro_pipeline.transforms.validation import ValidationReport, sorted_by, validate_screened, with_duplicate_check

LATEST_KEY = ("series_id", "date")


def stage_observations(latest: pl.DataFrame, series_catalog: pl.DataFrame, units: pl.DataFrame,
                       key: tuple[str, ...] = LATEST_KEY,
                       consistency: pl.DataFrame | None = None) -> tuple[pl.DataFrame, ValidationReport]:
    """Join observations with each series' unit and date rule and validate them against the staging rules.

    Returns the staging frame (StagingObservations columns; ``realtime_start`` kept) and the validation report;
    rows of series that are not in the catalog fail (their unit is unknown) rather than being dropped. ``key``
    is what must be unique: (series_id, date) for the latest vintage, raw.DELIVERY_KEY for a raw delivery.
    ``consistency`` (catalog consistency.csv) adds the cross-series rules: each group's sum on every date where
    all its series have a value.
    """
    joined = sorted_by(with_series_attributes(latest, series_catalog, units), key)
    report = with_duplicate_check(validate_screened(StagingValidation, joined), joined, key)
    if consistency is not None:
        report = with_consistency_check(report, joined, consistency)
    return joined.select(list(StagingObservations.to_schema().columns)), report


_SERIES_RULES = ("max_step_ratio", "ratio_floor", "max_step_abs", "max_step_p99_multiple")


def with_series_attributes(observations: pl.DataFrame, series_catalog: pl.DataFrame,
                           units: pl.DataFrame) -> pl.DataFrame:
    """Observations with their series' unit, date rule and step rules, the value in the base unit
    (``base_value``, ``base_unit_id``) and the unit's plausible range: what ``with_base_units`` and two more
    joins give, with the catalog and units joined first (a few thousand rows) and the observations joined once.
    Why: four joins of the observations cost 2.3 s at 25 M rows (bench P2); one costs a quarter of it. A series
    missing from the catalog, or a unit missing from units.csv, gets nulls, as with the four joins."""
    per_series = (series_catalog.select("series_id", "unit_id", "date_rule", *_SERIES_RULES)
                  .join(_unit_scales(units), on="unit_id", how="left", maintain_order="left")
                  .join(units.select("unit_id", "plausible_min", "plausible_max"), on="unit_id", how="left",
                        maintain_order="left"))
    return (_with_base_value(observations.join(per_series, on="series_id", how="left", maintain_order="left"))
            .select(*observations.columns, "unit_id", "date_rule", *_SERIES_RULES, "base_unit_id", "base_value",
                    "plausible_min", "plausible_max"))


def with_base_units(observations: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Add ``base_value`` and ``base_unit_id``: each value in its unit's base unit (units.csv: value * scale of the
    unit / scale of the base, applied in ``_with_base_value`` alone). ``observations`` has unit_id."""
    # maintain_order: a frame in key order stays so (then sorted_by need not sort it)
    return _with_base_value(observations.join(_unit_scales(units), on="unit_id", how="left", maintain_order="left"))


def _unit_scales(units: pl.DataFrame) -> pl.DataFrame:
    """Per unit: its base unit and the two scales ``base_value`` is computed from (``_scale``, ``_base_scale``);
    a base unit missing from units.csv leaves ``_base_scale`` null."""
    return (units.select("unit_id", "base_unit_id", pl.col("scale").alias("_scale"))
            .join(units.select(pl.col("unit_id").alias("base_unit_id"), pl.col("scale").alias("_base_scale")),
                  on="base_unit_id", how="left", maintain_order="left"))


def _with_base_value(frame: pl.DataFrame) -> pl.DataFrame:
    """``base_value`` from the scales ``_unit_scales`` joined on, which are dropped: the one place a unit's scale
    is applied (value * scale of the unit / scale of the base)."""
    return (frame.with_columns((pl.col("value") * pl.col("_scale") / pl.col("_base_scale")).alias("base_value"))
            .drop("_scale", "_base_scale"))


def in_base_units(observations: pl.DataFrame, series_catalog: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Observations (series_id, date, value[, realtime_start]) as a mart receives them: value in the series' base
    unit and unit_id the base unit (a series missing from the catalog gets a null unit)."""
    joined = with_base_units(observations.join(series_catalog.select("series_id", "unit_id"), on="series_id",
                                               how="left"), units)
    extra = ["realtime_start"] if "realtime_start" in observations.columns else []
    return joined.select("series_id", "date", pl.col("base_value").alias("value"),
                         pl.col("base_unit_id").alias("unit_id"), *extra)


def with_consistency_check(report: ValidationReport, frame: pl.DataFrame,
                           consistency: pl.DataFrame) -> ValidationReport:
    """Add to ``report`` every row of a consistency group on a date where the group's sum is off its expected
    total by more than the tolerance (each series of the group is named, so the slipped one is among them)."""
    found = []
    # the latest vintage of each (series, date) in the frame
    current = (frame.sort("series_id", "date", "realtime_start").group_by("series_id", "date", maintain_order=True)
               .last().filter(pl.col("value").is_not_null()))
    for rule in consistency.to_dicts():
        ids = rule["series_ids"]
        members = current.filter(pl.col("series_id").is_in(ids))
        sums = (members.group_by("date").agg(pl.col("value").sum().alias("_sum"), pl.len().alias("_n"))
                .filter((pl.col("_n") == len(ids))
                        & ((pl.col("_sum") - rule["expected_sum"]).abs() > rule["tolerance"])))
        if sums.is_empty():
            continue
        rows = members.join(sums, on="date").with_columns(
            pl.lit("(row)").alias("column"),
            (pl.lit(f"{rule['rule_id']}: {' + '.join(ids)} sum to ") + pl.col("_sum").round(2).cast(pl.String)
             + pl.lit(f", expected {rule['expected_sum']:g} +/- {rule['tolerance']:g}")).alias("check"))
        found.append(rows.select(report.failures.columns))
    if not found:
        return report
    failures = pl.concat([report.failures, *found], how="vertical_relaxed")
    return ValidationReport(report.model, failures)


def staging_batches(rows_per_series: dict[str, int], groups: list[list[str]], max_rows: int) -> list[list[str]]:
    """Series ids in batches of about ``max_rows`` latest rows each, in id order, for a full staging a batch at a
    time (memory follows the batch, not the catalog). Every staging rule looks at one series at a time, except the
    consistency groups (catalog consistency.csv): a group's series always share a batch. A series larger than
    ``max_rows`` is a batch of its own."""
    group_of = {series_id: i for i, ids in enumerate(groups) for series_id in ids}
    units: list[list[str]] = []  # a series alone, or a whole group at its first member
    seen_groups: set[int] = set()
    for series_id in sorted(rows_per_series):
        group = group_of.get(series_id)
        if group is None:
            units.append([series_id])
        elif group not in seen_groups:
            seen_groups.add(group)
            units.append(sorted(s for s in groups[group] if s in rows_per_series))
    batches: list[list[str]] = []
    current: list[str] = []
    current_rows = 0
    for unit in units:
        rows = sum(rows_per_series[s] for s in unit)
        if current and current_rows + rows > max_rows:
            batches.append(current)
            current, current_rows = [], 0
        current.extend(unit)
        current_rows += rows
    if current:
        batches.append(current)
    return batches


def combined_report(reports: list[ValidationReport]) -> ValidationReport:
    """One report of the failures of several batches (in batch order)."""
    failing = [r.failures for r in reports if not r.ok]
    if not failing:
        return reports[0] if reports else ValidationReport("StagingValidation", pl.DataFrame())
    return ValidationReport(reports[0].model, pl.concat(failing, how="vertical_relaxed"))
