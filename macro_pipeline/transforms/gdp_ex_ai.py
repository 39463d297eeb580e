"""Real GDP growth excluding AI-related investment (claim C6): contributions, ex-AI growth, aggregates, levels.

Definitions of "AI investment" are data (``catalog/ai_investment_definitions.csv``): each definition is a list of
components, each a BEA NIPA line (nominal and chained-dollar series, and BEA's published contribution series) or
the Census data-center construction line.

Contributions. Where BEA publishes a component's contribution to real GDP growth (Table 1.1.2 style series) for
the quarter, that value is used (``bea_published``). Otherwise it is computed with BEA's formula for the
contribution of a component to the change of a chain-type Fisher quantity index (NIPA Handbook, ch. 4)::

    c_i = (P * p_i,t-1 + p_i,t) * (q_i,t - q_i,t-1) / sum_j (P * p_j,t-1 + p_j,t) * q_j,t-1

with q the chained-dollar quantity, p = nominal / chained dollars (implicit price), and P the Fisher price index
of GDP from t-1 to t (nominal GDP ratio / real GDP ratio). The denominator runs over all of GDP; from aggregates
it equals P * GDP_t-1 * (1 + L/F) (L, F: Laspeyres and Fisher quantity relatives of GDP), and L/F is taken as 1
(a second-order term: it moves a contribution by well under 0.001 pp in a normal quarter). Quarterly
contributions sum exactly to the quarterly Fisher change; BEA annualizes them proportionally, so that they add
up to the published annualized growth rate: c_i,SAAR = 100 * c_i * (g/100) / (F - 1), F = (1 + g/100)^(1/4),
g = the published real GDP growth (A191RL1Q225SBEA). The unit tests reproduce BEA's published contributions of
nonresidential equipment and intellectual property products from the snapshot with this code.

Vintages. The functions take one value per (series_id, date) with its ``realtime_start``: the mart kit reads the
latest vintage from staging and the first release from ``raw.observations_first_release`` (vintages are picked
in SQL, in one place). The embedded snapshot carries one vintage per series, so first release equals latest
there; the inputs come from different BEA releases, which ``input_release`` names on every row. Values arrive in
their catalog base unit (billions for the national accounts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import CatalogError, check_file, read_csv_text, rule
from macro_pipeline.mart_kit import CatalogFile, CheckOutcome, Mart, MartCheck, Reference, ReleaseNotes, Series, mart
from macro_pipeline.schemas.gdp_ex_ai import GdpExAi, GdpExAiByQuarter, GdpExAiPeriods, GdpExAiRevisions

GDP_NOMINAL = "GDP"
GDP_GROWTH = "A191RL1Q225SBEA"
GDP_REAL = "GDPC1"
HEADLINE_SERIES = (GDP_NOMINAL, GDP_GROWTH, GDP_REAL)
DEFINITIONS_FILE = Path(__file__).resolve().parents[1] / "catalog" / "ai_investment_definitions.csv"
DEFINITION_COLUMNS = ["definition_version", "definition", "component", "label", "input_kind", "nominal_input",
                      "real_input", "published_contribution_series", "counterfactual_base_quarter", "source",
                      "note"]
INPUT_KINDS = ("nipa", "census_gdp_deflated")
CENSUS_TABLE = "census_construction_private_monthly"
# the wide table and the indicators know these definitions by name
KNOWN_DEFINITIONS = ("narrow", "broad", "broad_plus_datacenters")
PRICE_INDEX_BASE_YEAR = 2017
# BEA's published equipment and IPP contributions, with the series they can be reproduced from
BEA_REPRODUCTION_PAIRS = (
    ("Y033RC1Q027SBEA", "Y033RX1Q020SBEA", "Y033RY2Q224SBEA"),
    ("Y001RC1Q027SBEA", "Y001RX1Q020SBEA", "Y001RY2Q224SBEA"),
)

METHOD_PUBLISHED = "bea_published"
METHOD_COMPUTED = "computed_fisher"
METHOD_CENSUS = "computed_fisher_census_gdp_deflated"


class DefinitionError(ValueError):
    """The AI-investment definitions file breaks a rule; the message names the row."""


# ---------------------------------------------------------------------------------------------------------------
# definitions


def load_definitions(path: Path | str | None = None) -> pl.DataFrame:
    """The AI-investment definitions (one row per definition and component), validated."""
    path = Path(path or DEFINITIONS_FILE)
    return parse_definitions(path.read_text(encoding="utf-8"), path.name)


def parse_definitions(text: str, name: str = "ai_investment_definitions.csv") -> pl.DataFrame:
    """The definitions validated by one pandera schema (catalog.check_file): required cells filled in, a known
    input kind, NIPA components with their chained-dollar series, census components naming a Census column,
    each (definition, component) once, a quarter-start base quarter per definition, one version."""
    try:
        frame = read_csv_text(name, text)
    except CatalogError as err:
        raise DefinitionError(str(err)) from None
    missing = [c for c in DEFINITION_COLUMNS if c not in frame.columns]
    if missing:
        raise DefinitionError(f"{name}: missing columns {missing}")
    frame = frame.with_columns(pl.col("counterfactual_base_quarter").str.to_date(strict=False).alias("base_quarter"))
    kind, base = pl.col("input_kind"), pl.col("base_quarter")
    schema = pa.DataFrameSchema(
        {c: pa.Column(str, nullable=False) for c in ("definition_version", "definition", "component", "label",
                                                       "input_kind", "nominal_input", "counterfactual_base_quarter",
                                                       "source")},
        checks=[
            rule(kind.is_in(INPUT_KINDS), f"input_kind is one of {list(INPUT_KINDS)}"),
            rule((kind != "nipa") | pl.col("real_input").is_not_null(),
                 "a nipa component needs real_input (chained-dollar series)"),
            rule((kind != "census_gdp_deflated") | pl.col("nominal_input").str.starts_with(f"{CENSUS_TABLE}:"),
                 f"a census component's nominal_input is '{CENSUS_TABLE}:<column>'"),
            rule(~pl.struct("definition", "component").is_duplicated(), "each (definition, component) appears once"),
            rule(base.is_not_null(), "counterfactual_base_quarter is a date (YYYY-MM-DD)"),
            rule((base.dt.day() == 1) & base.dt.month().is_in([1, 4, 7, 10]),
                 "counterfactual_base_quarter is the first day of a quarter"),
            rule(base.n_unique().over("definition") == 1, "one definition has one counterfactual_base_quarter"),
            rule(pl.col("definition_version").n_unique() == 1, "all rows carry the same definition_version"),
        ], name=name)
    return check_file(name, frame, schema, error=DefinitionError)


def input_series(definitions: pl.DataFrame) -> list[str]:
    """Every staging series the definitions and the headline need."""
    nipa = definitions.filter(pl.col("input_kind") == "nipa")
    ids = set(HEADLINE_SERIES)
    for column in ("nominal_input", "real_input", "published_contribution_series"):
        ids |= set(nipa[column].drop_nulls().to_list())
    for trio in BEA_REPRODUCTION_PAIRS:
        ids |= set(trio)
    return sorted(ids)


# ---------------------------------------------------------------------------------------------------------------
# vintages and inputs


def _series(obs: pl.DataFrame, series_id: str, name: str, scale: float = 1.0) -> pl.DataFrame:
    return (obs.filter((pl.col("series_id") == series_id) & pl.col("value").is_not_null())
            .select("date", (pl.col("value") * scale).alias(name)))


def _billions(series_catalog: pl.DataFrame | None, series_id: str) -> float:
    """Multiplier from the staged value to billions (the catalog's unit_scale / 1e9); 1 without a catalog."""
    if series_catalog is None:
        return 1.0
    scale = series_catalog.filter(pl.col("series_id") == series_id)["unit_scale"]
    if scale.len() != 1:
        raise KeyError(f"series {series_id} is not in the catalog")
    return float(scale[0]) / 1e9


def _previous_quarter(column: str = "date") -> pl.Expr:
    return pl.col(column).dt.offset_by("-3mo")


def _lagged(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The frame's columns of the previous quarter, joined by date (never by row position)."""
    lag = frame.select((pl.col("date").dt.offset_by("3mo")).alias("date"),
                       *[pl.col(c).alias(f"{c}_prev") for c in columns])
    return frame.join(lag, on="date", how="left")


def gdp_price_index(gdp_nominal: pl.DataFrame, gdp_growth: pl.DataFrame,
                    base_year: int = PRICE_INDEX_BASE_YEAR) -> pl.DataFrame:
    """GDP's chain (Fisher) price index, rebuilt from nominal GDP and the published real growth rate:
    index_t / index_t-1 = (GDP_t / GDP_t-1) / (1 + g_t/100)^(1/4); scaled so that ``base_year`` averages 1.
    Columns: date, gdp_price_index. Stops at the first gap."""
    frame = (gdp_nominal.rename({gdp_nominal.columns[1]: "gdp"})
             .join(gdp_growth.rename({gdp_growth.columns[1]: "g"}), on="date", how="inner").sort("date"))
    frame = _lagged(frame, ["gdp"]).with_columns(
        ((pl.col("gdp") / pl.col("gdp_prev")) / (1 + pl.col("g") / 100) ** 0.25).alias("rel"))
    dates, values, level = [], [], 1.0
    previous = None
    for date, rel in frame.select("date", "rel").iter_rows():
        if previous is not None and (rel is None or date != _add_quarter(previous)):
            break
        if previous is not None:
            level *= rel
        dates.append(date)
        values.append(level)
        previous = date
    index = pl.DataFrame({"date": dates, "gdp_price_index": values}, schema={"date": pl.Date,
                                                                             "gdp_price_index": pl.Float64})
    base = index.filter(pl.col("date").dt.year() == base_year)["gdp_price_index"]
    if base.len() != 4:
        raise ValueError(f"the GDP price index needs all four quarters of {base_year}")
    return index.with_columns(pl.col("gdp_price_index") / base.mean())


def _add_quarter(date: dt.date) -> dt.date:
    month = date.month + 3
    return dt.date(date.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def census_quarterly(census: pl.DataFrame, column: str) -> pl.DataFrame:
    """A Census monthly SAAR column ($ millions) as quarterly SAAR in $ billions: the mean of the quarter's three
    months, only for quarters with all three. Columns: date, nominal, preliminary (any month flagged 'p')."""
    monthly = census.filter(pl.col(column).is_not_null()).select(
        pl.col("month").dt.truncate("3mo").alias("date"), pl.col(column).alias("v"),
        (pl.col("flag").fill_null("") == "p").alias("p"))
    return (monthly.group_by("date").agg(pl.col("v").mean().alias("nominal"), pl.len().alias("n"),
                                         pl.col("p").any().alias("preliminary"))
            .filter(pl.col("n") == 3).select("date", pl.col("nominal") / 1000, "preliminary").sort("date"))


# ---------------------------------------------------------------------------------------------------------------
# contributions


def fisher_contributions(frame: pl.DataFrame) -> pl.DataFrame:
    """Contribution (percentage points at annual rate) of one component to real GDP growth, per quarter.

    ``frame``: date (quarter start), nominal (component, current dollars), real (component, chained dollars),
    gdp_nominal (current dollars, same unit as nominal) and gdp_growth_saar_pct (published real GDP growth).
    Returns date and contribution_pp for quarters whose previous quarter is in the frame (see module doc)."""
    lagged = _lagged(frame.sort("date"), ["nominal", "real", "gdp_nominal"])
    f = (1 + pl.col("gdp_growth_saar_pct") / 100) ** 0.25
    price_gdp = (pl.col("gdp_nominal") / pl.col("gdp_nominal_prev")) / f
    p_now = pl.col("nominal") / pl.col("real")
    p_prev = pl.col("nominal_prev") / pl.col("real_prev")
    quarterly = ((price_gdp * p_prev + p_now) * (pl.col("real") - pl.col("real_prev"))
                 / (price_gdp * pl.col("gdp_nominal_prev") * 2))
    # proportional annualization: sum_i c_i = F - 1 maps to g/100; in the limit F -> 1 the factor is 4
    factor = pl.when((f - 1).abs() > 1e-12).then((pl.col("gdp_growth_saar_pct") / 100) / (f - 1)).otherwise(4.0)
    return (lagged.with_columns((quarterly * factor * 100).alias("contribution_pp"))
            .filter(pl.col("contribution_pp").is_not_null() & pl.col("contribution_pp").is_finite())
            .select("date", "contribution_pp"))


def reproduce_bea_contributions(observations: pl.DataFrame, series_catalog: pl.DataFrame | None = None,
                                pairs: tuple[tuple[str, str, str], ...] = BEA_REPRODUCTION_PAIRS) -> pl.DataFrame:
    """Our contribution of each (nominal, real, published contribution) trio next to BEA's published one.
    Columns: published_series, date, computed_pp, published_pp, error_pp (computed - published).
    ``observations``: one value per (series_id, date)."""
    obs = observations
    headline = _headline(obs, series_catalog)
    frames = []
    for nominal, real, published in pairs:
        inputs = (_series(obs, nominal, "nominal", _billions(series_catalog, nominal))
                  .join(_series(obs, real, "real", _billions(series_catalog, real)), on="date")
                  .join(headline.select("date", "gdp_nominal", "gdp_growth_saar_pct"), on="date"))
        computed = fisher_contributions(inputs)
        frames.append(computed.join(_series(obs, published, "published_pp"), on="date", how="inner")
                      .select(pl.lit(published).alias("published_series"), "date",
                              pl.col("contribution_pp").alias("computed_pp"), "published_pp",
                              (pl.col("contribution_pp") - pl.col("published_pp")).alias("error_pp")))
    schema = {"published_series": pl.String, "date": pl.Date, "computed_pp": pl.Float64,
              "published_pp": pl.Float64, "error_pp": pl.Float64}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _headline(obs: pl.DataFrame, series_catalog: pl.DataFrame | None) -> pl.DataFrame:
    """date, gdp_nominal ($bn), gdp_growth_saar_pct, real_gdp ($bn chained); growth and real may be null (a
    quarter without growth still serves as the previous quarter of the next one)."""
    return (_series(obs, GDP_NOMINAL, "gdp_nominal", _billions(series_catalog, GDP_NOMINAL))
            .join(_series(obs, GDP_GROWTH, "gdp_growth_saar_pct"), on="date", how="left")
            .join(_series(obs, GDP_REAL, "real_gdp", _billions(series_catalog, GDP_REAL)), on="date", how="left")
            .sort("date"))


# ---------------------------------------------------------------------------------------------------------------
# the mart


def gdp_ex_ai(observations: pl.DataFrame, definitions: pl.DataFrame, census: pl.DataFrame | None = None,
              release_notes: dict[str, str] | None = None, series_catalog: pl.DataFrame | None = None) -> pl.DataFrame:
    """marts.gdp_ex_ai: one row per (quarter, definition) where every component of the definition has a
    contribution and the headline growth is published.

    ``observations``: one value per (series_id, date) with its realtime_start (one vintage); ``census``: the
    loaded Census reference table (needed only by census components); ``release_notes``: series id -> which
    release the snapshot copy came from (the manifest notes); ``series_catalog``: only for values still in their
    published units (without it values are taken as billions, the catalog base unit the kit delivers).
    """
    notes = release_notes or {}
    obs = observations.select("series_id", "date", "value", "realtime_start")
    headline = _headline(obs, series_catalog)
    # the GDP price index deflates census components only (it needs the base year's four quarters)
    price_index = None
    if (definitions["input_kind"] != "nipa").any():
        try:
            price_index = gdp_price_index(headline.select("date", "gdp_nominal"),
                                          headline.select("date", "gdp_growth_saar_pct"))
        except ValueError:
            price_index = None  # GDP missing or cut short: the census definitions have insufficient data
    vintage = obs.group_by("series_id").agg(pl.col("realtime_start").max().alias("vintage"))
    out = []
    for (name,), components in definitions.group_by("definition", maintain_order=True):
        if price_index is None and (components["input_kind"] != "nipa").any():
            continue  # insufficient data: no rows rather than a guess
        parts = [_component(row, obs, headline, price_index, census, series_catalog)
                 for row in components.iter_rows(named=True)]
        frame = _combine_components(name, components, parts, headline, notes, vintage)
        out.append(frame)
    columns = list(GdpExAi.to_schema().columns)
    out = [f.select(columns) for f in out]
    if not out:
        return pl.DataFrame(schema={c: GdpExAi.to_schema().columns[c].dtype.type for c in columns})
    return pl.concat(out).select(columns).sort("definition", "quarter")


def _component(row: dict, obs: pl.DataFrame, headline: pl.DataFrame, price_index: pl.DataFrame | None,
               census: pl.DataFrame | None, series_catalog: pl.DataFrame | None) -> pl.DataFrame:
    """date, nominal ($bn), real ($bn chained 2017), contribution_pp, method, preliminary for one component."""
    if row["input_kind"] == "nipa":
        nominal = _series(obs, row["nominal_input"], "nominal", _billions(series_catalog, row["nominal_input"]))
        real = _series(obs, row["real_input"], "real", _billions(series_catalog, row["real_input"]))
        inputs = nominal.join(real, on="date").with_columns(pl.lit(False).alias("preliminary"))
        method = METHOD_COMPUTED
    else:
        if census is None:
            raise ValueError(f"component {row['component']} needs the Census reference table")
        column = row["nominal_input"].split(":", 1)[1]
        if column not in census.columns:
            raise KeyError(f"{CENSUS_TABLE} has no column {column!r}")
        inputs = (census_quarterly(census, column).join(price_index, on="date")
                  .with_columns((pl.col("nominal") / pl.col("gdp_price_index")).alias("real")).drop("gdp_price_index"))
        method = METHOD_CENSUS
    computed = fisher_contributions(inputs.join(headline.select("date", "gdp_nominal", "gdp_growth_saar_pct"),
                                                on="date"))
    frame = inputs.join(computed, on="date", how="inner").with_columns(pl.lit(method).alias("method"))
    published = row.get("published_contribution_series")
    if published:
        pub = _series(obs, published, "published_pp")
        frame = (frame.join(pub, on="date", how="left")
                 .with_columns(pl.when(pl.col("published_pp").is_not_null()).then(pl.lit(METHOD_PUBLISHED))
                               .otherwise(pl.col("method")).alias("method"),
                               pl.coalesce("published_pp", "contribution_pp").alias("contribution_pp"))
                 .drop("published_pp"))
    return frame.select("date", "nominal", "real", "contribution_pp", "method", "preliminary")


def _combine_components(name: str, components: pl.DataFrame, parts: list[pl.DataFrame], headline: pl.DataFrame,
                        notes: dict[str, str], vintage: pl.DataFrame) -> pl.DataFrame:
    names = components["component"].to_list()
    joined = headline
    for component, part in zip(names, parts, strict=True):
        joined = joined.join(part.rename({c: f"{c}__{component}" for c in part.columns if c != "date"}),
                             on="date", how="inner")
    contribution_cols = [f"contribution_pp__{c}" for c in names]
    base = components["base_quarter"][0]
    frame = joined.with_columns(
        pl.lit(name).alias("definition"),
        pl.lit(components["definition_version"][0]).alias("definition_version"),
        pl.col("gdp_growth_saar_pct").alias("real_gdp_growth_saar_pct"),
        pl.sum_horizontal(contribution_cols).alias("ai_contribution_pp"),
        pl.lit(names, pl.List(pl.String)).alias("components"),
        pl.concat_list(contribution_cols).alias("component_contributions_pp"),
        pl.sum_horizontal([f"nominal__{c}" for c in names]).alias("ai_investment_nominal_usd_bn"),
        pl.sum_horizontal([f"real__{c}" for c in names]).alias("ai_investment_real_chained_2017_usd_bn"),
        pl.concat_str([pl.lit(f"{c}=") + pl.col(f"method__{c}") for c in names], separator="; ").alias("method"),
        pl.any_horizontal([f"preliminary__{c}" for c in names]).alias("preliminary_inputs"),
        pl.lit(base, pl.Date).alias("base_quarter"),
    ).with_columns(
        (pl.col("real_gdp_growth_saar_pct") - pl.col("ai_contribution_pp")).alias("gdp_growth_ex_ai_saar_pct"),
        pl.when(pl.col("real_gdp_growth_saar_pct") > 0)
        .then(100 * pl.col("ai_contribution_pp") / pl.col("real_gdp_growth_saar_pct"))
        .otherwise(None).alias("ai_share_of_growth_pct"),
        (100 * pl.col("ai_investment_nominal_usd_bn") / pl.col("gdp_nominal")).alias("ai_nominal_share_of_gdp_pct"),
        pl.col("gdp_nominal").alias("gdp_nominal_usd_bn"),
        pl.col("real_gdp").alias("real_gdp_chained_2017_usd_bn"),
    ).sort("date")
    frame = _levels(frame, base)
    series = _definition_series(components)
    present = set(vintage["series_id"].to_list())
    release = " | ".join(
        f"{s}: {notes.get(s) or 'release not recorded'}" if s in present else f"{s}: not in the source"
        for s in series)
    if "census_gdp_deflated" in components["input_kind"].to_list():
        release += (f" | {CENSUS_TABLE}.csv: Census Value of Construction Put in Place (transcribed 2026; months "
                    "flagged r revised, p preliminary)")
    used = vintage.filter(pl.col("series_id").is_in(series))["vintage"]
    return frame.with_columns(pl.col("date").alias("quarter"), pl.lit(release).alias("input_release"),
                              pl.lit(used.max() if used.len() else None, pl.Date).alias("inputs_as_of"))


def _definition_series(components: pl.DataFrame) -> list[str]:
    ids: list[str] = list(HEADLINE_SERIES)
    nipa = components.filter(pl.col("input_kind") == "nipa")
    for column in ("nominal_input", "real_input", "published_contribution_series"):
        for s in nipa[column].drop_nulls().to_list():
            if s not in ids:
                ids.append(s)
    return ids


def _levels(frame: pl.DataFrame, base: dt.date) -> pl.DataFrame:
    """Counterfactual levels from the base quarter on (null before it, and from the first missing quarter on).

    real_gdp_index_base100 chains the headline growth, real_gdp_ex_ai_index_base100 the ex-AI growth: the path
    real GDP would have taken with the AI components' contributions at zero, i.e. with their real quantities held
    at the base quarter (a constant quantity contributes nothing to a Fisher index). The chained-dollar level
    subtracts the AI components' chained-dollar change from GDPC1, which is only approximate: chained dollars are
    not additive (see the model doc)."""
    head, exai = [], []
    level_h = level_x = None
    previous = None
    for date, g, gx in frame.select("date", "real_gdp_growth_saar_pct", "gdp_growth_ex_ai_saar_pct").iter_rows():
        if date < base:
            head.append(None)
            exai.append(None)
            continue
        if date == base:
            level_h = level_x = 100.0
        elif level_h is not None and previous is not None and date == _add_quarter(previous):
            level_h *= (1 + g / 100) ** 0.25
            level_x *= (1 + gx / 100) ** 0.25
        else:
            level_h = level_x = None
        head.append(level_h)
        exai.append(level_x)
        previous = date
    frame = frame.with_columns(pl.Series("real_gdp_index_base100", head, pl.Float64),
                               pl.Series("real_gdp_ex_ai_index_base100", exai, pl.Float64))
    ai_base = frame.filter(pl.col("date") == base)["ai_investment_real_chained_2017_usd_bn"]
    ai_base_value = float(ai_base[0]) if ai_base.len() else None
    return frame.with_columns(
        (100 * (pl.col("real_gdp_ex_ai_index_base100") / pl.col("real_gdp_index_base100") - 1))
        .alias("ex_ai_level_gap_pct"),
        pl.when((pl.col("date") >= base) & pl.lit(ai_base_value is not None))
        .then(pl.col("real_gdp_chained_2017_usd_bn")
              - (pl.col("ai_investment_real_chained_2017_usd_bn") - pl.lit(ai_base_value, pl.Float64)))
        .otherwise(None).alias("real_gdp_counterfactual_chained_2017_usd_bn"))


# ---------------------------------------------------------------------------------------------------------------
# aggregates and the wide table


def gdp_ex_ai_periods(mart: pl.DataFrame) -> pl.DataFrame:
    """Half-year and calendar-year aggregates of marts.gdp_ex_ai, complete periods only.

    Growth over a period at an annual rate compounds the quarterly SAAR rates: (prod (1 + g/100))^(1/n) - 1 for
    the n quarters of the period (for a year this is Q4-over-Q4 growth, not BEA's annual-average growth). The
    ex-AI rate compounds the ex-AI quarterly rates; the AI contribution of the period is their difference."""
    frames = []
    for period_type, months, n in (("half_year", "6mo", 2), ("year", "1y", 4)):
        frames.append(
            mart.with_columns(pl.col("quarter").dt.truncate(months).alias("period_start"))
            .group_by("definition", "period_start")
            .agg(pl.col("definition_version").first(), pl.len().alias("n_quarters"),
                 ((1 + pl.col("real_gdp_growth_saar_pct") / 100).product() ** (1 / n) - 1).alias("_g"),
                 ((1 + pl.col("gdp_growth_ex_ai_saar_pct") / 100).product() ** (1 / n) - 1).alias("_gx"),
                 pl.col("quarter").min().alias("first_quarter"), pl.col("quarter").max().alias("last_quarter"))
            .filter(pl.col("n_quarters") == n)
            .with_columns(pl.lit(period_type).alias("period_type")))
    columns = list(GdpExAiPeriods.to_schema().columns)
    if not frames:
        return pl.DataFrame(schema={c: GdpExAiPeriods.to_schema().columns[c].dtype.type for c in columns})
    out = pl.concat(frames).with_columns(
        (100 * pl.col("_g")).alias("real_gdp_growth_ann_pct"),
        (100 * pl.col("_gx")).alias("gdp_growth_ex_ai_ann_pct"),
        pl.col("n_quarters").cast(pl.Int64),
        pl.lit("compounded quarterly SAAR rates over the period (a year: Q4 over Q4); AI contribution = headline "
               "- ex-AI").alias("method"),
    ).with_columns(
        (pl.col("real_gdp_growth_ann_pct") - pl.col("gdp_growth_ex_ai_ann_pct")).alias("ai_contribution_pp"),
    ).with_columns(
        pl.when(pl.col("real_gdp_growth_ann_pct") > 0)
        .then(100 * pl.col("ai_contribution_pp") / pl.col("real_gdp_growth_ann_pct")).otherwise(None)
        .alias("ai_share_of_growth_pct"))
    return out.select(columns).sort("period_type", "definition", "period_start")


def gdp_ex_ai_by_quarter(mart: pl.DataFrame) -> pl.DataFrame:
    """One row per quarter with the headline and each known definition's AI contribution and ex-AI growth side by
    side (the indicator source: published.indicators needs one value per date)."""
    columns = list(GdpExAiByQuarter.to_schema().columns)
    frame = mart.select("quarter", "real_gdp_growth_saar_pct").unique("quarter").sort("quarter")
    for name in KNOWN_DEFINITIONS:
        part = mart.filter(pl.col("definition") == name).select(
            "quarter",
            pl.col("ai_contribution_pp").alias(f"ai_contribution_{name}_pp"),
            pl.col("gdp_growth_ex_ai_saar_pct").alias(f"gdp_growth_ex_ai_{name}_saar_pct"),
            pl.col("ai_share_of_growth_pct").alias(f"ai_share_of_growth_{name}_pct"),
            pl.col("ex_ai_level_gap_pct").alias(f"ex_ai_level_gap_{name}_pct"))
        frame = frame.join(part, on="quarter", how="left")
    return frame.select(columns)


def gdp_ex_ai_revisions(latest_observations: pl.DataFrame, first_observations: pl.DataFrame,
                        definitions: pl.DataFrame, census: pl.DataFrame | None = None,
                        release_notes: dict[str, str] | None = None,
                        series_catalog: pl.DataFrame | None = None) -> pl.DataFrame:
    """marts.gdp_ex_ai_revisions: the same quarters computed from the first vintage of every input the
    warehouse holds and from the latest, side by side, so an analyst sees how revisions changed the story.

    Both frames hold one value per (series_id, date): the latest vintage and the first release. With only one
    vintage per input (the embedded snapshot) both sides are equal and ``revised`` is false.
    """
    keys = ["quarter", "definition"]
    values = ["real_gdp_growth_saar_pct", "ai_contribution_pp", "gdp_growth_ex_ai_saar_pct", "inputs_as_of"]
    latest = gdp_ex_ai(latest_observations, definitions, census, release_notes, series_catalog)
    latest = latest.select(*keys, *values)
    first = gdp_ex_ai(first_observations, definitions, census, release_notes, series_catalog)
    first = first.select(*keys, *values)
    both = first.join(latest, on=keys, how="full", coalesce=True, suffix="_latest").rename(
        {v: f"{v}_first" for v in values})
    frame = both.select(
        *keys,
        pl.col("real_gdp_growth_saar_pct_first").alias("real_gdp_growth_first_published_saar_pct"),
        pl.col("real_gdp_growth_saar_pct_latest").alias("real_gdp_growth_latest_saar_pct"),
        pl.col("ai_contribution_pp_first").alias("ai_contribution_first_published_pp"),
        pl.col("ai_contribution_pp_latest").alias("ai_contribution_latest_pp"),
        pl.col("gdp_growth_ex_ai_saar_pct_first").alias("gdp_growth_ex_ai_first_published_saar_pct"),
        pl.col("gdp_growth_ex_ai_saar_pct_latest").alias("gdp_growth_ex_ai_latest_saar_pct"),
        (pl.col("gdp_growth_ex_ai_saar_pct_latest") - pl.col("gdp_growth_ex_ai_saar_pct_first"))
        .alias("ex_ai_growth_revision_pp"),
        pl.col("inputs_as_of_first").alias("first_published_inputs_as_of"),
        pl.col("inputs_as_of_latest").alias("latest_inputs_as_of"),
    ).with_columns(
        # both sides from the same vintages: no revision known (null), which is not "not revised" (false)
        pl.when(pl.col("first_published_inputs_as_of") == pl.col("latest_inputs_as_of")).then(None)
        .otherwise((pl.col("ex_ai_growth_revision_pp").abs() > 1e-9).fill_null(True)).alias("revised"))
    return frame.select(list(GdpExAiRevisions.to_schema().columns)).sort("definition", "quarter")


# ---------------------------------------------------------------------------------------------------------------
# the marts, declared through the mart kit

# the packaged definitions name the NIPA series the marts read (a definitions file given at run time that names
# other series gets insufficient data for them, never a guess)
INPUT_SERIES = tuple(input_series(load_definitions()))
# the largest error of our contribution formula against BEA's published equipment and IPP contributions that
# still counts as reproduced (2020-Q2 equipment: 0.056 pp; see macro_pipeline_tests/unit/test_gdp_ex_ai.py)
REPRODUCTION_TOLERANCE_PP = 0.06


def _bea_reproduced(frame: pl.DataFrame, observations: pl.DataFrame, **_: object) -> CheckOutcome:
    reproduction = reproduce_bea_contributions(observations)
    by_series = (reproduction.group_by("published_series")
                 .agg(pl.col("error_pp").abs().max().alias("max_abs_error_pp"),
                      pl.col("error_pp").abs().mean().alias("mean_abs_error_pp"), pl.len().alias("quarters"))
                 .sort("published_series"))
    worst = float(by_series["max_abs_error_pp"].max()) if by_series.height else None
    reproduced = worst is not None and worst <= REPRODUCTION_TOLERANCE_PP
    return CheckOutcome(reproduced, None if reproduced else
                        "BEA's published contributions are not reproduced (or not available)",
                        {"max_abs_error_pp": worst, "tolerance_pp": REPRODUCTION_TOLERANCE_PP,
                         "by_series": by_series})


def _gdp_ex_ai_summary(frame: pl.DataFrame, definitions: pl.DataFrame, **_: object) -> dict[str, object]:
    broad = frame.filter(pl.col("definition") == "broad").tail(8).select(
        "quarter", "real_gdp_growth_saar_pct", "ai_contribution_pp", "gdp_growth_ex_ai_saar_pct",
        "ai_share_of_growth_pct")
    return {"definition_version": definitions["definition_version"][0],
            "definitions_with_insufficient_data": ", ".join(
                sorted(set(definitions["definition"]) - set(frame["definition"]))) or "(none)",
            "latest_quarters_broad": broad}


_GDP_INPUTS = {"definitions": CatalogFile("ai_investment_definitions"), "census": Reference(CENSUS_TABLE),
               "release_notes": ReleaseNotes()}


@mart("marts.gdp_ex_ai", model=GdpExAi, key=("quarter", "definition"), claims="C6", date_column="quarter",
      units="percent and percentage points, SAAR",
      inputs={"observations": Series(INPUT_SERIES, required=HEADLINE_SERIES), **_GDP_INPUTS},
      checks=[MartCheck("bea_contributions_reproduced",
                        "Our Fisher contribution formula reproduces BEA's published contributions of "
                        f"nonresidential equipment and IPP within {REPRODUCTION_TOLERANCE_PP} pp in every quarter.",
                        _bea_reproduced, severity="warn")],
      summary=_gdp_ex_ai_summary)
def gdp_ex_ai_mart(observations: pl.DataFrame, definitions: pl.DataFrame, census: pl.DataFrame,
                   release_notes: dict[str, str]) -> pl.DataFrame:
    """Quarterly real GDP growth excluding AI-related investment (claim C6), percent SAAR.

    For each definition of AI investment in catalog/ai_investment_definitions.csv (narrow: computers and
    peripherals + software; broad: information processing equipment + software; broad_plus_datacenters: broad +
    Census data-center construction), the AI contribution to real GDP growth is BEA's published contribution
    where one exists, else BEA's contribution formula for chain-type Fisher indexes computed from the nominal and
    chained-dollar series (NIPA Handbook ch. 4). Ex-AI growth = headline growth (A191RL1Q225SBEA) - AI
    contribution. Data-center structures are nominal Census spending deflated by the GDP price index (method
    column). Counterfactual levels from the definition's base quarter. No import-adjusted variant: no import
    series. Inputs come from different BEA releases (input_release column).
    """
    return gdp_ex_ai(observations, definitions, census, release_notes)


@mart("marts.gdp_ex_ai_periods", model=GdpExAiPeriods, key=("period_type", "period_start", "definition"),
      claims="C6", date_column="period_start", units="percent and percentage points, annual rate",
      inputs={"mart": Mart("marts.gdp_ex_ai")})
def gdp_ex_ai_periods_mart(mart: pl.DataFrame) -> pl.DataFrame:
    """Half-year and calendar-year (Q4 over Q4) real GDP growth with and without AI investment (claim C6),
    compounded from the quarterly SAAR rates of marts.gdp_ex_ai; complete periods only. Not BEA's annual-average
    growth."""
    return gdp_ex_ai_periods(mart)


@mart("marts.gdp_ex_ai_by_quarter", model=GdpExAiByQuarter, key=("quarter",), claims="C6", date_column="quarter",
      units="percent, SAAR", inputs={"mart": Mart("marts.gdp_ex_ai")})
def gdp_ex_ai_by_quarter_mart(mart: pl.DataFrame) -> pl.DataFrame:
    """marts.gdp_ex_ai with the definitions side by side, one row per quarter: the source of the C6 indicators
    (ex-AI growth, AI contribution, AI share of growth, ex-AI level gap per definition)."""
    return gdp_ex_ai_by_quarter(mart)


@mart("marts.gdp_ex_ai_revisions", model=GdpExAiRevisions, key=("quarter", "definition"), claims="C6",
      date_column="quarter", units="percent, SAAR",
      inputs={"latest": Series(INPUT_SERIES, required=HEADLINE_SERIES),
              "first": Series(INPUT_SERIES, vintage="first_release", required=HEADLINE_SERIES), **_GDP_INPUTS})
def gdp_ex_ai_revisions_mart(latest: pl.DataFrame, first: pl.DataFrame, definitions: pl.DataFrame,
                             census: pl.DataFrame, release_notes: dict[str, str]) -> pl.DataFrame:
    """Real GDP growth excluding AI investment as first published vs latest (claim C6): marts.gdp_ex_ai's method
    applied to the first vintage of every input the warehouse holds (raw.observations_first_release) and to the
    latest. With the live FRED path and its vintage fetch, the first vintage is FRED's first release. With the
    embedded snapshot the headline growth (A191RL1Q225SBEA) and the AI components have one vintage, so both sides
    agree and ``revised`` is null: no revision known, not "not revised". GDP growth as first published, from
    GDPC1's real vintages (data/fred_snapshot/vintages), and the ex-AI growth recomputed with it are in
    published.indicator_revisions."""
    return gdp_ex_ai_revisions(latest, first, definitions, census, release_notes)
