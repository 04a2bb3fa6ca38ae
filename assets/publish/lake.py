"""The publication in the lake: every mart of a published warehouse, with its comments, in one commit.

A commit is one DuckLake snapshot, so a reader attached to the lake sees the previous publication or
this one, never a mix. Each publication's snapshot carries the commit message `publication` and the run
id in its extra information; `joinedup rollback` goes back to an earlier one by time travel.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import duckdb

from assets.faults import fault_point
from assets.lake import LAKE, LakeSettings, attach_statement, connect_lake
from assets.query import literal, one_row, quote

MARTS = "marts"
SOURCE = "published"  # the warehouse (or earlier snapshot) copied from, attached under this name
PUBLICATION = "publication"
ROLLBACK = "rollback"
AUTHOR = "joinedup"
COMMIT_ATTEMPTS = 5


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple]:
    """Return (name, type, comment) of a table's columns, in order (empty when there is no such table)."""
    return con.execute(
        "select column_name, data_type, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()


def copy_marts(con: duckdb.DuckDBPyConnection, source: str, source_schema: str, schema: str) -> list[str]:
    """Make the lake's schema `schema` hold the tables of `source`.`source_schema` (rows, comments);
    return their names.

    Runs inside the caller's transaction. A table whose columns are unchanged gets its rows replaced, so
    that publications of other schemas committed meanwhile do not conflict with this one (DuckLake then
    retries the commit by itself); a new or changed table is created again; tables the source no longer
    has are dropped.
    """
    tables = con.execute(
        "select table_name, comment from duckdb_tables() where database_name = ? "
        "and schema_name = ? order by table_name",
        [source, source_schema],
    ).fetchall()
    lake_tables = dict(
        con.execute(
            "select table_name, comment from duckdb_tables() where database_name = ? and schema_name = ?",
            [LAKE, schema],
        ).fetchall()
    )
    if not lake_tables:
        con.execute(f"create schema if not exists {LAKE}.{quote(schema)}")
    kept = {name for name, _ in tables}
    for gone in lake_tables.keys() - kept:
        con.execute(f"drop table {LAKE}.{quote(schema)}.{quote(gone)}")
    for name, comment in tables:
        target = f"{LAKE}.{quote(schema)}.{quote(name)}"
        rows = f"select * from {source}.{quote(source_schema)}.{quote(name)}"
        columns, in_lake = _columns(con, source, source_schema, name), _columns(con, LAKE, schema, name)
        if [c[:2] for c in columns] == [c[:2] for c in in_lake]:
            con.execute(f"delete from {target}")
            con.execute(f"insert into {target} {rows}")
        else:
            con.execute(f"create or replace table {target} as {rows}")
            lake_tables[name], in_lake = None, []
        if comment and comment != lake_tables.get(name):
            con.execute(f"comment on table {target} is {literal(comment)}")
        described = {column: described for column, _, described in in_lake}
        for column, _, column_comment in columns:
            if column_comment and column_comment != described.get(column):
                con.execute(f"comment on column {target}.{quote(column)} is {literal(column_comment)}")
    return sorted(kept)


def _commit(con: duckdb.DuckDBPyConnection, message: str, run_id: str, extra: dict | None = None) -> int:
    """Commit the open transaction as one snapshot named by `message` and `run_id` (and `extra`, in its
    extra information too); return its id."""
    con.execute(
        f"call {LAKE}.set_commit_message(?, ?, extra_info => ?)",
        [AUTHOR, message, json.dumps({"run_id": run_id} | (extra or {}))],
    )
    con.execute("commit")
    return publication_snapshot(con, run_id, message)


def publication_snapshot(con: duckdb.DuckDBPyConnection, run_id: str, message: str = PUBLICATION) -> int:
    """Return the latest snapshot committed with `message` for run `run_id` (LookupError when none)."""
    (found,) = one_row(
        con.execute(
            f"select max(snapshot_id) from {LAKE}.snapshots() where commit_message = ? "
            "and json_extract_string(commit_extra_info, '$.run_id') = ?",
            [message, run_id],
        )
    )
    if found is None:
        raise LookupError(f"the lake holds no {message} of run {run_id}")
    return found


def in_one_commit(
    con: duckdb.DuckDBPyConnection,
    copy: Callable[[], object],
    message: str,
    run_id: str,
    fault: str = "publish:lake-staged",
    extra: dict | None = None,
) -> int:
    """Run `copy` and commit what it did as one snapshot; return its id.

    A commit that conflicts with one made meanwhile (say, two schemas' first publications at once) is
    tried again from the start, a few times. Fault point `fault` [`publish:lake-staged`]: copied, not
    committed.
    """
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        con.execute("begin")
        try:
            copy()
            fault_point(fault)
            return _commit(con, message, run_id, extra)
        except duckdb.TransactionException as error:
            if attempt == COMMIT_ATTEMPTS or "conflict" not in str(error).lower():
                raise
        with suppress(duckdb.TransactionException):  # a failed commit has already rolled back
            con.execute("rollback")
        time.sleep(random.uniform(0.5, 1.5) * attempt)  # apart from the other writers' next tries
    raise AssertionError("the last attempt returns or raises")


def publish_to_lake(warehouse: Path, lake: LakeSettings, run_id: str) -> int:
    """Copy every mart of the warehouse file into the lake's schema in one commit; return the snapshot's
    id."""
    with connect_lake(lake) as con:
        con.execute(f"attach {literal(str(warehouse))} as {SOURCE} (read_only)")
        return in_one_commit(con, lambda: copy_marts(con, SOURCE, MARTS, lake.schema), PUBLICATION, run_id)


def roll_back_lake(lake: LakeSettings, run_id: str) -> int:
    """Make the lake schema's marts those of run `run_id`'s publication again, by time travel; return
    the new snapshot's id (the history keeps every publication, the one rolled back from too)."""
    with connect_lake(lake) as con:
        earlier = publication_snapshot(con, run_id)
        con.execute(attach_statement(lake, read_only=True, snapshot=earlier, name=SOURCE))
        return in_one_commit(con, lambda: copy_marts(con, SOURCE, lake.schema, lake.schema), ROLLBACK, run_id)
