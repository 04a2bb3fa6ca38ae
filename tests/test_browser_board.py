"""The pages a board runs a meeting from, in a real browser: the index's headline and columns, named
points on the partnership chart, no sideways scrolling on a phone (390 px), and the forecast bands drawn.

Screenshots are written to `test-artifacts/screenshots/` (JOINEDUP_ARTIFACTS).
"""

import os
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import ViewportSize

from assets.project_files import PROJECT_ROOT
from assets.publish.board_rules import BoardRules
from assets.publish.build_cache import default_cache_folder
from assets.publish.site import render_site
from tests.browser import browser, offline_page

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own

ARTIFACTS = Path(os.environ.get("JOINEDUP_ARTIFACTS", PROJECT_ROOT / "test-artifacts")) / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
LAPTOP = {"width": 1280, "height": 800}
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-chart]')].every(
    figure => figure.querySelector('svg .mark-symbol, svg .mark-line, svg .mark-rect, svg .mark-rule'))"""
SCROLL_WIDTH = "document.scrollingElement.scrollWidth"
# the drawn parts of each chart (legends, titles, marks, the axes' shown labels: Vega hides labels that would
# overlap with opacity 0) reaching past its svg's box, where they are cut off
CUT_OFF = """svgs => svgs.flatMap(svg => {
    const box = svg.getBoundingClientRect();
    const parts = svg.querySelectorAll('.role-legend, .role-title, .role-mark, .role-axis-label text');
    return [...parts].filter(part => {
        const r = part.getBoundingClientRect();
        return r.width > 0 && part.getAttribute('opacity') !== '0'
            && (r.left < box.left - 0.5 || r.right > box.right + 0.5);
    }).map(part => part.getAttribute('class') + ' ' + Math.round(part.getBoundingClientRect().right));
})"""


def _open(instance, path: Path, viewport: ViewportSize):
    errors: list[str] = []
    blocked: list[str] = []
    page = offline_page(instance, errors, blocked)
    page.set_viewport_size(viewport)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(CHARTS_DRAWN, timeout=20_000)
    return page, errors


@pytest.fixture(scope="module")
def site(demo_run):
    settings, _, _ = demo_run
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return settings


def test_index_headline_and_board_columns(site):
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        (red,) = con.execute("""
            select count(*) from marts.fct_measure_period as f
            where f.rag = 'red' and f.period = (select max(period) from marts.fct_measure_period
                                                where service_code = f.service_code)""").fetchone()
        (publications,) = con.execute("select count(*) from audit.publications").fetchone()
    with browser() as instance:
        page, errors = _open(instance, site.site_dir / "index.html", DESKTOP)
        headline = page.locator('[data-field="headline"]')
        assert headline.locator('[data-count="red"]').inner_text().startswith(f"{red} measures red")
        assert "consistently failing" in headline.inner_text()
        since = page.locator('[data-field="since-last"]').inner_text()
        assert since.startswith(
            "This is the first publication" if publications < 2 else "Since the last publication: "
        )
        assert "Data to March 2026" in page.locator('[data-field="data-age"]').inner_text()
        headers = [h.strip() for h in page.locator("table.services thead th").all_inner_texts()]
        for column in (
            "Lead partner",
            "Direction of travel",
            "Red, amber, green",
            "Assurance",
            "Worsening (special cause)",
            "Data quality",
        ):
            assert any(h.startswith(column) for h in headers), column
        assert "Concerns" not in headers
        # 3 services of each kind in the demo: fewer than the 5 a median needs
        assert set(page.locator('td[data-field="efficiency"]').all_inner_texts()) == {"Too few peers (3)"}
        assert page.locator('td[data-field="lead-partner"]').first.inner_text().strip()
        # at 1400 px, and in a 1280 px laptop window, the table fits its box: its last columns are not
        # hidden in a sideways scroll
        for viewport in (DESKTOP, LAPTOP):
            page.set_viewport_size(viewport)
            table, box = page.locator("table.services").evaluate(
                "t => [t.getBoundingClientRect().width, t.closest('.table-scroll').clientWidth]"
            )
            assert table <= box, (viewport, table, box)
            right = page.locator("table.services thead th").last.bounding_box()
            assert right["x"] + right["width"] <= viewport["width"]
        page.set_viewport_size(DESKTOP)
        rag = page.locator("table.services tbody tr").first.locator("td.rag").inner_text().split()
        assert [rag[1], rag[3], rag[5]] == ["red", "amber", "green"]
        page.screenshot(path=ARTIFACTS / "board-index-1400.png", full_page=True)
        assert errors == []


def _open_every_fold(page) -> None:
    """Open the page's folded sections as a reader would, by pressing their headings, and wait until
    the charts inside are drawn again at their box's width."""
    for fold in page.locator("details.fold").all():
        if not fold.evaluate("d => d.open"):
            fold.locator("> summary").click()
    page.wait_for_function("""() => [...document.querySelectorAll('[data-chart] svg.marks')].every(
        svg => svg.getBoundingClientRect().width > 0.8 * svg.closest('.chart-canvas').clientWidth)""")


