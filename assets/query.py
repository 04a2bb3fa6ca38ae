"""Small pieces of every query: a name as a quoted identifier, text as a SQL literal, and a query's single
row (an aggregate's, or a lookup that must find one)."""

from typing import Any

import duckdb


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """Return the first row of an executed query, or raise LookupError when it returned none."""
    row = result.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


def quote(identifier: str) -> str:
    """Return a DuckDB identifier in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Return text as a SQL string literal (for statements that take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"
