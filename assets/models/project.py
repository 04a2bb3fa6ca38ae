"""Find the SQL models in `dbt_like_sql/`, their documentation and, from the SQL, their upstreams."""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

LAYERS = ("staging", "intermediate", "marts")


@dataclass(frozen=True)
class Documentation:
    """A table's description and its columns' descriptions, in order."""

    description: str
    columns: dict[str, str]


@dataclass(frozen=True)
class SqlModel:
    """One `.sql` file: a select that becomes the table `<layer>.<name>`."""

    layer: str
    name: str
    sql: str
    docs: Documentation
    upstream: tuple[tuple[str, str], ...]

    @property
    def table(self) -> str:
        """Qualified table name the model builds."""
        return f"{self.layer}.{self.name}"


def upstream_tables(sql: str) -> tuple[tuple[str, str], ...]:
    """Return the (schema, table) pairs a select reads, ignoring its own CTEs."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = {(t.db, t.name) for t in tree.find_all(exp.Table)
              if t.name not in ctes or t.db}
    unqualified = sorted(name for schema, name in tables if not schema)
    if unqualified:
        raise ValueError(f"tables must be schema-qualified: {', '.join(unqualified)}")
    return tuple(sorted(tables))


def read_documentation(path: Path) -> Documentation:
    """Read a model's YAML documentation (description and columns)."""
    spec = yaml.safe_load(path.read_text()) or {}
    return Documentation(str(spec.get("description", "")).strip(),
                         {str(k): str(v) for k, v in (spec.get("columns") or {}).items()})


def load_models(sql_dir: Path) -> list[SqlModel]:
    """Return every model under the layer folders of `sql_dir`, in a stable order."""
    models = []
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            docs_path = path.with_suffix(".yml")
            if not docs_path.exists():
                raise FileNotFoundError(f"{path}: every model needs its documentation {docs_path.name}")
            sql = path.read_text()
            models.append(SqlModel(layer, path.stem, sql, read_documentation(docs_path),
                                   upstream_tables(sql)))
    return models


def load_macros(sql_dir: Path) -> str:
    """Return the shared SQL macros (`macros.sql`) that models may call."""
    path = sql_dir / "macros.sql"
    return path.read_text() if path.exists() else ""


def load_seed_docs(seed_dir: Path) -> dict[str, Documentation]:
    """Return the documentation of each seed from `_seeds.yml` in the seed folder."""
    spec = yaml.safe_load((seed_dir / "_seeds.yml").read_text())
    return {name: Documentation(str(doc.get("description", "")).strip(),
                                {str(k): str(v) for k, v in doc.get("columns", {}).items()})
            for name, doc in spec.items()}


def build_order(models: list[SqlModel]) -> list[SqlModel]:
    """Return the models ordered so that each comes after the models it reads."""
    by_table = {(m.layer, m.name): m for m in models}
    graph = {key: [t for t in m.upstream if t in by_table] for key, m in by_table.items()}
    return [by_table[key] for key in TopologicalSorter(graph).static_order()]
