"""Reference data: each CSV of the reference folder loaded as `seeds.<name>`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl

from assets.models.build import load_table
from assets.models.project import load_seed_docs
from pipelines.settings import SQL_DIR

SEED_DOCS = load_seed_docs(SQL_DIR / "seeds")


def load_seed(con: duckdb.DuckDBPyConnection, reference_dir: Path, name: str) -> int:
    """Replace `seeds.<name>` with `<reference_dir>/<name>.csv` and return its row count."""
    frame = pl.read_csv(reference_dir / f"{name}.csv", infer_schema_length=None)
    return load_table(con, "seeds", name, frame, SEED_DOCS[name])


def table_digest(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    """Return a digest of a table's rows in order (None when the table does not exist)."""
    exists = con.execute("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                         [schema, name]).fetchone()[0]
    if not exists:
        return None
    digest = hashlib.sha256()
    for row in con.execute(f'select * from "{schema}"."{name}" order by all').fetchall():
        digest.update(repr(row).encode())
    return digest.hexdigest()
