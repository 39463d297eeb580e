"""Staging: the latest vintage of each series (selected in DuckDB), joined with its catalog entry, validated."""

from __future__ import annotations

import polars as pl

from macro_pipeline.schemas import StagingObservations
from macro_pipeline.schemas.staging import StagingValidation
from macro_pipeline.transforms.validation import ValidationReport, sorted_by, validate_screened, with_duplicate_check

LATEST_KEY = ("series_id", "date")


def stage_observations(latest: pl.DataFrame, series_catalog: pl.DataFrame, units: pl.DataFrame,
                       key: tuple[str, ...] = LATEST_KEY) -> tuple[pl.DataFrame, ValidationReport]:
    """Join observations with each series' unit and date rule and validate them against the staging rules.

    Returns the staging frame (StagingObservations columns; ``realtime_start`` kept) and the validation report;
    rows of series that are not in the catalog fail (their unit is unknown) rather than being dropped. ``key``
    is what must be unique: (series_id, date) for the latest vintage, raw.DELIVERY_KEY for a raw delivery.
    """
    joined = sorted_by(with_base_units(latest.join(series_catalog.select("series_id", "unit_id", "date_rule",
                                                                         "max_step_ratio"),
                                                   on="series_id", how="left", maintain_order="left"), units)
                       .join(units.select("unit_id", "plausible_min", "plausible_max"), on="unit_id", how="left",
                             maintain_order="left"), key)
    report = with_duplicate_check(validate_screened(StagingValidation, joined), joined, key)
    return joined.select(list(StagingObservations.to_schema().columns)), report


def with_base_units(observations: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Add ``base_value`` and ``base_unit_id``: each value in its unit's base unit (units.csv: value * scale of the
    unit / scale of the base), the one place where a unit's scale is applied. ``observations`` has unit_id."""
    scales = units.select("unit_id", "base_unit_id", pl.col("scale").alias("_scale"))
    base_scales = units.select(pl.col("unit_id").alias("base_unit_id"), pl.col("scale").alias("_base_scale"))
    # maintain_order: a frame in key order stays so (then sorted_by need not sort it)
    return (observations.join(scales, on="unit_id", how="left", maintain_order="left")
            .join(base_scales, on="base_unit_id", how="left", maintain_order="left")
            .with_columns((pl.col("value") * pl.col("_scale") / pl.col("_base_scale")).alias("base_value"))
            .drop("_scale", "_base_scale"))


def in_base_units(observations: pl.DataFrame, series_catalog: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Observations (series_id, date, value[, realtime_start]) as a mart receives them: value in the series' base
    unit and unit_id the base unit (a series missing from the catalog gets a null unit)."""
    joined = with_base_units(observations.join(series_catalog.select("series_id", "unit_id"), on="series_id",
                                               how="left"), units)
    extra = ["realtime_start"] if "realtime_start" in observations.columns else []
    return joined.select("series_id", "date", pl.col("base_value").alias("value"),
                         pl.col("base_unit_id").alias("unit_id"), *extra)
