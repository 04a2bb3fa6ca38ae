"""`joinedup board-pack`: a cover with contents, a summary and chosen scorecards in one A4 PDF."""

import re
import unicodedata
from datetime import date

import duckdb
import pytest
from pypdf import PdfReader

from assets.publish.board_rules import BoardRules
from pipelines.board_pack import (
    MAX_PAGES_PER_SERVICE,
    BoardPackError,
    render_board_pack,
    service_pages,
    summary_matrix,
)
from tests.browser import chromium_path

NAMES = [
    "Northshire hospital discharge and reablement",
    "Eastborough community mental health",
    "Westmere children's early help",
]
CODES = ["NOR-HD", "EAS-CMH", "WES-EH"]  # the last was the longest: 8 A4 pages at full size (issue 16)


@pytest.fixture(scope="module")
def pack(demo_run, tmp_path_factory):
    chromium_path()  # skip on a developer machine without Chromium; fail in CI
    settings, _, _ = demo_run
    out = tmp_path_factory.mktemp("pack") / "pack.pdf"
    rules = BoardRules(min_peers=settings.min_peers)  # as the demo run published its scorecards
    count = render_board_pack(
        settings.site_dir, settings.warehouse, CODES, out, rules, printed=date(2026, 12, 1)
    )
    # reading the text back is slow (pages of chart paths): once for every test
    return out, count, settings, [page.extract_text() for page in PdfReader(out).pages]


def test_the_pack_is_a4_with_a_cover_summary_and_each_service_on_at_most_four_pages(pack):
    out, count, _, texts = pack
    reader = PdfReader(out)
    assert len(reader.pages) == len(texts) == count
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (width, height) == (pytest.approx(595.3, abs=1), pytest.approx(841.9, abs=1))  # A4 in points
    cover = texts[0]
    for fact in (
        "Joint services board pack",
        "Northshire, Eastborough, Westmere",
        "Period",
        "March 2026",
        "Printed",
        "1 December 2026",
        "Contents",
    ):
        assert fact in cover, fact
    assert texts[1].startswith("Summary") and "measures red" in texts[1]
    # the contents give the page each service starts on, and it starts there, on a fresh page
    starts = {name: int(re.search(rf"{re.escape(name)}\s*page (\d+)", cover).group(1)) for name in NAMES}
    assert starts[NAMES[0]] == 3
    ends = [starts[name] for name in NAMES[1:]] + [count + 1]
    for name, end in zip(NAMES, ends, strict=True):
        start = starts[name]
        assert texts[start - 1].startswith(name), name
        assert 0 < end - start <= MAX_PAGES_PER_SERVICE, (name, end - start)


def test_each_service_keeps_on_paper_what_a_board_needs(pack):
    _, count, _, texts = pack
    cover = texts[0]
    starts = [int(re.search(rf"{re.escape(name)}\s*page (\d+)", cover).group(1)) for name in NAMES]
    for name, start, end in zip(NAMES, starts, starts[1:] + [count + 1], strict=True):
        # NFKC: the PDF's text has ligatures ("ﬃ" in "Efficient")
        service = unicodedata.normalize("NFKC", " ".join(" ".join(texts[start - 1 : end - 1]).split()))
        # every section, the pay table by employer, each SPC chart's figures and outlook, partners' comments
        for words in (
            "How are we doing",
            "Efficient and effective",
            "Real or noise",
            "Turning the curve",
            "Pay by staff group and employer",
            "Pay gaps inside the service",
            "How results move with staffing",
            "Who is accountable",
            "Data quality",
            "Latest value",
            "Year-end outlook",
            "Partners' comments on these figures",
        ):
            assert words in service, (name, words)


def test_every_footer_numbers_the_page_and_gives_the_data_month(pack):
    _, count, _, texts = pack
    for number, page in enumerate(texts, start=1):
        text = " ".join(page.split())
        assert text.endswith(f"Data to March 2026 · page {number} of {count}"), number


def test_the_summary_matrix_counts_each_measure_once(pack):
    _, _, settings, _ = pack
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        statuses = [
            dict(zip(("variation", "assurance"), row, strict=True))
            for row in con.execute(
                "select variation, assurance from marts.measure_spc_status "
                "where service_code in ('NOR-HD', 'EAS-CMH')"
            ).fetchall()
        ]
    matrix = summary_matrix(statuses)
    assert sum(sum(cells) for _, cells in matrix["rows"]) == len(statuses) == 8
    rows = dict(matrix["rows"])
    assert [label for label, _ in matrix["rows"]][:3] == ["Improvement", "Common cause", "Concern"]
    assert rows["Concern"] == [0, 0, 0, 0]


def test_summary_matrix_by_hand():
    statuses = [
        {"variation": "common cause", "assurance": "consistently failing"},
        {"variation": "common cause", "assurance": "hit and miss"},
        {"variation": "special cause low", "assurance": None},
        {"variation": None, "assurance": None},
    ]
    rows = dict(summary_matrix(statuses)["rows"])
    assert rows == {
        "Improvement": [0, 0, 0, 0],
        "Common cause": [0, 1, 1, 0],
        "Concern": [0, 0, 0, 0],
        "Low": [0, 0, 0, 1],
        "No limits yet": [0, 0, 0, 1],
    }


def test_unknown_services_are_named(demo_run):
    settings, _, _ = demo_run
    with pytest.raises(BoardPackError, match="no published scorecard for: NOPE"):
        service_pages(settings.site_dir, settings.warehouse, ["NOR-HD", "NOPE"])
