"""The models shipped with the code (`dbt_like_sql/`), read when first asked for and kept for the process.

Importing a module reads no file: the code location, the due work and the tests ask for these when they
need them, and share one reading.
"""

from __future__ import annotations

from functools import cache

from assets.models.project import Documentation, SqlModel, load_models, read_documentation
from assets.models.published_contract import PUBLISHED_SCHEMA, documented_marts
from assets.project_files import SQL_DIR


@cache
def project_models() -> tuple[SqlModel, ...]:
    """Return every SQL model of `dbt_like_sql/`, in load_models' order."""
    return tuple(load_models(SQL_DIR))


@cache
def published_marts() -> tuple[str, ...]:
    """Return every mart documented in `dbt_like_sql/marts`, whichever asset builds it: the marts
    published, each checked by its suite and awaited by publication."""
    return documented_marts(SQL_DIR)


@cache
def mart_documentation(name: str) -> Documentation:
    """Return the documentation of `marts.<name>` from its `.yml` (for the marts built in Python)."""
    return read_documentation(SQL_DIR / PUBLISHED_SCHEMA / f"{name}.yml")
