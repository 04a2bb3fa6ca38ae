"""The version of the code each model is built with: a model whose code changed is due at the next run."""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb

from pipelines.settings import PROJECT_ROOT, SQL_DIR

# Marts built in Python, and the package whose code builds each.
PYTHON_MODELS = {"marts/fct_measure_spc": "assets/spc", "marts/measure_spc_status": "assets/spc",
                 "marts/workforce_outcome_association": "assets/association"}


def _digest(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def model_versions() -> dict[str, str]:
    """Return {"<layer>/<name>": digest of the code that builds it} for every SQL and Python model."""
    macros = SQL_DIR / "macros.sql"
    shared = macros.read_text() if macros.exists() else ""
    versions = {f"{path.parent.name}/{path.stem}": _digest(path.read_text(), shared)
                for path in sorted(SQL_DIR.glob("*/*.sql"))}
    for key, package in PYTHON_MODELS.items():
        versions[key] = _digest(*(p.read_text() for p in sorted((PROJECT_ROOT / package).glob("*.py"))))
    return versions


MODEL_VERSIONS = model_versions()


def record_versions(con: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    """Record that these models were just built with the code of this process."""
    con.executemany("insert or replace into audit.model_versions values (?, ?, ?)",
                    [[key, MODEL_VERSIONS[key], datetime.now()] for key in keys])
