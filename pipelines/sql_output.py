"""How `joinedup sql` prints a result: DuckDB's boxed table, or CSV, JSON records or Markdown.

The table is DuckDB's own rendering, as its command line prints it: the column types under the names,
text and columns that do not fit the width cut with `…`, and beyond `max_rows` the first and last
rows with the count of those left out. It needs nothing but DuckDB, so that the commonest use
starts fast; CSV goes through polars and `spreadsheet_csv` (formula-like text quoted), Markdown
through tabulate, each imported when asked for (JSON values and Markdown: `assets.result_text`, which
the pipeline's previews share).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from assets.result_text import json_value, markdown

if TYPE_CHECKING:
    import duckdb

EXPLAIN_COLUMNS = ["explain_key", "explain_value"]


def table(result: duckdb.DuckDBPyRelation, width: int, max_rows: int) -> str:
    """Return the result as DuckDB's boxed table, at most `width` characters wide (80 at least)."""
    if result.columns == EXPLAIN_COLUMNS:  # a plan is text to read whole, as DuckDB's CLI shows it
        return "".join(f"{plan}\n" for _, plan in result.fetchall())
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # DuckDB prints the table through Python's stdout
        result.show(max_width=width, max_rows=max_rows)
    return printed.getvalue().rstrip("\n") + "\n"


def csv_text(result: duckdb.DuckDBPyRelation) -> str:
    """Return the result as CSV that is safe to open in a spreadsheet."""
    from assets.spreadsheet_csv import spreadsheet_csv

    return spreadsheet_csv(result.pl())


def json_records(result: duckdb.DuckDBPyRelation) -> str:
    """Return the result as a JSON array of one object per row, for scripts.

    Numbers stay numbers (a DECIMAL with a scale becomes a JSON number with a fraction, one without
    an integer), dates and times are ISO 8601 text, intervals seconds, blobs hexadecimal, NaN and
    infinity null, and a repeated column name gets a suffix (`a`, `a_1`) so that no value is lost.
    """
    names = _unique(result.columns)
    rows = [dict(zip(names, map(json_value, row), strict=True)) for row in result.fetchall()]
    return json.dumps(rows, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[duckdb.DuckDBPyRelation], str]] = {
    "csv": csv_text,
    "json": json_records,
    "markdown": markdown,
}


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        unique.append(f"{name}_{seen[name]}" if name in seen else name)
        seen[name] = seen.get(name, 0) + 1
    return unique
