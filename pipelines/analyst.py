"""What analysts do with the published warehouse: locked read-only SQL, exports, the schema contract."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from assets.query import literal, one_row, quote

if TYPE_CHECKING:
    import polars as pl

    from pipelines.settings import LakeSettings

# Only DuckDB is imported here: `joinedup sql` prints DuckDB's own table without polars (about 0.4 s
# to import on these machines), which, like yaml, is imported by the functions that need it.

PUBLISHED_SCHEMA = "marts"
LOCKED: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,  # no file, URL or other database: no read_csv, glob, attach
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,  # and no statement may set any of these back
}
# DuckDB 1.4 still lets a locked connection write its own database file and the `.wal` beside it
# (`copy ... to '<warehouse>' (use_tmp_file false)` overwrites the warehouse), so analysts' SQL is
# also held to queries before it runs.
# DuckDB's stubs name these SELECT_STATEMENT and EXPLAIN_STATEMENT; the module has SELECT and EXPLAIN
QUERIES = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)  # type: ignore[attr-defined]


class RefusedStatement(ValueError):
    """SQL that is not a query: analysts read the warehouse and change nothing."""


def open_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Return a read-only connection that reads the warehouse's own tables and nothing else."""
    return duckdb.connect(str(warehouse), read_only=True, config=LOCKED)


def open_lake(lake: LakeSettings) -> duckdb.DuckDBPyConnection:
    """Return a connection to the lake, attached read-only, that reads its marts and nothing else.

    The marts of the lake's schema are also views `marts.<table>` in the connection's own database, so
    the queries written for the embedded warehouse run unchanged (and `lake.<schema>.<table>`, time
    travel included, reads the lake itself). Then the connection is locked as `open_warehouse`'s is,
    files allowed only under the lake's data path, where its Parquet files are.
    """
    from assets.lake import LAKE, connect_lake

    con = connect_lake(lake, read_only=True)
    try:
        con.execute("begin")  # one read of the lake's catalog for all the views, not one each
        (data_path,) = one_row(
            con.execute(f"select value from {LAKE}.options() where option_name = 'data_path'")
        )
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = ? and schema_name = ? order by 1",
                [LAKE, lake.schema],
            ).fetchall()
        ]
        con.execute(f"create schema {PUBLISHED_SCHEMA}")
        for table in tables:
            con.execute(
                f"create view {PUBLISHED_SCHEMA}.{quote(table)} as "
                f"select * from {LAKE}.{quote(lake.schema)}.{quote(table)}"
            )
        con.execute("commit")
        con.execute(f"set allowed_directories = [{literal(data_path)}]")
        for setting, value in LOCKED.items():  # lock_configuration last: it locks the others
            con.execute(f"set {setting} = {str(value).lower()}")
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def locked_query(source: Path | LakeSettings, sql: str) -> Iterator[duckdb.DuckDBPyRelation]:
    """Yield the result of analysts' SQL on the published warehouse (a file, or the lake), opened
    read-only and locked.

    Only queries run (select, with, from, values, describe, show, summarize, explain); SQL holding
    a statement of any other kind, or none, raises `RefusedStatement` before anything runs. The
    result (of the last statement) is read while the connection is open: printed by DuckDB, fetched
    as rows or as a polars DataFrame.
    """
    with open_warehouse(source) if isinstance(source, Path) else open_lake(source) as con:
        statements = con.extract_statements(sql)
        if not statements:
            raise RefusedStatement("no statement to run: give a query (select, with, from, ...)")
        for statement in statements:
            if statement.type not in QUERIES:
                raise RefusedStatement(
                    f"{statement.type.name.lower()} statements are refused: joinedup sql runs queries "
                    "on the warehouse's own tables and changes nothing"
                )
        yield con.sql(sql)


def query(warehouse: Path, sql: str) -> pl.DataFrame:
    """Return the result of analysts' SQL on the published warehouse as a DataFrame (see locked_query)."""
    with locked_query(warehouse, sql) as result:
        return result.pl()


def export_marts(warehouse: Path, folder: Path) -> list[Path]:
    """Write every published mart to `<folder>/<table>.parquet` and return the files.

    The marts are read through the same locked door as `query` and written by polars, as
    `joinedup sql --parquet` is: DuckDB itself writes no file for analysts, and an exported mart
    reads back equal to `query` on it (HUGEINT counts stay integers, as Decimal(38, 0), where DuckDB's
    COPY wrote doubles). Each mart is held in memory while it is written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with open_warehouse(warehouse) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1", [PUBLISHED_SCHEMA]
            ).fetchall()
        ]
        for table in tables:
            target = folder / f"{table}.parquet"
            con.execute(f"select * from {quote(PUBLISHED_SCHEMA)}.{quote(table)}").pl().write_parquet(target)
            written.append(target)
    return written


def published_schema(warehouse: Path) -> dict[str, dict]:
    """Return {table: {description, columns: {column: {type, meaning}}}} for the published marts."""
    with open_warehouse(warehouse) as con:
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = ? order by 1",
            [PUBLISHED_SCHEMA],
        ).fetchall()
        columns = con.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns() "
            "where schema_name = ? order by table_name, column_index",
            [PUBLISHED_SCHEMA],
        ).fetchall()
    schema: dict[str, dict[str, Any]] = {
        f"{PUBLISHED_SCHEMA}.{t}": {"description": (c or "").strip(), "columns": {}} for t, c in tables
    }
    for table, column, data_type, comment in columns:
        schema[f"{PUBLISHED_SCHEMA}.{table}"]["columns"][column] = {
            "type": data_type,
            "meaning": (comment or "").strip(),
        }
    return schema


def contract_differences(warehouse: Path, contract: Path) -> list[str]:
    """Return how the warehouse differs from the contract (empty when they agree)."""
    import yaml

    promised = yaml.safe_load(contract.read_text())
    actual = published_schema(warehouse)
    problems = [f"{t}: in the contract, not in the warehouse" for t in promised if t not in actual]
    problems += [f"{t}: in the warehouse, not in the contract" for t in actual if t not in promised]
    for table in set(promised) & set(actual):
        want, have = promised[table]["columns"], actual[table]["columns"]
        problems += [f"{table}.{c}: missing from the warehouse" for c in want if c not in have]
        problems += [f"{table}.{c}: not in the contract" for c in have if c not in want]
        problems += [
            f"{table}.{c}: {want[c]['type']} in the contract, {have[c]['type']} published"
            for c in want
            if c in have and want[c]["type"] != have[c]["type"]
        ]
        if list(want) != list(have) and set(want) == set(have):
            problems.append(f"{table}: columns in another order than the contract")
    return sorted(problems)
