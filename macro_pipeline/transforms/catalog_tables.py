"""The published catalog tables: series with coverage and status, claims with their indicators and series."""

from __future__ import annotations

import polars as pl

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR
from macro_pipeline.schemas import CatalogClaims, CatalogSeries
from macro_pipeline.transforms.freshness import parse_release_lags, series_freshness


def series_table(series_catalog: pl.DataFrame, latest: pl.DataFrame, outcomes: pl.DataFrame,
                 lags: pl.DataFrame | None = None) -> pl.DataFrame:
    """catalog.series: every catalog series with first/last date and n_obs of its latest vintage.

    ``outcomes`` (series_id, status, detail) is this run's source report. Status is 'failed' when this run's
    fetch of the series failed (its last good vintage stays in the store), else 'loaded' when the store has
    observations of it (even if this source did not deliver it this time: the detail says so), else 'missing'.
    """
    stats = (latest.group_by("series_id")
             .agg(pl.col("date").filter(pl.col("value").is_not_null()).min().alias("first_date"),
                  pl.col("date").filter(pl.col("value").is_not_null()).max().alias("last_date"),
                  pl.col("value").is_not_null().sum().cast(pl.Int64).alias("n_obs"),
                  pl.col("realtime_start").max().alias("vintage_date")))
    out = (series_catalog.join(stats, on="series_id", how="left")
           .join(outcomes.select("series_id", pl.col("status").alias("_outcome"), pl.col("detail")),
                 on="series_id", how="left")
           .with_columns(pl.col("n_obs").fill_null(0))
           .with_columns(
               pl.when(pl.col("_outcome") == "failed").then(pl.lit("failed"))
               .when(pl.col("n_obs") > 0).then(pl.lit("loaded"))
               .otherwise(pl.lit("missing")).alias("status"),
               pl.col("detail").alias("status_detail")))
    if lags is None:
        lags = parse_release_lags((PACKAGED_CATALOG_DIR / "release_lags.csv").read_text(encoding="utf-8"),
                                  series_catalog)
    reference_date = latest["realtime_start"].max() if latest.height else None
    out = out.join(series_freshness(out, lags, reference_date), on="series_id", how="left")
    return out.select(list(CatalogSeries.to_schema().columns)).sort("series_id")


def claims_table(claims: pl.DataFrame, indicators: pl.DataFrame, series_catalog: pl.DataFrame) -> pl.DataFrame:
    """catalog.claims: each claim with the indicator ids and series ids that serve it."""
    by_claim_ind = indicators.group_by("claim_id").agg(pl.col("indicator_id").sort().alias("indicator_ids"))
    by_claim_ser = (series_catalog.explode("claim_ids").group_by("claim_ids")
                    .agg(pl.col("series_id").sort().alias("series_ids")).rename({"claim_ids": "claim_id"}))
    out = (claims.join(by_claim_ind, on="claim_id", how="left").join(by_claim_ser, on="claim_id", how="left")
           .with_columns(pl.col("indicator_ids", "series_ids").fill_null([])))
    order = pl.col("claim_id").str.slice(1).cast(pl.Int32)
    return out.sort(order).select(list(CatalogClaims.to_schema().columns))
