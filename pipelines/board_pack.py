"""Print a board pack to one A4 PDF through headless Chromium: a cover with contents, a one-page summary,
then each chosen service's scorecard from a fresh page, every page footed with its number and the data's
month."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import duckdb
from playwright.sync_api import Page, sync_playwright
from pypdf import PdfReader, PdfWriter

from assets.publish.board_rules import BoardRules
from assets.query import one_row

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAX_PAGES_PER_SERVICE = 4
# a service longer than MAX_PAGES_PER_SERVICE is printed smaller, down to the last of these scales and
# no further (its body text 7 pt): a service that still does not fit is printed longer, not unreadably small
SCALES = (1.0, 0.9, 0.8)
# the summary matrix: variation down, assurance across, as marts.measure_spc_status holds them
MATRIX_ROWS = [
    ("special cause improvement", "Improvement"),
    ("common cause", "Common cause"),
    ("special cause concern", "Concern"),
    ("special cause high", "High"),
    ("special cause low", "Low"),
    (None, "No limits yet"),
]
MATRIX_COLUMNS = [
    ("consistently passing", "Consistently passing"),
    ("hit and miss", "Hit and miss"),
    ("consistently failing", "Consistently failing"),
    (None, "Not assessed"),
]
# the A4 page's printable width in CSS pixels (210 mm less the style sheet's two 12 mm margins, 96 px to the
# inch): each page is laid out at it, so that the charts fitted to their box are drawn at the size they print
PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)
FOOTER = (
    '<div style="font-size:8px;width:100%;margin:0 12mm;display:flex;justify-content:space-between;'
    'font-family:system-ui,Arial,sans-serif;color:#505050"><span>{left}</span>'
    "<span>Data to {month} · page {page} of {total}</span></div>"
)


class BoardPackError(Exception):
    """A board pack cannot be made (no browser, unknown service, site not built)."""


@dataclass(frozen=True)
class Part:
    """One part of the pack: its title in the contents and footers, and the page printed for it."""

    title: str
    source: Path


def chromium() -> str:
    """Return the Chromium executable (`JOINEDUP_CHROMIUM`, else `chromium` on the PATH)."""
    path = os.environ.get("JOINEDUP_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise BoardPackError(
            "Chromium is not installed: `apt-get install chromium` "
            "(make test installs it), or set JOINEDUP_CHROMIUM"
        )
    return path


def service_pages(site_dir: Path, warehouse: Path, service_codes: list[str]) -> list[Path]:
    """Return the published page of each service, in the order given."""
    from assets.publish.slugs import file_slugs

    index = site_dir / "index.html"
    if not index.exists() or not warehouse.exists():
        raise BoardPackError(f"{index} or {warehouse} does not exist: run `joinedup run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published = [
            code for (code,) in con.execute("select service_code from marts.dim_joint_service").fetchall()
        ]
    # slugs are made over every published service, exactly as the site made them
    slugs = file_slugs(published)
    missing = [code for code in service_codes if code not in slugs]
    if missing:
        raise BoardPackError(f"no published scorecard for: {', '.join(missing)}")
    return [site_dir / "services" / f"{slugs[code]}.html" for code in service_codes]


def summary_matrix(statuses: list[dict[str, Any]]) -> dict[str, Any]:
    """Count measures by variation (rows) and assurance (columns); rows no measure is in are left out
    but for improvement, common cause and concern."""
    counts = Counter((s["variation"] or None, s["assurance"] or None) for s in statuses)
    rows = [
        (label, [counts[(variation, assurance)] for assurance, _ in MATRIX_COLUMNS])
        for variation, label in MATRIX_ROWS
    ]
    always = ("special cause improvement", "common cause", "special cause concern")
    kept = [
        row
        for row, (variation, _) in zip(rows, MATRIX_ROWS, strict=True)
        if sum(row[1]) or variation in always
    ]
    return {"columns": [label for _, label in MATRIX_COLUMNS], "rows": kept}


def front_context(
    warehouse: Path, service_codes: list[str], rules: BoardRules, printed: date
) -> dict[str, Any]:
    """The cover's and summary's facts: partnership, period, dates, the headline, the chosen services."""
    from assets.publish.changes_summary import publication_summary
    from assets.publish.display import day, long_month
    from assets.publish.headline import PeerCounts, headline, newest_special_causes
    from assets.publish.index_page import service_row
    from assets.publish.marts import load_marts
    from assets.publish.quality import load_quality
    from assets.publish.slugs import file_slugs
    from assets.publish.staleness import data_age

    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts, quality = load_marts(con), load_quality(con)
        changes = publication_summary(con)
        newest = newest_special_causes(con, marts)
        (published_at,) = one_row(con.execute("select max(published_at) from audit.publications"))
        published_on = published_at.date() if published_at else printed
        latest = max((r["period"] for rows in marts.scorecard.values() for r in rows), default=None)
        age = data_age(con, latest, published_on)
    peers = PeerCounts.of(marts)
    chosen = [s for code in service_codes for s in marts.services if s["service_code"] == code]
    slugs = file_slugs([s["service_code"] for s in marts.services])
    areas = list(dict.fromkeys(s["partnership_area"] for s in chosen))
    return {
        "partnership": " and ".join(areas) if len(areas) <= 2 else ", ".join(areas),
        "period": long_month(latest),
        "data_to": long_month(latest),
        "printed": day(printed),
        "published": day(published_on),
        "data_age": age,
        "headline": headline(marts, peers, rules, newest, changes),
        "rows": [service_row(s, marts, quality, slugs, latest, 0, peers, rules) for s in chosen],
        "matrix": summary_matrix(
            [status for (code, _), status in marts.spc_status.items() if code in service_codes]
        ),
    }


def _front_page(
    context: dict[str, Any], contents: list[dict[str, Any]], site_dir: Path, folder: Path
) -> Path:
    from assets.publish.site import template_environment

    html = (
        template_environment()
        .get_template("board_pack.html.j2")
        .render(
            style_url=(site_dir / "assets" / "style.css").resolve().as_uri(), contents=contents, **context
        )
    )
    path = folder / "front.html"
    path.write_text(html, encoding="utf-8")
    return path


def _load(page: Page, source: Path) -> None:
    """Open the page as it prints (print styles, the paper's width): every folded section and comment list
    open, the charts drawn."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    page.goto(source.resolve().as_uri(), wait_until="load")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_function(
        "document.querySelectorAll('[data-chart] svg, [data-chart] canvas').length >= "
        "document.querySelectorAll('[data-chart]').length"
    )


