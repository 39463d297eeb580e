"""Release-aware runs: one job and schedule per data frequency that rebuilds only the marts fed by series of that
frequency (from the marts' declared input series), and the freshness policy each asset is held to in the UI."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR, load_catalog
from macro_pipeline.defs.ingest import RAW_OBSERVATIONS
from macro_pipeline.defs.publish import CATALOG_SERIES
from macro_pipeline.defs.staging import STAGING_OBSERVATIONS
from macro_pipeline.mart_kit import Mart, MartSpec, registered_marts
from macro_pipeline.transforms.freshness import parse_release_lags

# frequency -> (job/schedule stem, cron in UTC, why then). Every schedule ships stopped.
FREQUENCY_SCHEDULES = {
    "D": ("daily_markets", "0 11 * * 2-6", "Tuesday to Saturday 11:00 UTC: markets and rates of the previous "
                                           "business day are on FRED by then"),
    "W": ("weekly_h41", "0 11 * * 5", "Friday 11:00 UTC: the Fed's H.4.1 comes out Thursday 4:30 p.m. ET"),
    "M": ("monthly_releases", "0 11 16 * *", "the 16th, 11:00 UTC: after the employment report and CPI of the "
                                            "first half of the month"),
    "Q": ("quarterly_gdp", "0 11 1 2,5,8,11 *", "1 February, May, August, November 11:00 UTC: after BEA's advance "
                                                "GDP estimate at the end of the month before"),
}
_ORDER = ["D", "W", "M", "Q", "SA", "A"]
_PERIOD_DAYS = {"D": 1, "W": 7, "M": 31, "Q": 92, "SA": 183, "A": 366}


def _key(spec: MartSpec) -> dg.AssetKey:
    return dg.AssetKey(spec.name.split("."))


def mart_frequencies() -> dict[str, set[str]]:
    """Per mart, the frequencies of the series it reads, directly or through the marts it reads."""
    frequency_of = dict(zip(*load_catalog().series.select("series_id", "frequency"), strict=True))
    out: dict[str, set[str]] = {}
    for spec in registered_marts():  # upstream marts come first
        found = {frequency_of[s] for s in spec.input_series() if s in frequency_of}
        for source in spec.inputs.values():
            if isinstance(source, Mart):
                found |= out.get(source.name, set())
        out[spec.name] = found
    return out


def marts_fed_by(frequency: str) -> list[MartSpec]:
    by_mart = mart_frequencies()
    return [spec for spec in registered_marts() if frequency in by_mart[spec.name]]


def frequency_selection(frequency: str) -> dg.AssetSelection:
    """The marts fed by series of ``frequency``, what they read (ingest, staging, cited files, other marts), what
    is built from them (indicators, scorecard, the published file, exports, chart book) and catalog.series."""
    marts = dg.AssetSelection.assets(*[_key(s) for s in marts_fed_by(frequency)])
    return marts.upstream() | marts.downstream() | dg.AssetSelection.assets(RAW_OBSERVATIONS, STAGING_OBSERVATIONS,
                                                                            CATALOG_SERIES)


def frequency_jobs_and_schedules() -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition]]:
    jobs, schedules = [], []
    for frequency, (stem, cron, when) in FREQUENCY_SCHEDULES.items():
        names = ", ".join(s.name for s in marts_fed_by(frequency)) or "no mart yet"
        job = dg.define_asset_job(
            f"{stem}_job", selection=frequency_selection(frequency), executor_def=dg.in_process_executor,
            description=f"Rebuild only what series of frequency {frequency} feed ({names}), then publish the file, "
                        "exports and chart book.", tags={"dagster/max_runtime": 1800})
        jobs.append(job)
        schedules.append(dg.ScheduleDefinition(
            name=f"{stem}_schedule", job=job, cron_schedule=cron, execution_timezone="UTC",
            default_status=dg.DefaultScheduleStatus.STOPPED,
            description=f"{when}; rebuilds the marts fed by {frequency} series ({names}). Ships stopped."))
    return jobs, schedules


def freshness_policies() -> dict[dg.AssetKey, dg.FreshnessPolicy]:
    """Per asset fed by series, how old its last materialization may get: a mart is stale once its fastest input
    should have released again (one period + that frequency's release lag, catalog/release_lags.csv), warned at
    one period. Ingest and staging follow the fastest frequency of the catalog."""
    series = load_catalog().series
    lags = parse_release_lags((PACKAGED_CATALOG_DIR / "release_lags.csv").read_text(encoding="utf-8"), series)
    lag = dict(zip(*lags.filter(lags["series_id"] == "").select("frequency", "lag_days"), strict=True))

    def policy(frequencies: set[str]) -> dg.FreshnessPolicy | None:
        known = [f for f in _ORDER if f in frequencies]
        if not known:
            return None
        fastest = known[0]
        return dg.FreshnessPolicy.time_window(
            fail_window=dt.timedelta(days=_PERIOD_DAYS[fastest] + lag[fastest]),
            warn_window=dt.timedelta(days=_PERIOD_DAYS[fastest]))

    out: dict[dg.AssetKey, dg.FreshnessPolicy] = {}
    for name, frequencies in mart_frequencies().items():
        found = policy(frequencies)
        if found is not None:
            out[dg.AssetKey(name.split("."))] = found
    everything = policy(set(series["frequency"].to_list()))
    if everything is not None:
        out[RAW_OBSERVATIONS] = out[STAGING_OBSERVATIONS] = everything
    return out


def with_freshness_policies(assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The assets, those fed by series carrying their freshness policy (freshness_policies)."""
    policies = freshness_policies()

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        found = policies.get(spec.key)
        return spec if found is None else dg.apply_freshness_policy(spec, found)

    return [a.map_asset_specs(apply) if any(k in policies for k in a.keys) else a for a in assets]
