"""Build a table from a select in DuckDB and write its documentation as comments."""

from __future__ import annotations

import duckdb
import polars as pl

from assets.models.functions import register_functions
from assets.models.project import Documentation, SqlModel
from assets.query import one_row


def quote(identifier: str) -> str:
    """Return a DuckDB identifier in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def comment_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, docs: Documentation) -> None:
    """Write the table's documentation as DuckDB comments; fail if docs and columns disagree."""
    target = f"{quote(schema)}.{quote(table)}"
    # the result's own description: listing duckdb_columns() reads the whole catalogue (20x slower)
    actual = [column[0] for column in con.execute(f"select * from {target} limit 0").description]
    documented = list(docs.columns)
    if actual != documented:
        missing = [c for c in actual if c not in docs.columns]
        stale = [c for c in documented if c not in actual]
        raise ValueError(
            f"{schema}.{table}: documentation does not match the columns "
            f"(undocumented: {missing}, documented but absent: {stale}, "
            f"or in another order)"
        )
    # COMMENT ON takes no bound parameters, so the text goes in as an escaped literal; one call for all
    con.execute(
        ";\n".join(
            [f"comment on table {target} is {literal(docs.description)}"]
            + [
                f"comment on column {target}.{quote(column)} is {literal(text)}"
                for column, text in docs.columns.items()
            ]
        )
    )


def literal(text: str) -> str:
    """Return text as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> int:
    """Create or replace the model's table (after its macros and functions), comment it; return its rows."""
    target = f"{quote(model.layer)}.{quote(model.name)}"
    register_functions(con)
    con.begin()
    try:
        if model.macros:
            con.execute(model.macros)
        con.execute(f"create or replace table {target} as {model.sql}")
        comment_table(con, model.layer, model.name, model.docs)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    (rows,) = one_row(con.execute(f"select count(*) from {target}"))
    return rows


def load_table(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, frame: pl.DataFrame, docs: Documentation
) -> int:
    """Replace `<schema>.<name>` with a frame, comment it, and return its row count."""
    target = f"{quote(schema)}.{quote(name)}"
    con.register("incoming_table", frame.to_arrow())
    con.begin()
    try:
        con.execute(f"create or replace table {target} as select * from incoming_table")
        comment_table(con, schema, name, docs)
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("incoming_table")
    con.commit()
    return frame.height