def _page_count(page: Page, scale: float = 1.0) -> int:
    return len(PdfReader(io.BytesIO(_print(page, scale=scale))).pages)


def _fitting_scale(page: Page) -> tuple[float, int]:
    """The largest of SCALES at which the loaded page prints on MAX_PAGES_PER_SERVICE pages or fewer (the
    smallest when none does), and its page count."""
    for scale in SCALES:
        pages = _page_count(page, scale)
        if pages <= MAX_PAGES_PER_SERVICE:
            break
    return scale, pages


def _contents(names: list[str], counts: list[int], front_pages: int) -> list[dict[str, Any]]:
    """The summary (on the cover's next page) and each service with the page it starts on."""
    starts = [front_pages + 1 + sum(counts[:i]) for i in range(len(counts))]
    return [{"title": "Summary", "page": 2}] + [
        {"title": name, "page": start} for name, start in zip(names, starts, strict=True)
    ]


def _print(page: Page, **options: Any) -> bytes:
    return page.pdf(format="A4", print_background=True, prefer_css_page_size=True, **options)


def render_board_pack(
    site_dir: Path,
    warehouse: Path,
    service_codes: list[str],
    out: Path,
    rules: BoardRules,
    printed: date | None = None,
) -> int:
    """Print the pack of the chosen services to `out`, its summary read by `rules`; return its page count.

    Each part is printed once to count its pages, then page by page with a footer naming the part, the
    data's month and the page's number in the whole pack.
    """
    sources = service_pages(site_dir, warehouse, service_codes)
    context = front_context(warehouse, service_codes, rules, printed or date.today())
    names = [row["service"]["service_name"] for row in context["rows"]]
    writer = PdfWriter()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            # the scorecards are offline by design: nothing but local files may load
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort(),
            )
            counts, scales = [], []
            for source in sources:
                _load(page, source)
                scale, pages = _fitting_scale(page)
                counts.append(pages)
                scales.append(scale)
            # the contents' page numbers do not change the front's length: count it with stand-ins
            _load(page, _front_page(context, _contents(names, counts, 2), site_dir, Path(folder)))
            front_pages = _page_count(page)
            front = _front_page(context, _contents(names, counts, front_pages), site_dir, Path(folder))
            parts = [(Part("Cover and summary", front), front_pages, 1.0)] + [
                (Part(name, source), n, scale)
                for name, source, n, scale in zip(names, sources, counts, scales, strict=True)
            ]
            total = front_pages + sum(counts)
            number = 0
            for part, pages, scale in parts:
                _load(page, part.source)
                for k in range(1, pages + 1):
                    number += 1
                    footer = FOOTER.format(
                        left=escape(f"{context['partnership']} · {part.title}"),
                        month=escape(context["data_to"]),
                        page=number,
                        total=total,
                    )
                    writer.append(
                        io.BytesIO(
                            _print(
                                page,
                                scale=scale,
                                page_ranges=str(k),
                                display_header_footer=True,
                                header_template="<span></span>",
                                footer_template=footer,
                            )
                        )
                    )
        finally:
            browser.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        writer.write(handle)
    return len(writer.pages)
