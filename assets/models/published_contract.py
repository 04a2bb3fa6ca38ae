"""The published contract analysts read (docs/warehouse-contract.yml), generated from the marts' `.yml`.

Each mart's description, grain, columns, types and declared values are written once, in its `.yml`
(dbt's syntax); this module writes them out for analysts. A test fails when the file checked in is not
what the `.yml` files generate, and another when the published warehouse differs from it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from assets.models.model_yml import ModelSpec, ModelYmlError, read_model_specs

PUBLISHED_SCHEMA = "marts"
HEADER = (
    "# The published warehouse contract: every table and column analysts may rely on, with\n"
    "# each table's grain (the columns that identify a row), each column's type and meaning, and\n"
    "# the values it may take or the table it refers to. Generated from the marts' .yml files\n"
    "# (dbt_like_sql/marts) by `joinedup contract --write`: edit those, not this file. Tests fail\n"
    "# when this file is not what they generate, and when the published warehouse differs from it.\n"
)
REF = re.compile(r"""ref\(\s*['"](\w+)['"]\s*\)""")


def referenced_table(spec: ModelSpec, to: str) -> str:
    """Return `marts.<model>` for a relationships test's `to: ref('<model>')`."""
    found = REF.fullmatch(str(to).strip())
    if not found:
        raise ModelYmlError(f"model {spec.name}: relationships to {to!r}: write ref('<mart>')")
    return f"{PUBLISHED_SCHEMA}.{found[1]}"


def _column(spec: ModelSpec, name: str, data_type: str, meaning: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": data_type, "meaning": meaning}
    for test in spec.column_tests(name):
        if test.kind == "not_null":
            entry["not_null"] = True
        elif test.kind == "accepted_values":
            entry["values"] = list(test.arguments["values"])
        elif test.kind == "relationships":
            entry["references"] = f"{referenced_table(spec, test.arguments['to'])}.{test.arguments['field']}"
    return entry


def documented_marts(sql_dir: Path) -> tuple[str, ...]:
    """Return the name of every mart documented in `sql_dir/marts`: the marts that are published."""
    return tuple(path.stem for path in sorted((sql_dir / PUBLISHED_SCHEMA).glob("*.yml")))


def published_contract(specs: list[ModelSpec]) -> dict[str, dict[str, Any]]:
    """Return {`marts.<table>`: {description, grain, columns: {name: {type, meaning, ...}}}}, by table."""
    contract = {}
    for spec in sorted(specs, key=lambda s: s.name):
        if not spec.key:
            raise ModelYmlError(f"model {spec.name}: a published mart declares its grain (a unique test)")
        contract[f"{PUBLISHED_SCHEMA}.{spec.name}"] = {
            "description": spec.description,
            "grain": list(spec.key),
            "columns": {c.name: _column(spec, c.name, c.data_type, c.description) for c in spec.columns},
        }
    return contract


def contract_text(sql_dir: Path) -> str:
    """Return the text of docs/warehouse-contract.yml as the marts' `.yml` files in `sql_dir` generate it."""
    body = yaml.safe_dump(
        published_contract(read_model_specs(sql_dir / PUBLISHED_SCHEMA)),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return HEADER + body
