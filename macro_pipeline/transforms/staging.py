"""Staging: the latest vintage of each series (selected in DuckDB), joined with its catalog entry, validated."""

from __future__ import annotations

import polars as pl

from macro_pipeline.schemas import StagingObservations
from macro_pipeline.schemas.staging import StagingValidation
from macro_pipeline.transforms.validation import ValidationReport, validate, with_duplicate_check

LATEST_KEY = ("series_id", "date")


def stage_observations(latest: pl.DataFrame, series_catalog: pl.DataFrame, units: pl.DataFrame,
                       key: tuple[str, ...] = LATEST_KEY) -> tuple[pl.DataFrame, ValidationReport]:
    """Join observations with each series' unit and date rule and validate them against the staging rules.

    Returns the staging frame (StagingObservations columns; ``realtime_start`` kept) and the validation report;
    rows of series that are not in the catalog fail (their unit is unknown) rather than being dropped. ``key``
    is what must be unique: (series_id, date) for the latest vintage, raw.DELIVERY_KEY for a raw delivery.
    """
    joined = (latest.join(series_catalog.select("series_id", "unit_id", "date_rule", "max_step_ratio"),
                          on="series_id", how="left")
              .join(units.select("unit_id", "plausible_min", "plausible_max"), on="unit_id", how="left")
              .sort(*key))
    report = with_duplicate_check(validate(StagingValidation, joined), joined, key)
    return joined.select(list(StagingObservations.to_schema().columns)), report
