"""A DuckDB result as text for people and scripts: JSON values and a Markdown table, every value
written as what it means and none able to break the table it is in."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

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


def json_value(value: Any) -> Any:
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
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(json_value(key)): json_value(item) for key, item in value.items()}
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
        text = json.dumps(json_value(value), ensure_ascii=False)
    else:
        text = value.hex() if isinstance(value, bytes) else str(value)
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
