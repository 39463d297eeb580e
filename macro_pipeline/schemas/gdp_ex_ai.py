"""Models of the GDP-ex-AI marts (claim C6): real GDP growth with and without AI-related investment."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

_BEA = "U.S. Bureau of Economic Analysis via FRED"
_HEADLINE = f"A191RL1Q225SBEA ({_BEA})"
_COMPUTED = ("computed from BEA NIPA series via FRED (catalog/ai_investment_definitions.csv) and, for data "
             "centers, Census Value of Construction Put in Place (data/reference)")
_DEFS = "macro_pipeline/catalog/ai_investment_definitions.csv"
_PCT_SAAR = "percent, SAAR"
_PP_SAAR = "percentage points at annual rate"
_DEFINITIONS = ["narrow", "broad", "broad_plus_datacenters"]
_QUARTER_START = (pl.col("quarter").dt.day() == 1) & pl.col("quarter").dt.month().is_in([1, 4, 7, 10])

METHOD_DOC = (
    "per component, '<component>=<method>' joined by '; ': bea_published (BEA's published contribution); "
    "computed_fisher (BEA's contribution formula for chain-type Fisher indexes, NIPA Handbook ch. 4, from the "
    "component's nominal and chained-dollar series, nominal GDP and published real GDP growth; the GDP "
    "denominator takes Laspeyres = Fisher, a second-order approximation; annualized proportionally so that "
    "contributions add to the SAAR growth rate); computed_fisher_census_gdp_deflated (Census data-center "
    "construction, nominal SAAR averaged to quarters, deflated by the GDP chain price index rebuilt from GDP and "
    "A191RL1Q225SBEA because no structures deflator is in the snapshot; then the same formula). No import-adjusted "
    "variant: the snapshot has no imports of computers, peripherals or software, so AI investment is counted "
    "gross of imports and its contribution overstates the domestic-production effect.")


def _f(description: str, unit: str | None, source: str = _COMPUTED, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, description=description, metadata={"unit": unit, "source": source})


class GdpExAi(pa.DataFrameModel):
    """Quarterly real GDP growth excluding AI-related investment, per definition of AI investment (claim C6).

    ai_contribution_pp is the AI components' contribution to real GDP growth (BEA's published contribution where
    it exists, else BEA's Fisher contribution formula computed from the snapshot series);
    gdp_growth_ex_ai_saar_pct = real_gdp_growth_saar_pct - ai_contribution_pp. Definitions: narrow = computers and
    peripheral equipment + software; broad = information processing equipment + software; broad_plus_datacenters =
    broad + Census data-center construction (nominal, deflated by the GDP price index). Counterfactual levels from
    the definition's base quarter: indexes chaining headline and ex-AI growth (AI quantities held at the base
    quarter), and GDPC1 minus the AI components' chained-dollar change (approximate: chained dollars are not
    additive; BEA's own sum of equipment and software chained dollars differs from its aggregate line by 0.0-0.3%
    in 2024-26, and the gap grows with distance from 2017 and with relative price change, e.g. computers). Inputs
    come from different BEA releases (input_release); the snapshot has one vintage, so 'as first published' is
    not available. No import-adjusted variant (no import series)."""

    quarter: pl.Date = _f("quarter (first day)", "date", _HEADLINE, nullable=False)
    definition: str = pa.Field(isin=_DEFINITIONS, description="definition of AI investment: narrow, broad, "
                               "broad_plus_datacenters", metadata={"unit": "text", "source": _DEFS})
    definition_version: str = _f("version of the definitions file", "text", _DEFS, nullable=False)
    real_gdp_growth_saar_pct: float = _f("real GDP growth, published headline (A191RL1Q225SBEA)", _PCT_SAAR,
                                         _HEADLINE, nullable=False)
    ai_contribution_pp: float = _f("contribution of the definition's AI components to real GDP growth (sum of "
                                   "component_contributions_pp)", _PP_SAAR, nullable=False)
    gdp_growth_ex_ai_saar_pct: float = _f("real_gdp_growth_saar_pct - ai_contribution_pp", _PCT_SAAR,
                                          nullable=False)
    ai_share_of_growth_pct: float = _f("100 * ai_contribution_pp / real_gdp_growth_saar_pct; null when growth <= "
                                       "0 (a share of a fall or of zero is not meaningful)", "percent")
    components: pl.List(pl.Utf8) = _f("the definition's components, in the order of component_contributions_pp",
                                      "text", _DEFS, nullable=False)
    component_contributions_pp: pl.List(pl.Float64) = _f("each component's contribution", _PP_SAAR,
                                                         nullable=False)
    ai_investment_nominal_usd_bn: float = _f("sum of the components' nominal investment", "billions of dollars, "
                                             "SAAR", nullable=False)
    ai_nominal_share_of_gdp_pct: float = _f("ai_investment_nominal_usd_bn / nominal GDP * 100", "percent",
                                            nullable=False)
    gdp_nominal_usd_bn: float = _f("nominal GDP (GDP)", "billions of dollars, SAAR", f"GDP ({_BEA})",
                                   nullable=False)
    ai_investment_real_chained_2017_usd_bn: float = _f(
        "sum of the components' chained-dollar investment (not additive: an approximation of the aggregate; data "
        "centers in GDP-deflated 2017 dollars)", "billions of chained 2017 dollars, SAAR", nullable=False)
    base_quarter: pl.Date = _f("base quarter of the counterfactual levels (definitions file)", "date", _DEFS,
                               nullable=False)
    real_gdp_index_base100: float = _f("real GDP chained from the base quarter with the headline growth; null "
                                       "before the base quarter", "index, base quarter = 100")
    real_gdp_ex_ai_index_base100: float = _f("real GDP chained from the base quarter with ex-AI growth: the path "
                                             "with AI quantities held at the base quarter", "index, base quarter "
                                             "= 100")
    ex_ai_level_gap_pct: float = _f("100 * (real_gdp_ex_ai_index_base100 / real_gdp_index_base100 - 1): how much "
                                    "lower real GDP would be", "percent")
    real_gdp_chained_2017_usd_bn: float = _f("real GDP (GDPC1; ends 2025-Q3 in the snapshot, an older release)",
                                             "billions of chained 2017 dollars, SAAR", f"GDPC1 ({_BEA})")
    real_gdp_counterfactual_chained_2017_usd_bn: float = _f(
        "GDPC1 - (AI chained dollars - AI chained dollars in the base quarter): real GDP had AI investment stayed "
        "at its base-quarter level, static (no multiplier, no imports); approximate, chained dollars are not "
        "additive", "billions of chained 2017 dollars, SAAR")
    method: str = _f(METHOD_DOC, "text", nullable=False)
    preliminary_inputs: bool = _f("a Census month in the quarter is flagged preliminary (p)", "boolean",
                                  nullable=False)
    input_release: str = _f("which release each input series came from ('series: note' from the snapshot "
                            "manifest, joined by ' | ')", "text", "raw.fetch_log (snapshot MANIFEST.csv notes)",
                            nullable=False)
    inputs_as_of: pl.Date = _f("latest vintage date (realtime_start) of the input series", "date",
                               "staging.observations")

    class Config:
        description = ("Quarterly real GDP growth excluding AI-related investment (claim C6), per definition "
                       "(narrow, broad, broad_plus_datacenters): headline growth, the AI contribution (BEA's "
                       "Fisher contribution formula where BEA publishes none), ex-AI growth, AI share of growth, "
                       "and counterfactual levels from a base quarter. Percent and percentage points at annual "
                       "rate. No import-adjusted variant (no import inputs).")
        unique = ["quarter", "definition"]

    @pa.dataframe_check(name="quarter is the first day of a quarter")
    def quarter_start(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(_QUARTER_START)

    @pa.dataframe_check(name="ex-AI growth = headline - AI contribution")
    def ex_ai_identity(cls, data) -> pl.LazyFrame:
        expected = pl.col("real_gdp_growth_saar_pct") - pl.col("ai_contribution_pp")
        return data.lazyframe.select((pl.col("gdp_growth_ex_ai_saar_pct") - expected).abs() < 1e-9)

    @pa.dataframe_check(name="component contributions add up to the AI contribution")
    def contributions_add_up(cls, data) -> pl.LazyFrame:
        total = pl.col("component_contributions_pp").list.sum()
        same_length = pl.col("component_contributions_pp").list.len() == pl.col("components").list.len()
        return data.lazyframe.select(((total - pl.col("ai_contribution_pp")).abs() < 1e-9) & same_length)

    @pa.dataframe_check(name="AI share: 100 * contribution / growth, null when growth <= 0")
    def share_rule(cls, data) -> pl.LazyFrame:
        g = pl.col("real_gdp_growth_saar_pct")
        expected = 100 * pl.col("ai_contribution_pp") / g
        ok = pl.when(g > 0).then((pl.col("ai_share_of_growth_pct") - expected).abs() < 1e-9) \
            .otherwise(pl.col("ai_share_of_growth_pct").is_null())
        return data.lazyframe.select(ok.fill_null(False))

    @pa.dataframe_check(name="nominal AI share of GDP within 0-100")
    def nominal_share_in_range(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("ai_nominal_share_of_gdp_pct").is_between(0, 100))

    @pa.dataframe_check(name="values are finite")
    def finite(cls, data) -> pl.LazyFrame:
        cols = ["real_gdp_growth_saar_pct", "ai_contribution_pp", "gdp_growth_ex_ai_saar_pct",
                "ai_investment_nominal_usd_bn", "ai_investment_real_chained_2017_usd_bn"]
        return data.lazyframe.select(pl.all_horizontal([pl.col(c).is_finite() for c in cols]))


class GdpExAiPeriods(pa.DataFrameModel):
    """Half-year and calendar-year aggregates of marts.gdp_ex_ai (complete periods only). Growth over a period at
    an annual rate compounds the quarterly SAAR rates ((prod(1 + g/100))^(1/n) - 1; for a year: Q4 over Q4,
    which differs from BEA's annual-average growth); the ex-AI rate compounds the ex-AI quarterly rates and the AI
    contribution of the period is the difference."""

    period_type: str = pa.Field(isin=["half_year", "year"], description="half_year or year",
                                metadata={"unit": "text", "source": "marts.gdp_ex_ai"})
    period_start: pl.Date = _f("first day of the half-year or year", "date", "marts.gdp_ex_ai", nullable=False)
    definition: str = pa.Field(isin=_DEFINITIONS, description="definition of AI investment",
                               metadata={"unit": "text", "source": _DEFS})
    definition_version: str = _f("version of the definitions file", "text", _DEFS, nullable=False)
    n_quarters: int = pa.Field(isin=[2, 4], description="quarters in the period (all present)",
                               metadata={"unit": "count", "source": "marts.gdp_ex_ai"})
    first_quarter: pl.Date = _f("first quarter of the period", "date", "marts.gdp_ex_ai", nullable=False)
    last_quarter: pl.Date = _f("last quarter of the period", "date", "marts.gdp_ex_ai", nullable=False)
    real_gdp_growth_ann_pct: float = _f("headline real GDP growth over the period, annual rate", "percent, "
                                        "annual rate", "marts.gdp_ex_ai", nullable=False)
    ai_contribution_pp: float = _f("real_gdp_growth_ann_pct - gdp_growth_ex_ai_ann_pct", "percentage points, "
                                   "annual rate", "marts.gdp_ex_ai", nullable=False)
    gdp_growth_ex_ai_ann_pct: float = _f("ex-AI real GDP growth over the period, annual rate", "percent, annual "
                                         "rate", "marts.gdp_ex_ai", nullable=False)
    ai_share_of_growth_pct: float = _f("100 * ai_contribution_pp / real_gdp_growth_ann_pct; null when growth <= "
                                       "0", "percent", "marts.gdp_ex_ai")
    method: str = _f("how the period was aggregated", "text", "marts.gdp_ex_ai", nullable=False)

    class Config:
        description = ("Half-year and calendar-year (Q4/Q4) real GDP growth with and without AI-related "
                       "investment (claim C6), compounded from marts.gdp_ex_ai; complete periods only.")
        unique = ["period_type", "period_start", "definition"]

    @pa.dataframe_check(name="contribution = headline - ex-AI")
    def identity(cls, data) -> pl.LazyFrame:
        diff = pl.col("real_gdp_growth_ann_pct") - pl.col("gdp_growth_ex_ai_ann_pct") - pl.col("ai_contribution_pp")
        return data.lazyframe.select(diff.abs() < 1e-9)


def _wide(name: str, what: str, unit: str) -> object:
    return _f(f"{what} ({name} definition)", unit, "marts.gdp_ex_ai")


class GdpExAiByQuarter(pa.DataFrameModel):
    """marts.gdp_ex_ai pivoted to one row per quarter, one column per definition (the indicator source)."""

    quarter: pl.Date = _f("quarter (first day)", "date", _HEADLINE, nullable=False)
    real_gdp_growth_saar_pct: float = _f("real GDP growth, published headline", _PCT_SAAR, _HEADLINE,
                                         nullable=False)
    ai_contribution_narrow_pp: float = _wide("narrow", "AI contribution", _PP_SAAR)
    gdp_growth_ex_ai_narrow_saar_pct: float = _wide("narrow", "real GDP growth excluding AI", _PCT_SAAR)
    ai_share_of_growth_narrow_pct: float = _wide("narrow", "AI share of growth, null when growth <= 0", "percent")
    ex_ai_level_gap_narrow_pct: float = _wide("narrow", "ex-AI level gap vs headline since the base quarter",
                                              "percent")
    ai_contribution_broad_pp: float = _wide("broad", "AI contribution", _PP_SAAR)
    gdp_growth_ex_ai_broad_saar_pct: float = _wide("broad", "real GDP growth excluding AI", _PCT_SAAR)
    ai_share_of_growth_broad_pct: float = _wide("broad", "AI share of growth, null when growth <= 0", "percent")
    ex_ai_level_gap_broad_pct: float = _wide("broad", "ex-AI level gap vs headline since the base quarter",
                                             "percent")
    ai_contribution_broad_plus_datacenters_pp: float = _wide("broad_plus_datacenters", "AI contribution", _PP_SAAR)
    gdp_growth_ex_ai_broad_plus_datacenters_saar_pct: float = _wide("broad_plus_datacenters",
                                                                    "real GDP growth excluding AI", _PCT_SAAR)
    ai_share_of_growth_broad_plus_datacenters_pct: float = _wide("broad_plus_datacenters", "AI share of growth, "
                                                                 "null when growth <= 0", "percent")
    ex_ai_level_gap_broad_plus_datacenters_pct: float = _wide("broad_plus_datacenters", "ex-AI level gap vs "
                                                              "headline since the base quarter", "percent")

    class Config:
        description = ("Real GDP growth excluding AI-related investment (claim C6), one row per quarter with the "
                       "narrow, broad and broad_plus_datacenters definitions side by side (from marts.gdp_ex_ai).")
        unique = ["quarter"]


def _vintage_field(what: str, unit: str, vintage: str, nullable: bool = True) -> object:
    return _f(f"{what}, {vintage}", unit, "raw.observations (every vintage) via marts.gdp_ex_ai's method",
              nullable=nullable)


class GdpExAiRevisions(pa.DataFrameModel):
    """marts.gdp_ex_ai computed twice: from the first vintage of every input the warehouse holds ("as first
    published"; with the live FRED vintage fetch, FRED's first release) and from the latest, per quarter and
    definition. With the embedded snapshot the inputs of the growth figures (A191RL1Q225SBEA and the AI
    components) have one vintage, so both sides agree and revised is null: no revision known, not "not
    revised"."""

    quarter: pl.Date = _f("quarter (first day)", "date", _HEADLINE, nullable=False)
    definition: str = pa.Field(isin=_DEFINITIONS, description="definition of AI investment",
                               metadata={"unit": "text", "source": _DEFS})
    real_gdp_growth_first_published_saar_pct: float = _vintage_field("real GDP growth", _PCT_SAAR, "first vintage")
    real_gdp_growth_latest_saar_pct: float = _vintage_field("real GDP growth", _PCT_SAAR, "latest vintage")
    ai_contribution_first_published_pp: float = _vintage_field("AI contribution", _PP_SAAR, "first vintage")
    ai_contribution_latest_pp: float = _vintage_field("AI contribution", _PP_SAAR, "latest vintage")
    gdp_growth_ex_ai_first_published_saar_pct: float = _vintage_field("real GDP growth excluding AI", _PCT_SAAR,
                                                                      "first vintage")
    gdp_growth_ex_ai_latest_saar_pct: float = _vintage_field("real GDP growth excluding AI", _PCT_SAAR,
                                                             "latest vintage")
    ex_ai_growth_revision_pp: float = _f("latest minus first-published ex-AI growth", "percentage points",
                                         "computed")
    first_published_inputs_as_of: pl.Date = _f("latest vintage date among the first-vintage inputs", "date",
                                               "raw.observations")
    latest_inputs_as_of: pl.Date = _f("latest vintage date among the latest inputs", "date", "raw.observations")
    revised: bool = _f("whether revisions changed ex-AI growth (true also when the quarter exists on one side "
                       "only); null when both sides come from the same vintages: no revision known",
                       "boolean", "computed", nullable=True)

    class Config:
        description = ("Real GDP growth excluding AI investment as first published vs latest, per quarter and "
                       "definition (claim C6): how revisions changed the story. Vintages: raw.observations "
                       "(FRED's with MACRO_PIPELINE_FRED_VINTAGES=1; the embedded snapshot has one vintage of "
                       "A191RL1Q225SBEA and the AI components, so revised is null there: no revision known, not "
                       "'not revised'). GDP growth from GDPC1's real vintages and ex-AI growth recomputed with "
                       "each release's GDP growth: published.indicator_revisions.")
        unique = ["quarter", "definition"]
