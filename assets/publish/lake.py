"""The publication in the lake: every mart of a published warehouse, with its comments, in one commit.

A commit is one DuckLake snapshot, so a reader attached to the lake sees the previous publication or
this one, never a mix. Each publication's snapshot carries the commit message `publication` and the run
id in its extra information; `joinedup rollback` goes back to an earlier one by time travel.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines.lake import LAKE, attach_statement, connect_lake, sql_text
from pipelines.settings import LakeSettings

MARTS = "marts"
SOURCE = "published"  # the warehouse (or earlier snapshot) copied from, attached under this name
PUBLICATION = "publication"
ROLLBACK = "rollback"
AUTHOR = "joinedup"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_marts(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    """Make the lake's marts those of database `source` (tables, rows, comments); return their names.

    Runs inside the caller's transaction; marts the source no longer has are dropped.
    """
    tables = con.execute("select table_name, comment from duckdb_tables() where database_name = ? "
                         "and schema_name = ? order by table_name", [source, MARTS]).fetchall()
    con.execute(f"create schema if not exists {LAKE}.{MARTS}")
    kept = {name for name, _ in tables}
    for (gone,) in con.execute("select table_name from duckdb_tables() where database_name = ? and "
                               "schema_name = ?", [LAKE, MARTS]).fetchall():
        if gone not in kept:
            con.execute(f"drop table {LAKE}.{MARTS}.{_identifier(gone)}")
    for name, comment in tables:
        target = f"{LAKE}.{MARTS}.{_identifier(name)}"
        con.execute(f"create or replace table {target} as "
                    f"select * from {source}.{MARTS}.{_identifier(name)}")
        if comment:
            con.execute(f"comment on table {target} is {sql_text(comment)}")
        for column, column_comment in con.execute(
                "select column_name, comment from duckdb_columns() where database_name = ? and "
                "schema_name = ? and table_name = ? and comment is not null", [source, MARTS, name]
        ).fetchall():
            con.execute(f"comment on column {target}.{_identifier(column)} is {sql_text(column_comment)}")
    return sorted(kept)


def _commit(con: duckdb.DuckDBPyConnection, message: str, run_id: str) -> int:
    """Commit the open transaction as one snapshot named by `message` and `run_id`; return its id."""
    con.execute(f"call {LAKE}.set_commit_message(?, ?, extra_info => ?)",
                [AUTHOR, message, json.dumps({"run_id": run_id})])
    con.execute("commit")
    return publication_snapshot(con, run_id, message)


def publication_snapshot(con: duckdb.DuckDBPyConnection, run_id: str, message: str = PUBLICATION) -> int:
    """Return the latest snapshot committed with `message` for run `run_id` (LookupError when none)."""
    found = con.execute(f"select max(snapshot_id) from {LAKE}.snapshots() where commit_message = ? "
                        "and json_extract_string(commit_extra_info, '$.run_id') = ?",
                        [message, run_id]).fetchone()[0]
    if found is None:
        raise LookupError(f"the lake holds no {message} of run {run_id}")
    return found


def publish_to_lake(warehouse: Path, lake: LakeSettings, run_id: str) -> int:
    """Copy every mart of the warehouse file into the lake in one commit; return the snapshot's id."""
    with connect_lake(lake) as con:
        con.execute(f"attach {sql_text(str(warehouse))} as {SOURCE} (read_only)")
        con.execute("begin")
        copy_marts(con, SOURCE)
        return _commit(con, PUBLICATION, run_id)


def roll_back_lake(lake: LakeSettings, run_id: str) -> int:
    """Make the lake's marts those of run `run_id`'s publication again, by time travel; return the
    new snapshot's id (the history keeps every publication, the one rolled back from too)."""
    with connect_lake(lake) as con:
        earlier = publication_snapshot(con, run_id)
        con.execute(attach_statement(lake, read_only=True, snapshot=earlier, name=SOURCE))
        con.execute("begin")
        copy_marts(con, SOURCE)
        return _commit(con, ROLLBACK, run_id)
