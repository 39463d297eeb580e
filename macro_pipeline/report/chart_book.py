"""The chart book: one static HTML page that opens offline (the scorecard on top, then per claim its charts with
the thresholds the verdict used, units, observed vs projected values and sources) and one PNG per chart.

Charts are declared as data (``catalog/charts.csv``: chart_id, claim_id, indicator_ids, title, mark, start_date,
note), beside the indicators they draw; a claim whose indicators no declared chart covers gets one chart per unit
of those indicators, and a claim without indicators a "no indicator yet" note, so a new mart needs no change here.
Pure: polars frames in, a page and pictures out. Vega-Altair writes the Vega-Lite specs; vl-convert renders the
PNGs (no browser, no network) and supplies the one inlined script bundle that draws every chart on the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import check_file, read_csv_text, rule

CHART_COLUMNS = ["chart_id", "claim_id", "indicator_ids", "title", "mark", "start_date", "note"]
MARKS = ("line", "bar", "point")
KINDS = ("observed", "projection", "model")
# statistics whose compared value is the indicator's own level: their threshold is drawn as a line on the chart
# (a change_over_periods threshold applies to a difference, not to the plotted values: it is written, not drawn)
LEVEL_STATISTICS = ("latest", "mean_of_last_n", "all_of_last_n")
PERIOD_AXIS = {"week_date": "week (Wednesday)", "month": "month", "quarter": "quarter", "year": "year"}
CHART_WIDTH, CHART_HEIGHT = 820, 260
PAGE_NAME = "index.html"
# beside the PNGs: for each, the key of what it draws (spec, renderer version, scale) and its own sha256, so the
# next build copies a PNG whose chart did not change instead of drawing it again (45 PNGs take ~8 s to draw)
RENDERS_NAME = "renders.json"
PNG_SCALE = 1


class ChartsError(ValueError):
    """charts.csv breaks a rule; the message names the row and the column."""


@dataclass(frozen=True)
class ChartPlan:
    """One chart: what it draws and where it came from (declared in charts.csv, or derived for uncovered
    indicators)."""

    chart_id: str
    claim_id: str
    indicator_ids: tuple[str, ...]
    title: str
    unit: str
    mark: str = "line"
    start_date: dt.date | None = None
    note: str = ""
    declared: bool = True


@dataclass
class ChartBook:
    html: str
    pngs: dict[str, bytes] = field(default_factory=dict)
    charts: list[ChartPlan] = field(default_factory=list)
    # PNG file name -> the render key of what it draws (see render_key)
    render_keys: dict[str, str] = field(default_factory=dict)
    reused: int = 0

    def renders(self) -> dict[str, dict[str, str]]:
        return {name: {"render_key": self.render_keys[name], "png_sha256": hashlib.sha256(png).hexdigest()}
                for name, png in sorted(self.pngs.items())}

    def files(self) -> dict[str, bytes]:
        renders = json.dumps(self.renders(), indent=1, sort_keys=True).encode("utf-8") + b"\n"
        return {**self.pngs, RENDERS_NAME: renders, PAGE_NAME: self.html.encode("utf-8")}


def render_key(spec: dict, renderer_version: str, scale: int = PNG_SCALE) -> str:
    """What a PNG depends on: its Vega-Lite spec (data included), the renderer's version and the scale."""
    text = json.dumps({"spec": spec, "renderer": renderer_version, "scale": scale}, sort_keys=True,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reusable_pngs(renders_text: str, read_png) -> dict[str, bytes]:
    """The PNGs of a previous build that can be reused, by render key: each listed in its renders.json and
    still byte-identical to what was written (``read_png(name)`` gives the file's bytes or None). A missing,
    unreadable or edited file is simply drawn again."""
    try:
        renders = json.loads(renders_text)
    except ValueError:
        return {}
    reusable: dict[str, bytes] = {}
    if not isinstance(renders, dict):
        return reusable
    for name, entry in renders.items():
        if not isinstance(entry, dict) or not {"render_key", "png_sha256"} <= entry.keys():
            continue
        png = read_png(name)
        if png is not None and hashlib.sha256(png).hexdigest() == entry["png_sha256"]:
            reusable[entry["render_key"]] = png
    return reusable


# ---------------------------------------------------------------------------------------------------------------
# the declarations


def parse_charts(text: str, indicators: pl.DataFrame, name: str = "charts.csv") -> list[ChartPlan]:
    """The declared charts, validated by one pandera schema (catalog.check_file: errors name the file, the chart
    ids and the rule). Every indicator of a chart exists, belongs to the chart's claim and shares one unit."""
    frame = read_csv_text(name, text)
    if frame.columns != CHART_COLUMNS:
        raise ChartsError(f"{name}: header must be {CHART_COLUMNS}, not {frame.columns}")
    claim_of = dict(zip(indicators["indicator_id"], indicators["claim_id"], strict=True))
    unit_of = dict(zip(indicators["indicator_id"], indicators["unit"], strict=True))
    ids = pl.col("indicator_ids").fill_null("").str.split(";").list.eval(
        pl.element().str.strip_chars().filter(pl.element() != ""))
    frame = frame.with_columns(
        ids.alias("_ids"),
        pl.col("start_date").str.to_date("%Y-%m-%d", strict=False).alias("_start"))
    frame = frame.with_columns(
        pl.col("_ids").list.eval(pl.element().replace_strict(claim_of, default=None)).alias("_claims"),
        pl.col("_ids").list.eval(pl.element().replace_strict(unit_of, default=None)).alias("_units"))
    schema = pa.DataFrameSchema({"chart_id": pa.Column(str, nullable=True)}, checks=[
        rule(pl.col("chart_id").str.contains(r"^[a-z][a-z0-9_]*$"), "chart_id is snake_case"),
        rule(~pl.col("chart_id").is_duplicated(), "chart ids are unique"),
        rule(pl.col("title").is_not_null(), "every chart has a title"),
        rule(pl.col("mark").is_in(list(MARKS)), f"mark is one of {list(MARKS)}"),
        rule(pl.col("_ids").list.len() > 0, "indicator_ids names at least one indicator (';'-separated)"),
        rule(pl.col("_claims").list.eval(pl.element().is_not_null()).list.all(),
             "indicator_ids are indicators of indicators.csv"),
        rule(pl.col("_claims").list.eval(pl.element() == pl.element().first()).list.all()
             & (pl.col("_claims").list.first() == pl.col("claim_id")),
             "the indicators measure the chart's claim_id"),
        rule(pl.col("_units").list.n_unique() == 1, "the indicators share one unit (one chart, one unit)"),
        rule(pl.col("start_date").is_null() | pl.col("_start").is_not_null(),
             "start_date is blank or an ISO date (YYYY-MM-DD)"),
    ], name=name)
    check_file(name, frame, schema, key="chart_id", error=ChartsError)
    return [ChartPlan(r["chart_id"], r["claim_id"], tuple(r["_ids"]), r["title"], r["_units"][0], r["mark"],
                      r["_start"], r["note"] or "") for r in frame.iter_rows(named=True)]


def plan_charts(declared: list[ChartPlan], indicators: pl.DataFrame, claims: pl.DataFrame
                ) -> dict[str, list[ChartPlan]]:
    """Per claim (in claim order), its declared charts plus one derived chart per unit for the claim's
    indicators no declared chart draws. A claim without indicators maps to an empty list."""
    out: dict[str, list[ChartPlan]] = {}
    for claim_id in _claim_order(claims["claim_id"].to_list()):
        plans = [p for p in declared if p.claim_id == claim_id]
        drawn = {s for p in plans for s in p.indicator_ids}
        rest = indicators.filter((pl.col("claim_id") == claim_id) & ~pl.col("indicator_id").is_in(sorted(drawn)))
        for unit in sorted(set(rest["unit"].to_list())):
            ids = tuple(rest.filter(pl.col("unit") == unit)["indicator_id"].to_list())
            title = (rest.filter(pl.col("unit") == unit)["title"][0] if len(ids) == 1
                     else f"{claim_id} indicators in {unit}")
            chart_id = f"{claim_id.lower()}_{_slug(unit)}"
            while any(p.chart_id == chart_id for p in declared):  # never the id of a declared chart (one PNG each)
                chart_id += "_more"
            plans.append(ChartPlan(chart_id, claim_id, ids, title, unit, declared=False))
        out[claim_id] = plans
    return out


def _claim_order(claim_ids: list[str]) -> list[str]:
    return sorted(claim_ids, key=lambda c: (int(c[1:]) if c[1:].isdigit() else 99, c))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "values"


# ---------------------------------------------------------------------------------------------------------------
# one chart


def chart_rows(plan: ChartPlan, values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """The published rows a chart draws: date, value, the indicator's title, and its kind."""
    titles = indicators.select("indicator_id", pl.col("title").alias("indicator"))
    rows = values.filter(pl.col("indicator_id").is_in(list(plan.indicator_ids)))
    if plan.start_date is not None:
        rows = rows.filter(pl.col("date") >= plan.start_date)
    rows = (rows.join(titles, on="indicator_id", how="left")
            .select("indicator_id", "indicator", "date", "value", "kind").sort("indicator_id", "date"))
    # a chart embeds its points in the page: daily series are drawn by their last value of each week (then of
    # each month), which keeps the page small and stays within Vega-Altair's inline-data limit
    for period in ("1w", "1mo"):
        if rows.height <= MAX_CHART_POINTS:
            break
        rows = (rows.group_by("indicator_id", "kind", pl.col("date").dt.truncate(period).alias("_period"),
                              maintain_order=True).last().drop("_period")
                .select("indicator_id", "indicator", "date", "value", "kind").sort("indicator_id", "date"))
    return rows


MAX_CHART_POINTS = 4000


def chart_spec(plan: ChartPlan, rows: pl.DataFrame, tests: list[dict], date_column: str,
               as_of: dt.date | None) -> dict:
    """The Vega-Lite spec of a chart: one line (or bar) per indicator, solid where observed and dashed where a
    projection or model value; the level thresholds of the claim's tests as red rules; the as-of date."""
    import altair as alt

    kind_scale = alt.Scale(domain=list(KINDS), range=[[1, 0], [6, 3], [2, 2]])
    x = alt.X("date:T", title=PERIOD_AXIS.get(date_column, "date"))
    y = alt.Y("value:Q", title=plan.unit)
    color = alt.Color("indicator:N", title=None, legend=alt.Legend(orient="bottom", columns=1, labelLimit=760))
    tooltip = ["indicator:N", "date:T", alt.Tooltip("value:Q", format=",.2f"), "kind:N"]
    base = alt.Chart(rows)
    if plan.mark == "bar":
        marks = base.mark_bar().encode(
            x=x, y=y, color=color, tooltip=tooltip,
            opacity=alt.Opacity("kind:N", scale=alt.Scale(domain=list(KINDS), range=[1.0, 0.45, 0.6]),
                                legend=alt.Legend(orient="bottom", title="kind")))
    else:
        few = rows.group_by("indicator_id").len()["len"].max() or 0
        marks = base.mark_line(point=plan.mark == "point" or few <= 40).encode(
            x=x, y=y, color=color, tooltip=tooltip, detail="kind:N",
            strokeDash=alt.StrokeDash("kind:N", scale=kind_scale, legend=alt.Legend(orient="bottom", title="kind")))
    layers = [marks]
    drawn = [t for t in tests if t["statistic"] in LEVEL_STATISTICS and t["indicator_id"] in plan.indicator_ids]
    if drawn:
        thresholds = pl.DataFrame({
            "threshold": [t["threshold"] for t in drawn],
            "label": [f"{t['rule_id']}: needs {t['comparison']} {t['threshold']:g}" for t in drawn]})
        rule = alt.Chart(thresholds).mark_rule(color="#c0392b", strokeDash=[5, 3], strokeWidth=1.5)
        layers.append(rule.encode(y="threshold:Q"))
        layers.append(alt.Chart(thresholds).mark_text(align="left", dx=4, dy=-6, color="#c0392b", fontSize=11)
                      .encode(y="threshold:Q", x=alt.value(0), text="label:N"))
    if as_of is not None and rows.height and rows["date"].max() > as_of:
        marker = pl.DataFrame({"date": [as_of], "label": [f"as of {as_of}: later values are not observed"]})
        layers.append(alt.Chart(marker).mark_rule(color="#555", strokeDash=[2, 2]).encode(x="date:T"))
        layers.append(alt.Chart(marker).mark_text(align="left", dx=4, y=8, color="#555", fontSize=11)
                      .encode(x="date:T", text="label:N"))
    chart = alt.layer(*layers).properties(width=CHART_WIDTH, height=CHART_HEIGHT,
                                          title=alt.TitleParams(plan.title, subtitle=f"unit: {plan.unit}",
                                                                anchor="start"))
    return chart.to_dict()


# ---------------------------------------------------------------------------------------------------------------
# the page


def build_chart_book(*, scorecard: pl.DataFrame, claims: pl.DataFrame, indicators: pl.DataFrame,
                     values: pl.DataFrame, rules: pl.DataFrame, charts: list[ChartPlan],
                     built_at: dt.datetime, render_png: bool = True,
                     previous_pngs: Mapping[str, bytes] | None = None) -> ChartBook:
    """The page and the PNGs from the published scorecard and indicators (``values`` with a ``kind`` column),
    catalog/claims.csv and indicators.csv, the parsed claim rules and the declared charts. ``previous_pngs``
    (render key -> PNG, from ``reusable_pngs``) are copied for charts whose spec is unchanged."""
    import vl_convert

    plans = plan_charts(charts, indicators, claims)
    as_of = scorecard["as_of"].max() if scorecard.height else None
    date_column = dict(zip(indicators["indicator_id"], indicators["date_column"], strict=True))
    rule_rows = rules.filter(pl.col("statistic") != "none").to_dicts()
    specs: dict[str, dict] = {}
    book = ChartBook(html="")
    sections = []
    by_claim = {r["claim_id"]: r for r in scorecard.iter_rows(named=True)}
    for claim in _claim_order(claims["claim_id"].to_list()):
        claim_row = claims.filter(pl.col("claim_id") == claim).row(0, named=True)
        score = by_claim.get(claim)
        figures = []
        for plan in plans[claim]:
            rows = chart_rows(plan, values, indicators)
            tests = [t for t in rule_rows if t["indicator_id"] in plan.indicator_ids]
            if rows.is_empty():
                figures.append(_figure(plan, None, tests, [], empty=True))
                continue
            spec = chart_spec(plan, rows, tests, date_column.get(plan.indicator_ids[0], "date"), as_of)
            specs[plan.chart_id] = spec
            if render_png:
                name = f"{plan.chart_id}.png"
                key = render_key(spec, vl_convert.__version__)
                book.render_keys[name] = key
                if previous_pngs and key in previous_pngs:
                    book.pngs[name] = previous_pngs[key]
                    book.reused += 1
                else:
                    book.pngs[name] = vl_convert.vegalite_to_png(spec, scale=PNG_SCALE)
            sources = sorted(set(values.filter(pl.col("indicator_id").is_in(list(plan.indicator_ids)))["source"]
                                 .to_list()))
            figures.append(_figure(plan, rows, tests, sources))
            book.charts.append(plan)
        sections.append(_section(claim, claim_row["claim"], score, figures))
    book.html = _page(scorecard, sections, specs, as_of, built_at, vl_convert.javascript_bundle())
    return book


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _script_json(value: object) -> str:
    # inside <script>, "</" would end the element: JSON allows the escaped solidus
    return json.dumps(value, default=str).replace("</", "<\\/")


def _figure(plan: ChartPlan, rows: pl.DataFrame | None, tests: list[dict], sources: list[str],
            empty: bool = False) -> str:
    test_items = "".join(
        f"<li><b>{_esc(t['rule_id'])}</b> {_esc(t['indicator_id'])}: {_esc(t['statistic'])}"
        f"{'' if t['periods'] is None else ' ' + _esc(t['periods'])} {_esc(t['comparison'])} {t['threshold']:g} "
        f"{_esc(t['threshold_unit'])}{' (drawn)' if t['statistic'] in LEVEL_STATISTICS else ''}"
        f"{'' if t['max_date'] is None else ', up to ' + _esc(t['max_date'])}. Source: {_esc(t['source'])}</li>"
        for t in tests)
    kinds = "" if rows is None else ", ".join(sorted(set(rows["kind"].to_list())))
    body = (f'<p class="empty">No published value yet for {_esc(", ".join(plan.indicator_ids))}.</p>' if empty else
            f'<div class="chart" id="vis-{_esc(plan.chart_id)}" data-chart="{_esc(plan.chart_id)}"></div>')
    derived = "" if plan.declared else ' <span class="derived">(not declared in charts.csv: all of the ' \
                                       "claim's indicators in this unit)</span>"
    return (f'<figure id="chart-{_esc(plan.chart_id)}"><h3>{_esc(plan.title)}{derived}</h3>{body}<figcaption>'
            + (f"<p>{_esc(plan.note)}</p>" if plan.note else "")
            + f"<p>Unit: {_esc(plan.unit)}. Values shown: {_esc(kinds) or 'none'} (solid: observed; dashed: "
              "projection or model).</p>"
            + (f"<p>Tests of the verdict on these indicators:</p><ul>{test_items}</ul>" if tests else "")
            + "<p>Sources:</p><ul>" + "".join(f"<li>{_esc(s)}</li>" for s in sources) + "</ul>"
            + "</figcaption></figure>")


def _section(claim_id: str, claim: str, score: dict | None, figures: list[str]) -> str:
    verdict = score["verdict"] if score else "not in the scorecard"
    head = (f'<section class="claim" id="claim-{_esc(claim_id)}"><h2>{_esc(claim_id)}: {_esc(claim)}</h2>'
            f'<p class="verdict v-{_esc(verdict).replace(" ", "-")}">Verdict: <b>{_esc(verdict)}</b></p>')
    if not figures:
        evidence = (score["evidence"] if score else "").removeprefix(f"No indicator measures {claim_id} yet: ")
        return head + f'<p class="no-indicator">No indicator yet. {_esc(evidence)}</p></section>'
    return head + "".join(figures) + "</section>"


_CSS = """
body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}.v-supported{color:#1e7b34}.v-not-supported{color:#b03a2e}
.v-mixed{color:#9a6700}.v-insufficient-data{color:#666}figure{margin:16px 0 28px 0}
figcaption{font-size:12px;color:#444}.chart{min-height:300px}.derived{font-weight:normal;font-size:12px;color:#777}
.no-indicator,.empty{color:#666;font-style:italic}section.claim{border-top:2px solid #ddd;padding-top:6px}
"""


def _page(scorecard: pl.DataFrame, sections: list[str], specs: dict[str, dict], as_of: dt.date | None,
          built_at: dt.datetime, bundle: str) -> str:
    rows = "".join(
        f'<tr id="score-{_esc(r["claim_id"])}"><td>{_esc(r["claim_id"])}</td>'
        f'<td class="v-{_esc(r["verdict"]).replace(" ", "-")}">{_esc(r["verdict"])}</td>'
        f'<td>{_esc(r["latest_date"])}</td><td>{_esc(r["evidence"])}</td></tr>'
        for r in scorecard.iter_rows(named=True))
    version = scorecard["rule_version"][0] if scorecard.height else ""
    draw = """
for (const [id, spec] of Object.entries(SPECS)) {
  const el = document.getElementById('vis-' + id);
  vegaEmbed(el, spec, {renderer: 'svg', actions: false})
    .then(() => { el.dataset.rendered = 'ok'; })
    .catch((err) => { el.dataset.rendered = 'error'; el.textContent = 'chart failed: ' + err; });
}"""
    inlined = bundle.replace("</script", "<\\/script")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>macro_pipeline chart book</title>"
        f"<style>{_CSS}</style><script>{inlined}</script></head><body>"
        "<h1>What the published data says about each claim</h1>"
        f"<p>Data as of {_esc(as_of)}; verdicts by the tests of catalog/claim_rules.csv version {_esc(version)}; "
        f"page built {_esc(built_at.strftime('%Y-%m-%d %H:%M'))} UTC from data/macro.duckdb. Charts draw "
        "published.indicators; thresholds of the tests are red dashed lines.</p>"
        "<h2>Scorecard</h2><table id=\"scorecard\"><tr><th>claim</th><th>verdict</th><th>latest date</th>"
        f"<th>evidence</th></tr>{rows}</table>"
        + "".join(sections)
        + f"<script>const SPECS = {_script_json(specs)};{draw}</script></body></html>\n")
