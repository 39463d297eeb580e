"""After a real run: the chart book opens offline in headless Chromium with every chart drawn, the exports and
the catalog list agree, the latest-indicator query returns observed values only, and `macro-pipeline report`
prints the scorecard and the book's path."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from macro_pipeline.catalog import load_catalog
from macro_pipeline.schemas import export_files, tables
from macro_pipeline.settings import SQL_DIR
from macro_pipeline_tests.png import distinct_colours
from macro_pipeline_tests.support import copy_snapshot, run_pipeline

pytestmark = pytest.mark.integration
ARTIFACTS_ENV = "MACRO_PIPELINE_TEST_ARTIFACTS"  # a folder to keep the screenshot in (default: the test's tmp)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chart_book_run")
    data = root / "data"
    data.mkdir()
    outcome = run_pipeline(data, copy_snapshot(root / "fred_snapshot"), chart_book=True)
    assert outcome.success, outcome.failure_text
    return data / "macro.duckdb"


def query(path: Path, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("MACRO_PIPELINE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (apt-get install -y chromium) but not installed")
        pytest.skip("Debian chromium is not installed (CI installs it: see .ci/run)")
    return browser


def render(url: str, tmp_path: Path, screenshot: Path) -> str:
    """Screenshot and DOM of a page in headless Chromium with the network off (file:// only)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--proxy-server=127.0.0.1:9",
             "--proxy-bypass-list=<-loopback>", f"--user-data-dir={tmp_path / 'chrome'}", "--hide-scrollbars",
             "--virtual-time-budget=30000"]
    browser = chromium()
    subprocess.run([browser, *flags, "--window-size=1100,4200", f"--screenshot={screenshot}", url],
                   capture_output=True, timeout=180, check=False)
    done = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=180,
                          check=False)
    return done.stdout


def test_chart_book_opens_offline_with_the_scorecard_on_top_and_every_chart_drawn(published: Path,
                                                                                   tmp_path: Path) -> None:
    page = published.parent / "chart_book" / "index.html"
    shot = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path) / "chart_book.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    dom = render(page.as_uri(), tmp_path, shot)
    charts = re.findall(r'<div class="chart[^"]*" id="vis-([a-z0-9_]+)"[^>]*data-rendered="([a-z]+)"', dom)
    assert charts, dom[-3000:]
    assert [c for c, state in charts if state != "ok"] == []
    # each chart's drawing: an SVG with marks inside its own div
    for chart_id, _ in charts:
        block = dom.split(f'id="vis-{chart_id}"', 1)[1].split("</figure>", 1)[0]
        assert "<svg" in block and block.count("<path") >= 3, chart_id
    # the scorecard is on top, with a row per claim
    assert dom.index('id="scorecard"') < dom.index('class="claim"')
    assert len(re.findall(r'<tr id="score-C\d+"', dom)) == 12
    # every claim with indicators has at least one drawn chart; every other one says so
    with_indicators = set(load_catalog().indicators["claim_id"].to_list())
    for i in range(1, 13):
        claim = f"C{i}"
        section = dom.split(f'id="claim-{claim}"', 1)[1].split("</section>", 1)[0]
        drawn = re.findall(r'id="vis-([a-z0-9_]+)"', section)
        assert bool(drawn) == (claim in with_indicators), claim
        if claim not in with_indicators:
            assert "No indicator yet." in section
    # expected titles, units on axes, thresholds and sources are in the DOM
    assert "Real GDP growth with and without AI investment (broad)" in dom
    assert "percent, SAAR" in dom and "C6.1: needs &lt;= 0.5" in dom
    assert "marts.net_liquidity.net_liquidity_usd_bn" in dom
    # the screenshot is a drawn page, not a blank one
    assert shot.exists() and distinct_colours(shot, sample_every=4) > 20
    print(f"chart book screenshot: {shot}")


def test_one_non_blank_png_per_drawn_chart(published: Path) -> None:
    folder = published.parent / "chart_book"
    page = (folder / "index.html").read_text(encoding="utf-8")
    drawn = set(re.findall(r'id="vis-([a-z0-9_]+)"', page))
    pngs = {p.stem for p in folder.glob("*.png")}
    assert drawn and pngs == drawn
    for chart_id in sorted(drawn)[:3]:
        assert distinct_colours(folder / f"{chart_id}.png") > 10, chart_id


