"""How `joinedup sql` prints a result: DuckDB's boxed table, or CSV, JSON records or Markdown.

The table is DuckDB's own rendering, as its command line prints it: the column types under the names,
text and columns that do not fit the width cut with `…`, and beyond `max_rows` the first and last
rows with the count of those left out. It needs nothing but DuckDB, so that the commonest use
starts fast; CSV goes through polars and `spreadsheet_csv` (formula-like text quoted), Markdown
through tabulate, each imported when asked for.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

EXPLAIN_COLUMNS = ["explain_key", "explain_value"]
NUMERIC_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
}


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
    rows = [dict(zip(names, map(_json_value, row), strict=True)) for row in result.fetchall()]
    return json.dumps(rows, ensure_ascii=False) + "\n"


def markdown(result: duckdb.DuckDBPyRelation) -> str:
    """Return the result as a Markdown (pipe) table, numbers aligned right."""
    from tabulate import tabulate

    align = ["right" if _numeric(str(kind)) else "left" for kind in result.types]
    rows = [[_markdown_cell(value) for value in row] for row in result.fetchall()]
    return (
        tabulate(
            rows,
            headers=[_markdown_cell(name) for name in result.columns],
            tablefmt="pipe",
            colalign=align,
            disable_numparse=True,
        )
        + "\n"
    )


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


def _json_value(value: Any) -> Any:
    """Return a value DuckDB fetched as one `json` can write, without losing what it means."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or infinity, which a DuckDB decimal never holds
            return None
        return int(value) if exponent >= 0 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(_json_value(key)): _json_value(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # UUIDs, and anything newer DuckDB returns


def _numeric(kind: str) -> bool:
    return kind in NUMERIC_TYPES or kind.startswith("DECIMAL")


def _markdown_cell(value: Any) -> str:
    """Return a value as one Markdown table cell: `|` escaped, line breaks as <br>, NULL empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        text = json.dumps(_json_value(value), ensure_ascii=False)
    else:
        text = value.hex() if isinstance(value, bytes) else str(value)
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
