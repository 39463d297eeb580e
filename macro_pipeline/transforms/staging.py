"""Staging: the latest vintage of each series (selected in DuckDB), joined with its catalog entry, validated."""

from __future__ import annotations

import polars as pl

from macro_pipeline.schemas import StagingObservations
from macro_pipeline.schemas.staging import StagingValidation
from macro_pipeline.transforms.validation import ValidationReport, validate


def stage_observations(latest: pl.DataFrame, series_catalog: pl.DataFrame,
                       units: pl.DataFrame) -> tuple[pl.DataFrame, ValidationReport]:
    """Join the current vintage with each series' unit and date rule and validate it.

    Returns the staging frame (StagingObservations columns) and the validation report; rows of series that are
    not in the catalog fail (their unit is unknown) rather than being dropped.
    """
    joined = (latest.join(series_catalog.select("series_id", "unit_id", "date_rule", "max_step_ratio"),
                          on="series_id", how="left")
              .join(units.select("unit_id", "plausible_min", "plausible_max"), on="unit_id", how="left")
              .sort("series_id", "date"))
    report = validate(StagingValidation, joined)
    return joined.select(list(StagingObservations.to_schema().columns)), report
