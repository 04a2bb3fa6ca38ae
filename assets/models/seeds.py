"""Reference data: each CSV of the reference folder loaded as `seeds.<name>`."""

from __future__ import annotations

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
