"""Print chosen service scorecards to one A4 PDF for a board pack, through headless Chromium."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import duckdb
from playwright.sync_api import sync_playwright
from pypdf import PdfWriter

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BoardPackError(Exception):
    """A board pack cannot be made (no browser, unknown service, site not built)."""


def chromium() -> str:
    """Return the Chromium executable (`JOINEDUP_CHROMIUM`, else `chromium` on the PATH)."""
    path = os.environ.get("JOINEDUP_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise BoardPackError("Chromium is not installed: `apt-get install chromium` "
                             "(make test installs it), or set JOINEDUP_CHROMIUM")
    return path


def service_pages(site_dir: Path, warehouse: Path, service_codes: list[str]) -> list[Path]:
    """Return the published page of each service, in the order given."""
    from assets.publish.site import service_slugs

    index = site_dir / "index.html"
    if not index.exists() or not warehouse.exists():
        raise BoardPackError(f"{index} or {warehouse} does not exist: run `joinedup run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published = [code for (code,) in con.execute(
            "select service_code from marts.dim_joint_service").fetchall()]
    # slugs are made over every published service, exactly as the site made them
    slugs = service_slugs(published)
    missing = [code for code in service_codes if code not in slugs]
    if missing:
        raise BoardPackError(f"no published scorecard for: {', '.join(missing)}")
    return [site_dir / "services" / f"{slugs[code]}.html" for code in service_codes]


def render_board_pack(pages: list[Path], out: Path) -> int:
    """Print each page to A4 with its print stylesheet, join them into `out`; return the page count."""
    writer = PdfWriter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            # the scorecards are offline by design: nothing but local files may load
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                       else route.abort())
            for source in pages:
                page.goto(source.resolve().as_uri(), wait_until="load")
                page.wait_for_function("document.querySelectorAll('[data-chart] svg, "
                                       "[data-chart] canvas').length >= "
                                       "document.querySelectorAll('[data-chart]').length")
                page.emulate_media(media="print")
                writer.append(io.BytesIO(page.pdf(format="A4", print_background=True,
                                                  prefer_css_page_size=True)))
        finally:
            browser.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        writer.write(handle)
    return len(writer.pages)

