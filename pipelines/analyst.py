"""What analysts do with the published warehouse: read-only SQL, exports, and the schema contract."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import yaml

PUBLISHED_SCHEMA = "marts"


def query(warehouse: Path, sql: str) -> pl.DataFrame:
    """Run one SQL statement against the published warehouse, opened read-only."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).pl()


def export_marts(warehouse: Path, folder: Path) -> list[Path]:
    """Write every published mart to `<folder>/<table>.parquet` and return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by 1",
            [PUBLISHED_SCHEMA]).fetchall()]
        for table in tables:
            target = folder / f"{table}.parquet"
            path = target.as_posix().replace("'", "''")  # COPY takes no bound parameter
            con.execute(f'copy "{PUBLISHED_SCHEMA}"."{table}" to \'{path}\' '
                        "(format parquet)")
            written.append(target)
    return written


def published_schema(warehouse: Path) -> dict[str, dict]:
    """Return {table: {description, columns: {column: {type, meaning}}}} for the published marts."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = ? order by 1",
            [PUBLISHED_SCHEMA]).fetchall()
        columns = con.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns() "
            "where schema_name = ? order by table_name, column_index", [PUBLISHED_SCHEMA]).fetchall()
    schema = {f"{PUBLISHED_SCHEMA}.{t}": {"description": (c or "").strip(), "columns": {}}
              for t, c in tables}
    for table, column, data_type, comment in columns:
        schema[f"{PUBLISHED_SCHEMA}.{table}"]["columns"][column] = {
            "type": data_type, "meaning": (comment or "").strip()}
    return schema


def write_contract(warehouse: Path, contract: Path) -> None:
    """Write the published schema as the contract file analysts rely on."""
    header = ("# The published warehouse contract: every table and column analysts may rely on.\n"
              "# Written by `joinedup contract --write` from a built warehouse; a test fails when the\n"
              "# warehouse and this file disagree, so a change to a mart is a change to this file.\n")
    contract.write_text(header + yaml.safe_dump(published_schema(warehouse), sort_keys=False,
                                                allow_unicode=True, width=100))


def contract_differences(warehouse: Path, contract: Path) -> list[str]:
    """Return how the warehouse differs from the contract (empty when they agree)."""
    promised = yaml.safe_load(contract.read_text())
    actual = published_schema(warehouse)
    problems = [f"{t}: in the contract, not in the warehouse" for t in promised if t not in actual]
    problems += [f"{t}: in the warehouse, not in the contract" for t in actual if t not in promised]
    for table in set(promised) & set(actual):
        want, have = promised[table]["columns"], actual[table]["columns"]
        problems += [f"{table}.{c}: missing from the warehouse" for c in want if c not in have]
        problems += [f"{table}.{c}: not in the contract" for c in have if c not in want]
        problems += [f"{table}.{c}: {want[c]['type']} in the contract, {have[c]['type']} published"
                     for c in want if c in have and want[c]["type"] != have[c]["type"]]
        if list(want) != list(have) and set(want) == set(have):
            problems.append(f"{table}: columns in another order than the contract")
    return sorted(problems)
