"""The chart book asset: the offline HTML page and one PNG per chart, drawn from the published file and written
beside it (``chart_book/``) atomically."""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from macro_pipeline.defs.metadata import OWNERS
from macro_pipeline.defs.publish import PUBLISHED_FILE
from macro_pipeline.defs.resources import CatalogResource
from macro_pipeline.report.chart_book import PAGE_NAME, RENDERS_NAME, build_chart_book, parse_charts, reusable_pngs
from macro_pipeline.transforms.scorecard import load_rules
from macro_pipeline.warehouse import Warehouse
from macro_pipeline.warehouse.beside import install_files

CHART_BOOK = dg.AssetKey(["published", "chart_book"])
CHART_BOOK_FOLDER = "chart_book"
CHARTS_FILE = "charts.csv"


def _previous_pngs(folder: Path) -> dict[str, bytes]:
    """The previous chart book's PNGs that a chart with an unchanged spec can reuse (none if there is none)."""
    def read_png(name: str) -> bytes | None:
        path = folder / name
        if path.parent != folder or path.suffix != ".png":  # names come from a file in the folder: stay in it
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    try:
        renders = (folder / RENDERS_NAME).read_text(encoding="utf-8")
    except OSError:
        return {}
    return reusable_pngs(renders, read_png)


def read_published(published: str, sql: str) -> pl.DataFrame:
    """A query on the published file, opened read-only as an analyst opens it."""
    con = duckdb.connect(published, read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


@dg.asset(key=CHART_BOOK, deps=[PUBLISHED_FILE], group_name="published", kinds={"html", "altair"}, owners=OWNERS,
          tags={"layer": "published"},
          metadata={"dagster/column_schema": dg.TableSchema(columns=[
              dg.TableColumn("index.html", "file", description="the page: scorecard on top, then per claim its "
                                                               "charts, thresholds, kinds and sources"),
              dg.TableColumn("<chart_id>.png", "file", description="one PNG per chart drawn"),
              dg.TableColumn("renders.json", "file", description="per PNG, the key of the spec it draws and its "
                                                                 "sha256: an unchanged chart is not drawn again")]),
              "path": "data/chart_book/index.html"})
def published_chart_book(context: dg.AssetExecutionContext, catalog: CatalogResource,
                         warehouse: Warehouse) -> dg.MaterializeResult:
    """The chart book beside the published file (data/chart_book/index.html): one static page that opens offline
    (every script inlined once, no font or script from the network), with the claims scorecard on top (verdict,
    evidence, date) and, per claim, its charts as declared in catalog/charts.csv (indicators over time, the
    thresholds the verdict used as red dashed lines, units on the axes, observed solid and projection or model
    dashed, sources under each chart); one PNG per chart beside it. Files are built in a temporary folder,
    fsynced and renamed into place: a reader never sees half a page. A chart whose spec (data included) is
    unchanged since the last book keeps its PNG (data/chart_book/renders.json lists what each one draws)."""
    facts = catalog.load()
    published = str(warehouse.published_path)
    rules = load_rules(catalog.file("claim_rules.csv"), facts.indicators, facts.claims)
    charts = parse_charts(catalog.file(CHARTS_FILE).read_text(encoding="utf-8"), facts.indicators, CHARTS_FILE)
    target = warehouse.published_path.parent / CHART_BOOK_FOLDER
    book = build_chart_book(
        scorecard=read_published(published, "SELECT * FROM published.claims_scorecard ORDER BY claim_order"),
        claims=facts.claims, indicators=facts.indicators,
        values=read_published(published, "SELECT * FROM published.indicators"),
        rules=rules, charts=charts, built_at=dt.datetime.now(dt.UTC), previous_pngs=_previous_pngs(target))
    install_files(target, context.run.run_id, book.files(), last=(PAGE_NAME,))
    page = target / PAGE_NAME
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(page)),
        "charts": len(book.charts),
        "pngs_drawn": len(book.pngs) - book.reused,
        "pngs_reused": book.reused,
        "chart_ids": ", ".join(p.chart_id for p in book.charts),
        "page_bytes": page.stat().st_size,
    })
