"""Every published page in a real browser (Debian's Chromium), with the network blocked.

Screenshots of each kind of page are written to `test-artifacts/screenshots/` (JOINEDUP_ARTIFACTS).
"""

import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page

from assets.project_files import PROJECT_ROOT
from tests.browser import browser, offline_page

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own

ARTIFACTS = Path(os.environ.get("JOINEDUP_ARTIFACTS", PROJECT_ROOT / "test-artifacts")) / "screenshots"
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-chart]')].every(
    figure => figure.querySelector('svg .mark-symbol, svg .mark-line, svg .mark-rect, svg .mark-area,'
                                   + ' svg .mark-rule, canvas'))"""


@pytest.fixture(scope="module")
def site(demo_run):
    settings, _, _ = demo_run
    return settings


def show(page: Page, page_path: Path) -> None:
    """Open a published page in `page` and wait until every chart is drawn."""
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(CHARTS_DRAWN, timeout=20_000)


def visit(instance: Browser, page_path: Path) -> tuple[Page, list[str], list[str]]:
    """Open a published page in a new offline tab; return it, its console errors and blocked requests."""
    errors: list[str] = []
    blocked: list[str] = []
    page = offline_page(instance, errors, blocked)
    show(page, page_path)
    return page, errors, blocked


def test_every_page_loads_offline_without_errors_and_draws_its_charts(site):
    pages = sorted(site.site_dir.rglob("*.html"))
    assert len(pages) >= 3 * 3 + 4  # index, data quality, definitions, dictionary, 9 services
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = {
        "index.html": "index",
        "data-quality.html": "data-quality",
        "definitions.html": "definitions",
        "dictionary.html": "dictionary",
        "nor-hd.html": "service",
    }
    errors: list[str] = []
    blocked: list[str] = []
    with browser() as instance:
        page = offline_page(
            instance, errors, blocked
        )  # one tab for all: a new one costs three times the page
        for path in pages:
            errors.clear()
            blocked.clear()
            show(page, path)
            assert errors == [], (path.name, errors)
            assert blocked == [], (path.name, blocked)
            assert page.title()
            if path.name in shot:
                page.screenshot(path=ARTIFACTS / f"{shot[path.name]}.png", full_page=True)
                page.screenshot(path=ARTIFACTS / f"{shot[path.name]}-top.png")


def test_service_tiles_show_what_the_marts_hold(site):
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        latest = con.execute("""
            select f.measure_code, f.assessed_actual, f.assessed_target, f.rag
            from marts.fct_measure_period as f
            where f.service_code = 'NOR-HD' and f.period = (
                select max(period) from marts.fct_measure_period
                where service_code = 'NOR-HD' and actual is not null)
        """).fetchall()
    labels = {
        "green": "Green",
        "amber": "Amber",
        "red": "Red",
        "no target": "No target",
        "no data": "No data",
        "data incomplete": "Data incomplete",
    }
    with browser() as instance:
        page, errors, _ = visit(instance, site.site_dir / "services" / "nor-hd.html")
        tiles = page.locator("article[data-measure]")
        assert tiles.count() == len(latest) == 4
        for measure, actual, target, rag in latest:
            tile = page.locator(f'article[data-measure="{measure}"]')
            shown_actual = tile.locator('[data-field="actual"]').get_attribute("data-value")
            assert float(shown_actual) == pytest.approx(actual), measure
            shown_target = tile.locator('[data-field="target"]').get_attribute("data-value")
            assert (float(shown_target) if shown_target else None) == pytest.approx(target), measure
            assert labels[rag] in tile.locator('[data-field="rag"]').inner_text(), measure
            assert tile.locator('[data-field="accountable"]').inner_text().strip()
            # the Making Data Count icons, named as the browser's accessibility tree computes it
            variation = tile.get_by_role("img", name=re.compile(r"^(Common|Special) cause variation"))
            assert variation.count() == 1, measure
            icons = tile.locator("svg.mdc-icon")
            for i in range(icons.count()):
                icon = icons.nth(i)
                assert icon.is_visible() and icon.locator("title").text_content() == icon.get_attribute(
                    "aria-label"
                ), measure
        assert page.get_by_role("img", name=re.compile(r"^Assurance: ")).count() >= 1
        matrix = page.get_by_role("table", name="Variation and assurance at a glance")
        assert matrix.is_visible()
        assert sum(
            int(n)
            for n in matrix.locator("td[data-count]").evaluate_all("cells => cells.map(c => c.dataset.count)")
        ) == len(latest)
        # SPC charts take the width of the page (Vega-Lite width "container")
        widths = page.locator(".spc-chart .chart-canvas").evaluate_all(
            "els => els.map(e => [e.clientWidth, e.querySelector('svg').getBoundingClientRect().width])"
        )
        assert widths and all(drawn >= 0.9 * box > 600 for box, drawn in widths), widths
        # partners' own words: a comment beside its month under its measure's chart, and report cards
        with duckdb.connect(str(site.warehouse), read_only=True) as con:
            measure, period, comment = con.execute(
                "select measure_code, period, comment from marts.fct_measure_comments "
                "where service_code = 'NOR-HD' order by period desc limit 1"
            ).fetchone()
            cards = con.execute(
                "select count(*) from marts.fct_report_card where service_code = 'NOR-HD' and is_latest_card"
            ).fetchone()[0]
        note = page.locator(
            f'.spc-chart[data-measure="{measure}"] [data-field="comments"] '
            f'li[data-period="{period.isoformat()}"]'
        )
        note.first.scroll_into_view_if_needed()
        assert comment in note.first.inner_text()
        assert page.get_by_role("heading", name="Turning the curve: report cards").is_visible()
        assert page.locator("article.report-card [data-field='story']").count() == cards > 0
        assert errors == []


# each drawn point's role and service, from the label Vega gives it
POINT_SERVICES = """els => els.map(
    e => /; role: ([^;]*); Service: ([^;]*);/.exec(e.getAttribute('aria-label')).slice(1))"""


def test_a_path_chart_draws_its_peers_from_their_shared_script_or_says_they_did_not_load(site, tmp_path):
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        own, peers = con.execute("""
            with scored as (
                select s.service_code, s.service_name, s.service_kind, c.period
                from marts.scorecard_service_period as c
                join marts.dim_joint_service as s using (service_code)
                where c.efficiency_index is not null and c.effectiveness_index is not null
            ), focus as (
                select service_kind, max(period) as latest, count(*) as months
                from scored where service_code = 'NOR-HD' group by service_kind
            )
            select any_value(focus.months), list(scored.service_name order by scored.service_name)
            from scored join focus
                on scored.service_kind = focus.service_kind and scored.period = focus.latest
            where scored.service_code <> 'NOR-HD'
        """).fetchone()
    assert own > 1 and len(peers) >= 2
    # the same page, its kind's script missing (as when the page alone is copied out of the site)
    alone = tmp_path / "site"
    shutil.copytree(site.site_dir, alone)
    for script in (alone / "assets" / "peers").glob("hospital-discharge-*.js"):
        script.unlink()
    points = "#chart-path svg g.mark-symbol.role-mark path"
    with browser() as instance:
        page, errors, blocked = visit(instance, site.site_dir / "services" / "nor-hd.html")
        drawn = page.locator(points).evaluate_all(POINT_SERVICES)
        assert [name for role, name in drawn if role == "This service"] == [
            "Northshire hospital discharge and reablement"
        ] * own
        assert sorted(name for role, name in drawn if role != "This service") == peers
        assert errors == [] and blocked == []
        page, errors, _ = visit(instance, alone / "services" / "nor-hd.html")
        assert {role for role, _ in page.locator(points).evaluate_all(POINT_SERVICES)} == {"This service"}
        assert page.locator(points).count() == own
        script = page.locator("#chart-path").get_attribute("data-peers-script")
        assert script.startswith("assets/peers/hospital-discharge-")
        said = page.locator("#chart-path-description").inner_text()
        assert said.endswith(
            f"The other services' points could not be loaded ({script}), so only this service is drawn."
        )


def test_the_index_table_sorts_from_the_keyboard(site):
    with browser() as instance:
        page, _, _ = visit(instance, site.site_dir / "index.html")
        header = page.locator("table th button").nth(1)
        header.focus()
        page.keyboard.press("Enter")
        sorted_by = page.locator("table th[aria-sort]").first.get_attribute("aria-sort")
        assert sorted_by in ("ascending", "descending")
        first = page.locator("table tbody tr").first.inner_text()
        page.keyboard.press("Enter")
        assert page.locator("table tbody tr").first.inner_text() != first
