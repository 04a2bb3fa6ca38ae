"""Find the SQL models in `dbt_like_sql/`, their documentation and, from the SQL, their upstreams."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from assets.models.contract_sql import MACRO_TABLES, contract_macros
from assets.models.model_yml import ModelSpec, read_model_spec, read_seed_specs
from assets.query import literal, one_row

LAYERS = ("staging", "intermediate", "marts")
MACRO = re.compile(r"create or replace macro (\w+)")
COMMENT = re.compile(r"--[^\n]*")
CALL = re.compile(r"\b(\w+)\s*\(")  # a function or macro called: its name
SEEDS_YML = "_seeds.yml"  # the seeds' documentation, in the seed folder


@dataclass(frozen=True)
class Documentation:
    """A table's description and its columns' descriptions, in order."""

    description: str
    columns: dict[str, str]


@dataclass(frozen=True)
class SqlModel:
    """One `.sql` file: a select that becomes the table `<layer>.<name>`, and the macros it calls."""

    layer: str
    name: str
    sql: str
    docs: Documentation
    upstream: tuple[tuple[str, str], ...]
    macros: str = ""
    # rebuilt by month of this column when its upstream rows change (assets/models/build.py); None: whole
    month_column: str | None = None
    # how many months before its own a row of a model built by month reads (a rolling 12 months: 11)
    lookback_months: int = 0
    # the months the rows of an upstream table reach when not their own `month_column`'s:
    # ((schema, table), SQL list of months over its columns)
    upstream_months: tuple[tuple[tuple[str, str], str], ...] = ()

    @property
    def key(self) -> str:
        """The model's key among the code versions (`<layer>/<name>`, assets/models/versions.py)."""
        return f"{self.layer}/{self.name}"

    @property
    def table(self) -> str:
        """Qualified table name the model builds."""
        return f"{self.layer}.{self.name}"


def upstream_tables(sql: str) -> tuple[tuple[str, str], ...]:
    """Return the (schema, table) pairs a select reads, ignoring its own CTEs, as DuckDB's own parser
    reads the select (`json_serialize_sql`).

    A table macro reads the tables `MACRO_TABLES` gives it (the contract's unions); any other (those of
    `macros.sql`) reads only the CTE named in its call.
    """
    # the select as a literal: a bound parameter would have DuckDB import pandas first (about 0.3 s)
    with _parser().cursor() as cursor:  # a cursor of its own: a connection is not shared across threads
        (parsed,) = one_row(cursor.execute(f"select json_serialize_sql({literal(sql)})"))
    tree = json.loads(parsed)
    if tree.get("error"):
        raise ValueError(f"the select cannot be parsed: {tree.get('error_message')}")
    tables: set[tuple[str, str]] = set()
    ctes: set[str] = set()
    macros: set[str] = set()
    _read_nodes(tree, tables, ctes, macros)
    tables = {(schema, name) for schema, name in tables if name not in ctes or schema}
    tables |= {table for macro in macros for table in MACRO_TABLES.get(macro, ())}
    unqualified = sorted(name for schema, name in tables if not schema)
    if unqualified:
        raise ValueError(f"tables must be schema-qualified: {', '.join(unqualified)}")
    return tuple(sorted(tables))


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB, kept for the process, to parse the models with (connecting takes ~10 ms)."""
    return duckdb.connect()


def _read_nodes(node: Any, tables: set[tuple[str, str]], ctes: set[str], macros: set[str]) -> None:
    """Collect, from a parsed select and every select inside it, the tables it names, the CTEs it
    defines and the table functions (macros) it calls."""
    if isinstance(node, list):
        for item in node:
            _read_nodes(item, tables, ctes, macros)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "BASE_TABLE":
        tables.add((node["schema_name"], node["table_name"]))
    elif node.get("type") == "TABLE_FUNCTION":
        macros.add(node["function"]["function_name"])
    ctes.update(entry["key"] for entry in (node.get("cte_map") or {}).get("map", []))
    for value in node.values():
        _read_nodes(value, tables, ctes, macros)


def read_documentation(path: Path) -> Documentation:
    """Read a model's documentation (description and columns) from its `.yml` (assets.models.model_yml)."""
    return _documentation(read_model_spec(path))


def _documentation(spec: ModelSpec) -> Documentation:
    return Documentation(spec.description, {c.name: c.description for c in spec.columns})


def load_models(sql_dir: Path) -> list[SqlModel]:
    """Return every model under the layer folders of `sql_dir`, in a stable order."""
    models = []
    macros = load_macros(sql_dir)
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            docs_path = path.with_suffix(".yml")
            if not docs_path.exists():
                raise FileNotFoundError(f"{path}: every model needs its documentation {docs_path.name}")
            sql = path.read_text()
            spec = read_model_spec(docs_path)
            upstream = upstream_tables(sql)
            reach = tuple((_schema_table(table), months) for table, months in spec.upstream_months)
            unread = [".".join(table) for table, _ in reach if table not in upstream]
            if unread:
                raise ValueError(
                    f"{docs_path}: upstream_months names tables the model does not read: {unread}"
                )
            models.append(
                SqlModel(
                    layer,
                    path.stem,
                    sql,
                    _documentation(spec),
                    upstream,
                    macros_called("\n".join([sql, *(months for _, months in reach)]), macros),
                    spec.month_column,
                    spec.lookback_months,
                    reach,
                )
            )
    return models


def _schema_table(qualified: str) -> tuple[str, str]:
    schema, table = qualified.split(".")
    return schema, table


def load_macros(sql_dir: Path) -> dict[str, str]:
    """Return {name: the statement creating it, with its comment} for every macro models may call.

    The contract's macros (assets.models.contract_sql) come first, then those of `macros.sql`.
    """
    path = sql_dir / "macros.sql"
    text = contract_macros() + "\n" + (path.read_text() if path.exists() else "")
    statements = [s.strip() + ";" for s in re.split(r";\s*\n", text) if MACRO.search(s)]
    return {MACRO.search(s)[1]: s for s in statements}  # type: ignore[index]


def calls(sql: str, name: str) -> bool:
    """Return whether SQL (its comments aside) calls the function or macro `name`."""
    return re.search(rf"\b{name}\s*\(", COMMENT.sub("", sql)) is not None


def macros_called(sql: str, macros: dict[str, str]) -> str:
    """Return the statements creating the macros `sql` calls and those they call, in their order.

    A model creates only these before it is built: a macro reading tables of a later model (the
    contract's `submission_histories`) can only be created once they exist.
    """
    needed: set[str] = set()
    pending = [sql]
    while pending:
        called = set(CALL.findall(COMMENT.sub("", pending.pop()))) & macros.keys()
        pending.extend(macros[name] for name in called - needed)
        needed |= called
    return "\n\n".join(statement for name, statement in macros.items() if name in needed)


def load_seed_docs(seed_dir: Path) -> dict[str, Documentation]:
    """Return the documentation of each seed from `_seeds.yml` in the seed folder (dbt's `seeds:`)."""
    return {
        spec.name: Documentation(spec.description, {c.name: c.description for c in spec.columns})
        for spec in read_seed_specs(seed_dir / SEEDS_YML)
    }


def build_order(models: list[SqlModel]) -> list[SqlModel]:
    """Return the models ordered so that each comes after the models it reads."""
    by_table = {(m.layer, m.name): m for m in models}
    graph = {key: [t for t in m.upstream if t in by_table] for key, m in by_table.items()}
    return [by_table[key] for key in TopologicalSorter(graph).static_order()]
