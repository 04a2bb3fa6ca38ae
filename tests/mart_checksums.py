"""Order-independent checksums of the published marts, to compare the outcome of two runs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.query import one_row


def mart_checksums(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Return {table: (rows, sum of the rows' hashes)} for every table in schema `marts`.

    A sum (not an exclusive or) so that two equal rows do not cancel out; the order of rows is ignored.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return catalog_mart_checksums(con, one_row(con.execute("select current_database()"))[0])


def catalog_mart_checksums(
    con: duckdb.DuckDBPyConnection, database: str, schema: str = "marts"
) -> dict[str, tuple[int, int]]:
    """Return mart_checksums' figures for the tables of `schema` in an attached `database` (a lake too)."""
    tables = [
        t
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
            [database, schema],
        ).fetchall()
    ]
    return {
        t: one_row(
            con.execute(f'select count(*), coalesce(sum(hash(t)), 0) from "{database}"."{schema}"."{t}" t')
        )
        for t in tables
    }


def differing_marts(one: dict[str, tuple[int, int]], other: dict[str, tuple[int, int]]) -> list[str]:
    """Return the marts whose checksums differ between two results (or that only one has)."""
    return sorted(t for t in one.keys() | other.keys() if one.get(t) != other.get(t))


SQL_DIR = Path(__file__).resolve().parent.parent / "dbt_like_sql"


def judged_on_the_publication_date() -> set[str]:
    """The marts whose rows depend on the day they are published (overdue actions, `as_of`).

    Two runs of one inbox on two days may differ in these marts, and only in these.
    """
    return {p.stem for p in SQL_DIR.glob("marts/*.sql") if "publication_date()" in p.read_text()}
