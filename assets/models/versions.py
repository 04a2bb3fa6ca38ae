"""The version of the code each model is built with: a model whose code changed is due at the next run."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType

import duckdb

from assets.models.functions import FUNCTION_SOURCES
from assets.models.model_yml import read_model_spec
from assets.models.project import calls, load_macros, macros_called
from assets.project_files import PROJECT_ROOT, SQL_DIR

# Marts built in Python, and the package whose code builds each.
PYTHON_MODELS = {
    "marts/fct_measure_spc": "assets/spc",
    "marts/measure_spc_status": "assets/spc",
    "marts/workforce_outcome_association": "assets/association",
    "marts/fct_measure_forecast": "assets/forecast",
}


def _digest(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def sql_versions(sql_dir: Path, functions: dict[str, Path] = FUNCTION_SOURCES) -> dict[str, str]:
    """Return {"<layer>/<name>": digest} for the SQL models of `sql_dir`.

    A model's code is its SQL, how its `.yml` says it is built by month (if it is), the macros both call
    (and those they call) and the source of the functions the SQL calls (`functions`: name to source file).
    """
    macros = load_macros(sql_dir)
    versions = {}
    for path in sorted(sql_dir.glob("*/*.sql")):
        sql = "\n".join([path.read_text(), *_by_month(path)])
        called = [source.read_text() for name, source in functions.items() if calls(sql, name)]
        versions[f"{path.parent.name}/{path.stem}"] = _digest(sql, macros_called(sql, macros), *called)
    return versions


def _by_month(path: Path) -> list[str]:
    """How the model of `path` is built by month, as its `.yml` says (nothing when it is built whole)."""
    docs = path.with_suffix(".yml")
    spec = read_model_spec(docs) if docs.exists() else None
    if spec is None or spec.month_column is None:
        return []
    return [f"-- by month of {spec.month_column}, {spec.lookback_months} before: {spec.upstream_months}"]


@cache
def model_versions() -> Mapping[str, str]:
    """Return {"<layer>/<name>": digest of the code that builds it} for every SQL and Python model, as
    this process's code is (read once)."""
    versions = sql_versions(SQL_DIR)
    for key, package in PYTHON_MODELS.items():
        versions[key] = _digest(*(p.read_text() for p in sorted((PROJECT_ROOT / package).glob("*.py"))))
    return MappingProxyType(versions)


def record_versions(con: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    """Record that these models were just built with the code of this process."""
    con.executemany(
        "insert or replace into audit.model_versions values (?, ?, ?)",
        [[key, model_versions()[key], datetime.now()] for key in keys],
    )
