"""The metric definitions and data dictionary pages come from the one source each, never copied."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from assets.models.project import read_documentation
from assets.project_files import SQL_DIR
from assets.publish.reference_pages import READER_DEFINITIONS, definitions_page, dictionary_page
from assets.publish.site import template_environment
from tests.sql_fixtures import build_hand_made_warehouse


def _render(template: str, context: dict) -> str:
    return (
        template_environment()
        .get_template(template)
        .render(root="", page=template, navigation={}, generated_at=datetime(2026, 1, 1), **context)
    )


def test_definitions_render_every_section_of_the_readers_document():
    page = _render("definitions.html.j2", definitions_page())
    headings = re.findall(r"^## (.+)$", READER_DEFINITIONS.read_text("utf-8"), re.M)
    assert len(headings) >= 10
    for heading in headings:
        anchor = re.search(rf'<h2 id="([\w-]+)">{re.escape(heading)}</h2>', page)
        assert anchor, heading
        assert f'href="#{anchor.group(1)}"' in page  # listed in the contents
    assert "<h1>Metric definitions</h1>" in page and page.count("<h1") == 1


def test_definitions_are_written_for_readers_not_developers():
    """No table, column or file names, no test files, nothing about the demo: words a board reads."""
    page = _render("definitions.html.j2", definitions_page())
    shown = page.split('<header class="site-header">', 1)[1].split("</main>", 1)[0]
    text = html.unescape(re.sub(r"<[^>]+>", " ", shown))
    assert "<code>" not in page
    for word in (
        "marts.",
        "seeds.",
        "intermediate.",
        "tests/",
        "test_",
        ".py",
        ".sql",
        "demo",
        "planted",
        "docs/",
        "warehouse",
        "schema",
    ):
        assert word not in text.lower(), word
    assert re.search(r"\b[a-z]+_[a-z_]+\b", text) is None  # no snake_case column names


def test_definitions_show_markup_in_the_document_as_text(tmp_path):
    source = tmp_path / "metrics.md"
    source.write_text(
        "# Metric definitions\n\n## A <script>alert(1)</script> heading\n\n"
        "<img src=x onerror=alert(1)>\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n"
    )
    page = _render("definitions.html.j2", definitions_page(source))
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<h2 id="a-script-alert-1-script-heading">' in page


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = build_hand_made_warehouse(tmp_path_factory.mktemp("dictionary") / "w.duckdb")
    yield con
    con.close()


def test_dictionary_shows_every_mart_column_with_its_documented_description(warehouse):
    context = dictionary_page(warehouse)
    page = html.unescape(_render("dictionary.html.j2", context))
    built = {
        name
        for (name,) in warehouse.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    }
    assert {t["name"] for t in context["tables"]} == built
    checked = 0
    for path in sorted((SQL_DIR / "marts").glob("*.sql")):
        docs = read_documentation(path.with_suffix(".yml"))
        section = page.split(f'<h2 id="{path.stem.replace("_", "-")}"><code>marts.{path.stem}</code></h2>')[1]
        section = section.split("</section>")[0]
        assert " ".join(docs.description.split()) in " ".join(section.split())
        for column, description in docs.columns.items():
            assert re.search(
                rf"<code>{column}</code></th><td><code>[\w\[\]]+</code></td><td>"
                rf"{re.escape(description)}</td>",
                section,
            ), (path.stem, column)
            checked += 1
    assert checked > 100