def test_service_sections_fold_on_a_phone_and_open_when_pressed(site):
    with browser() as instance:
        page, errors = _open(instance, site.site_dir / "services/nor-hd.html", PHONE)
        folds = page.locator("details.fold")
        assert folds.count() == 7
        # only "How are we doing" is open; the other sections are their headings
        assert folds.evaluate_all("ds => ds.map(d => d.open)") == [True] + [False] * 6
        height = page.evaluate("document.scrollingElement.scrollHeight")
        assert height < 5000, height  # 19,800 px with every section open
        page.screenshot(path=ARTIFACTS / "board-service-390-folded.png", full_page=True)
        # pressing a heading opens its section, and its charts are drawn to the screen's width
        page.locator("#spc-heading").click()
        assert page.locator(".spc-chart").first.is_visible()
        page.wait_for_function("""() => [...document.querySelectorAll('.spc-chart svg.marks')].every(
            svg => svg.getBoundingClientRect().width > 300)""")
        assert page.evaluate("document.scrollingElement.scrollHeight") > height + 2000
        # a link to a folded section opens it
        page.locator('nav.contents a[href="#workforce-heading"]').click()
        assert page.locator("details.fold:has(#workforce-heading)").evaluate("d => d.open")
        assert errors == []
        page.close()
        # on a desktop every section is open
        page, errors = _open(instance, site.site_dir / "services/nor-hd.html", DESKTOP)
        assert page.locator("details.fold").evaluate_all("ds => ds.every(d => d.open)")
        assert errors == []


def test_no_page_scrolls_sideways_on_a_phone(site):
    with browser() as instance:
        for page_path in ("index.html", "services/nor-hd.html", "definitions.html"):
            page, errors = _open(instance, site.site_dir / page_path, PHONE)
            _open_every_fold(page)
            assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"], page_path
            # each chart fits the screen, and so does everything drawn in it: legends included, which a
            # chart fitted to its box does not shrink (they were cut off at the svg's edge)
            for right in page.eval_on_selector_all(
                "[data-chart] svg", "svgs => svgs.map(s => s.getBoundingClientRect().right)"
            ):
                assert right <= PHONE["width"], page_path
            assert page.eval_on_selector_all("[data-chart] svg", CUT_OFF) == [], page_path
            if page_path == "services/nor-hd.html":
                # the SPC charts' legends (lines, points, forecast) are drawn, so CUT_OFF had them to check
                assert page.locator(".spc-chart svg .role-legend").count() >= 3 * 4
                # each SPC chart draws its forecast's 80 % band (a named layer) after the latest month
                bands = page.eval_on_selector_all(
                    ".spc-chart",
                    """charts => charts.map(c => [...c.querySelectorAll(
                        '.forecast_band_80_marks path')].map(p => (p.getAttribute('d') || '').length))""",
                )
                assert bands and all(len(b) == 1 and b[0] > 10 for b in bands), bands
            if page_path == "index.html":
                # the table scrolls inside itself, its first column staying in view
                scroll = page.locator(".table-scroll").first
                assert scroll.evaluate("e => e.scrollWidth > e.clientWidth")
                scroll.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
                first = page.locator("table.services tbody th").first.bounding_box()
                assert 0 <= first["x"] < 40
            name = page_path.replace("/", "-").removesuffix(".html")
            page.screenshot(path=ARTIFACTS / f"board-{name}-390.png", full_page=True)
            assert errors == [], page_path
            page.close()


def test_scatter_points_are_named_where_kinds_have_enough_peers(site, tmp_path):
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        names = [n for (n,) in con.execute("select service_name from marts.dim_joint_service").fetchall()]
        render_site(con, tmp_path, BoardRules(min_peers=3), default_cache_folder())
    with browser() as instance:
        page, errors = _open(instance, tmp_path / "index.html", DESKTOP)
        labels = page.eval_on_selector_all(
            "#chart-partnership svg .mark-text text", "texts => texts.map(t => t.textContent)"
        )
        assert sorted(label for label in labels if label in names) == sorted(names)
        assert page.locator('td[data-field="efficiency"]').first.inner_text() != "Too few peers (3)"
        page.locator("#chart-partnership").screenshot(path=ARTIFACTS / "board-scatter.png")
        assert errors == []
