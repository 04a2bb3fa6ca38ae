"""The metric definitions (in plain words, from definitions.md beside this module) and data dictionary (from
the warehouse's comments) pages. The analysts' definitions, with formulas and worked examples, stay in
docs/metrics.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markupsafe import Markup

READER_DEFINITIONS = Path(__file__).parent / "definitions.md"

DICTIONARY_SQL = """
    select t.table_name, t.comment as table_comment, c.column_name, c.data_type,
           c.comment as column_comment
    from duckdb_tables() as t
    join duckdb_columns() as c
        on c.database_name = t.database_name and c.schema_name = t.schema_name
        and c.table_name = t.table_name
    where t.database_name = current_database() and t.schema_name = 'marts'
    order by t.table_name, c.column_index
"""


def anchor(text: str) -> str:
    """An id for a heading: lower-case words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _accessible(state: StateCore) -> None:
    """Give table headers their scope and headings an id to link to."""
    tokens = state.tokens
    taken: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type == "th_open":
            token.attrSet("scope", "col")
        elif token.type == "table_open":
            token.attrSet("class", "definitions")
        elif token.type == "heading_open":
            base = slug = anchor(tokens[i + 1].content)
            n = 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            taken.add(slug)
            token.attrSet("id", slug)


def _markdown() -> MarkdownIt:
    # html off: anything in the documentation that looks like markup is shown as text
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.core.ruler.push("accessible", _accessible)
    return parser


def definitions_page(source: Path = READER_DEFINITIONS) -> dict[str, Any]:
    """The metric definitions rendered from their Markdown, with a contents list of its sections."""
    parser = _markdown()
    text = source.read_text("utf-8")
    tokens = parser.parse(text)
    renderer = parser.renderer
    assert isinstance(renderer, RendererHTML)  # MarkdownIt's default renderer, which _markdown keeps
    contents = [
        {
            "id": token.attrGet("id"),
            "title": Markup(renderer.renderInline(tokens[i + 1].children or [], parser.options, {})),
        }
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == "h2"
    ]
    # the document's own h1 becomes the page heading, so the body starts below it
    body = parser.renderer.render(_without_title(tokens), parser.options, {})
    title = next(
        (tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"),
        "Metric definitions",
    )
    return {"title": title, "contents": contents, "body": Markup(body)}


def _without_title(tokens: list) -> list:
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[:i] + tokens[i + 3 :]
    return tokens


def dictionary_page(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every mart and its columns with the descriptions the warehouse itself holds."""
    tables: dict[str, dict[str, Any]] = {}
    for table, table_comment, column, data_type, column_comment in con.execute(DICTIONARY_SQL).fetchall():
        entry = tables.setdefault(
            table, {"name": table, "id": anchor(table), "description": table_comment, "columns": []}
        )
        entry["columns"].append({"name": column, "type": data_type.lower(), "description": column_comment})
    return {"tables": list(tables.values())}
