"""`joinedup board-pack`: chosen service scorecards printed to one A4 PDF by headless Chromium."""

import pytest
from pypdf import PdfReader

from pipelines.board_pack import BoardPackError, render_board_pack, service_pages
from tests.browser import chromium_path


def test_board_pack_prints_the_chosen_services_on_a4(demo_run, tmp_path):
    chromium_path()   # skip on a developer machine without Chromium; fail in CI
    settings, _, _ = demo_run
    pages = service_pages(settings.site_dir, settings.warehouse, ["NOR-HD", "EAS-CMH"])
    out = tmp_path / "pack.pdf"
    count = render_board_pack(pages, out)
    reader = PdfReader(out)
    assert len(reader.pages) == count >= 2
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (width, height) == (pytest.approx(595.3, abs=1), pytest.approx(841.9, abs=1))   # A4 in points
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Northshire hospital discharge and reablement" in text
    assert "Eastborough community mental health" in text
    assert text.index("Northshire hospital") < text.index("Eastborough community")


def test_unknown_services_are_named(demo_run):
    settings, _, _ = demo_run
    with pytest.raises(BoardPackError, match="no published scorecard for: NOPE"):
        service_pages(settings.site_dir, settings.warehouse, ["NOR-HD", "NOPE"])