def test_exports_match_the_published_tables_and_catalog_tables_lists_them(published: Path) -> None:
    exports = published.parent / "exports"
    con = duckdb.connect(str(published), read_only=True)
    try:
        for spec in tables():
            if not spec.published:
                continue
            rows = con.execute(f'SELECT count(*) FROM "{spec.schema}"."{spec.table}"').fetchone()[0]
            for name in export_files(spec.name):
                reader = "read_parquet" if name.endswith(".parquet") else "read_csv"
                got = con.execute(f"SELECT count(*) FROM {reader}(?)", [str(exports / name)]).fetchone()[0]
                assert got == rows, name
        listed = con.execute("SELECT table_name, files_beside FROM catalog.tables").fetchall()
    finally:
        con.close()
    for table_name, files in listed:
        assert f"exports/{table_name}.parquet" in files
        for rel in files:
            assert (published.parent / rel).is_file(), rel
    assert "chart_book/index.html" in dict(listed)["published.claims_scorecard"]


def test_latest_indicators_returns_observed_values_only(published: Path) -> None:
    latest = query(published, (SQL_DIR / "analyst" / "latest_indicators.sql").read_text())
    assert latest.height and set(latest["kind"].to_list()) == {"observed"}
    assert (latest["date"] <= latest["as_of"]).all()
    everything = query(published, "SELECT indicator_id, kind, date, as_of FROM published.indicators")
    # the projections and model values exist, and are not what "latest" returns
    assert {"projection", "model"} <= set(everything["kind"].to_list())
    after = everything.filter(pl.col("date") > pl.col("as_of"))
    assert after.height and set(after["kind"].to_list()) == {"projection", "model"}
    pjm = latest.filter(pl.col("indicator_id") == "pjm_capacity_price_usd_per_mw_day")
    assert pjm["date"][0] <= pjm["as_of"][0]  # not the 2027/28 delivery year
    assert "datacenter_share_of_us_electricity_high_pct" not in latest["indicator_id"].to_list()  # model values


def test_published_numbers_carry_no_float_noise(published: Path) -> None:
    noisy = query(published, "SELECT count(*) AS n FROM marts.net_liquidity WHERE net_liquidity_usd_bn <> "
                             "round(net_liquidity_usd_bn, 3) OR tga_usd_bn <> round(tga_usd_bn, 3)")["n"][0]
    assert noisy == 0
    values = query(published, "SELECT value, unit FROM published.indicators WHERE unit LIKE 'percent%'")
    assert (values["value"] == values["value"].round(2)).all()


def test_one_canonical_2028_datacenter_share_the_published_lbnl_range(published: Path) -> None:
    rows = query(published, "SELECT indicator_id, value, kind FROM published.indicators WHERE date = '2028-01-01' "
                            "AND indicator_id LIKE 'datacenter_share%' ORDER BY indicator_id")
    kinds = dict(zip(rows["indicator_id"], rows["kind"], strict=True))
    values = dict(zip(rows["indicator_id"], rows["value"], strict=True))
    assert (values["datacenter_share_published_low_pct"], values["datacenter_share_published_high_pct"]) == \
        (6.7, 12.0)
    assert kinds["datacenter_share_published_low_pct"] == "projection"  # a published forecast for 2028
    assert kinds["datacenter_share_of_us_electricity_low_pct"] == "model"  # computed, labelled as such


def test_report_prints_the_scorecard_in_claim_order_and_the_chart_book_path(published: Path) -> None:
    env = {**os.environ, "MACRO_PIPELINE_DATA_DIR": str(published.parent)}
    done = subprocess.run([sys.executable, "-m", "macro_pipeline", "report", "--width", "120"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    claims = re.findall(r"^(C\d+)\s+\|", out, flags=re.MULTILINE)
    assert claims == [f"C{i}" for i in range(1, 13)]
    assert f"chart book: {published.parent / 'chart_book' / 'index.html'}" in out
    assert max(len(line) for line in out.splitlines() if "|" in line) <= 120


def test_report_without_a_published_file_says_what_to_do(tmp_path: Path) -> None:
    env = {**os.environ, "MACRO_PIPELINE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "macro_pipeline", "report"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "run `macro-pipeline run` first" in done.stderr


def test_a_second_book_on_unchanged_data_copies_every_png_instead_of_drawing_it(published: Path) -> None:
    import dagster as dg

    from macro_pipeline.definitions import defs
    from macro_pipeline.defs.chart_book import CHART_BOOK
    from macro_pipeline.defs.resources import CatalogResource
    from macro_pipeline.warehouse import Warehouse

    folder = published.parent / "chart_book"
    before = {p.name: p.read_bytes() for p in folder.glob("*.png")}
    chart_book = next(a for a in defs().assets or [] if CHART_BOOK in getattr(a, "keys", ()))
    result = dg.materialize([chart_book], resources={"catalog": CatalogResource(directory=""),
                                             "warehouse": Warehouse(data_dir=str(published.parent))})
    metadata = result.asset_materializations_for_node("published__chart_book")[0].metadata
    assert metadata["pngs_drawn"].value == 0
    assert metadata["pngs_reused"].value == metadata["charts"].value == len(before) > 10
    assert {p.name: p.read_bytes() for p in folder.glob("*.png")} == before
