"""Helpers for ingest tests: a warehouse with the hand-made reference data, and files dropped in an inbox."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from assets.contract import SUBMISSION_TYPES
from assets.ingest.load import ingest_inbox
from assets.project_files import PROJECT_EXPECTATIONS_DIR, SQL_DIR
from assets.validate.submissions import ValidationOutcome, validate_rows
from assets.warehouse import ensure_warehouse
from tests.conftest import settle
from tests.sql_fixtures import SEEDS, load_seed, load_seed_docs

# each submission type's header row, as the contract names its columns
HEADERS = {name: ",".join(kind.columns) + "\n" for name, kind in SUBMISSION_TYPES.items()}
OUTCOMES_HEADER = HEADERS["outcomes"]


def seeded_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """Return a connection to a new warehouse holding the hand-made reference data."""
    con = duckdb.connect(str(path))
    ensure_warehouse(con)
    docs = load_seed_docs(SQL_DIR / "seeds")
    for name, rows in SEEDS.items():
        load_seed(con, name, pl.DataFrame(rows, schema=list(docs[name].columns), orient="row"), docs[name])
    return con


def drop(inbox: Path, folder: str, name: str, content: bytes | str) -> Path:
    """Put a file into `inbox/<folder>/`, dated before the settle period (as a file already sent)."""
    target = inbox / folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    settle(path)  # sent, not still being written: the next ingest reads it
    return path


def ingest_and_validate(
    con: duckdb.DuckDBPyConnection, home: Path, kind: str = "outcomes"
) -> ValidationOutcome:
    """Ingest `home/inbox` (mappings from `home/partners`) for one type, then validate it."""
    ingest_inbox(con, home / "inbox", SUBMISSION_TYPES[kind], home / "partners", "run-1")
    return validate_rows(con, SUBMISSION_TYPES[kind], "run-1", expectations_dir=PROJECT_EXPECTATIONS_DIR)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Return all rows of a query."""
    return con.execute(sql, params or []).fetchall()
