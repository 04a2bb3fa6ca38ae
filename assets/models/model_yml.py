"""Read a model's `.yml` as dbt writes it: its description, its columns with their types, its data tests.

The `.yml` beside each model is the one place its contract is written: the DuckDB comments, the published
contract (docs/warehouse-contract.yml) and the marts' grain checks (expectations/mart_*.json) come from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# dbt's four generic tests, and dbt_utils' test of a key of several columns
COLUMN_TESTS = ("unique", "not_null", "accepted_values", "relationships")
KEY_OF_COLUMNS = "dbt_utils.unique_combination_of_columns"
SEVERITIES = ("error", "warn")
# libyaml's loader where PyYAML was built with it: the pure-Python one took about a second to read the
# 41 model files in every process that loads the definitions
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ModelYmlError(ValueError):
    """A model's `.yml` that does not say what the contract needs, or says it in a way not understood."""


@dataclass(frozen=True)
class DataTest:
    """One data test of a model: its kind, the columns it reads and its arguments as dbt writes them.

    `name` and `description` are the rule and meaning shown when it fails; `severity` is dbt's (error, warn).
    """

    kind: str
    columns: tuple[str, ...]
    arguments: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    name: str | None = None
    description: str | None = None
    severity: str = "error"


@dataclass(frozen=True)
class Column:
    """A column of a model: its description and the DuckDB type it is published with (a seed's may be
    empty: the CSV's)."""

    name: str
    description: str
    data_type: str


@dataclass(frozen=True)
class ModelSpec:
    """A model's contract: description, columns in order, and every data test (model's and columns')."""

    name: str
    description: str
    columns: tuple[Column, ...]
    tests: tuple[DataTest, ...]
    # dbt's `config: {materialized: incremental}`, here by month: the column whose month each row is of
    month_column: str | None = None
    # and how many months before its own a row's figures read (a rolling 12 months: 11)
    lookback_months: int = 0
    # the months an upstream row reaches when not those of its own `month_column`: (schema.table, a SQL
    # list of the months, over that table's columns)
    upstream_months: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        """Return the model's grain: the columns of its one uniqueness test (empty when it has none)."""
        keys = [t.columns for t in self.tests if t.kind in ("unique", KEY_OF_COLUMNS)]
        if len(keys) > 1:
            raise ModelYmlError(f"model {self.name}: more than one uniqueness test, so no one grain: {keys}")
        return keys[0] if keys else ()

    def column_tests(self, column: str) -> tuple[DataTest, ...]:
        """Return the tests reading one column alone."""
        return tuple(t for t in self.tests if t.columns == (column,) and t.kind != KEY_OF_COLUMNS)


def _test(where: str, entry: Any, column: str | None) -> DataTest:
    """Return one data test entry (`not_null`, `{accepted_values: {...}}` or `{name:, test_name:, ...}`)."""
    if isinstance(entry, str):
        kind, body = entry, {}
    elif isinstance(entry, dict) and "test_name" in entry:
        kind, body = entry["test_name"], entry
    elif isinstance(entry, dict) and len(entry) == 1:
        kind, body = next(iter(entry.items()))
        body = body or {}
    else:
        raise ModelYmlError(f"{where}: a data test is a name or one mapping, not {entry!r}")
    if kind not in (*COLUMN_TESTS, KEY_OF_COLUMNS):
        raise ModelYmlError(
            f"{where}: unknown data test {kind!r} (known: {', '.join(COLUMN_TESTS)}, {KEY_OF_COLUMNS})"
        )
    arguments = dict(body.get("arguments") or {})
    if kind == KEY_OF_COLUMNS:
        if column is not None:
            raise ModelYmlError(f"{where}: {KEY_OF_COLUMNS} is a model's test, not a column's")
        columns = tuple(arguments.get("combination_of_columns") or ())
        if not columns:
            raise ModelYmlError(f"{where}: {KEY_OF_COLUMNS} needs arguments.combination_of_columns")
    elif column is None:
        raise ModelYmlError(f"{where}: {kind} is a column's test: put it under the column")
    else:
        columns = (column,)
    if kind == "accepted_values" and not arguments.get("values"):
        raise ModelYmlError(f"{where}: accepted_values needs arguments.values")
    if kind == "relationships" and not (arguments.get("to") and arguments.get("field")):
        raise ModelYmlError(f"{where}: relationships needs arguments.to and arguments.field")
    severity = str((body.get("config") or {}).get("severity", "error")).lower()
    if severity not in SEVERITIES:
        raise ModelYmlError(f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    return DataTest(
        kind,
        columns,
        arguments,
        body.get("name"),
        str(body["description"]).strip() if body.get("description") else None,
        severity,
    )


def _spec(path: Path, entry: Any, typed: bool) -> ModelSpec:
    """Return the contract one `models:` (`typed`: each column has a data_type) or `seeds:` entry declares."""
    name = entry.get("name") if isinstance(entry, dict) else None
    if not name:
        raise ModelYmlError(f"{path}: every entry needs a name, not {entry!r}")
    columns, tests = [], [_test(f"{path}: model {name}", t, None) for t in entry.get("data_tests") or []]
    for column in entry.get("columns") or []:
        column_name = column.get("name") if isinstance(column, dict) else None
        where = f"{path}: column {column_name!r}"
        if not column_name or (typed and not column.get("data_type")) or column.get("description") is None:
            raise ModelYmlError(f"{where}: every column needs a name, a description and a data_type")
        data_type = str(column.get("data_type") or "")
        columns.append(Column(str(column_name), str(column["description"]).strip(), data_type))
        tests += [_test(where, t, str(column_name)) for t in column.get("data_tests") or []]
    names = {c.name for c in columns}
    unknown = sorted({c for t in tests for c in t.columns} - names)
    if unknown:
        raise ModelYmlError(f"{path}: data tests read columns the model does not document: {unknown}")
    return ModelSpec(
        str(name),
        str(entry.get("description") or "").strip(),
        tuple(columns),
        tuple(tests),
        *_by_month(f"{path}: model {name}", entry.get("config") or {}, names),
    )


def _by_month(
    where: str, config: Any, columns: set[str]
) -> tuple[str | None, int, tuple[tuple[str, str], ...]]:
    """Return the column an incremental model is rebuilt by month of, the months before its own a row
    reads, and the months upstream rows without that column reach (`config: {materialized: incremental,
    month_column: ..., lookback_months: ..., upstream_months: {schema.table: SQL list of months}}`), or
    (None, 0, ()) for a table rebuilt whole (`table`, dbt's default)."""
    if not isinstance(config, dict):
        raise ModelYmlError(f"{where}: config is a mapping, not {config!r}")
    materialized = config.get("materialized", "table")
    month_column = config.get("month_column")
    lookback = config.get("lookback_months", 0)
    reach = config.get("upstream_months", {})
    if materialized == "table" and not config.keys() & {"month_column", "lookback_months", "upstream_months"}:
        return None, 0, ()
    if (
        materialized != "incremental"
        or month_column not in columns
        or not isinstance(lookback, int)
        or isinstance(lookback, bool)
        or lookback < 0
        or not isinstance(reach, dict)
        or not all(
            isinstance(table, str) and table.count(".") == 1 and isinstance(months, str) and months.strip()
            for table, months in reach.items()
        )
    ):
        raise ModelYmlError(
            f"{where}: config takes materialized: table (the default), or materialized: incremental with "
            f"month_column: one of the model's columns (the month each row is of), optionally "
            f"lookback_months: how many earlier months a row's figures read (0, the default, or more), "
            f"and optionally upstream_months: a mapping of upstream tables (schema.table) to the SQL list "
            f"of the months each of their rows reaches, not {config!r}"
        )
    return str(month_column), lookback, tuple((table, months.strip()) for table, months in reach.items())


def _entries(path: Path, key: str) -> list[Any]:
    spec = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    entries = spec.get(key) if isinstance(spec, dict) else None
    if not isinstance(entries, list):
        raise ModelYmlError(f"{path}: expected `{key}:`, a list, as dbt writes it")
    return entries


def read_model_spec(path: Path) -> ModelSpec:
    """Return the contract of the model `path` documents (`<name>.yml`: dbt's `models:` with that name)."""
    models = _entries(path, "models")
    if len(models) != 1 or not isinstance(models[0], dict):
        raise ModelYmlError(f"{path}: expected `models:` holding one model, as dbt writes it")
    if models[0].get("name") != path.stem:
        raise ModelYmlError(f"{path}: the model is named {models[0].get('name')!r}, the file {path.stem!r}")
    return _spec(path, models[0], typed=True)


def read_model_specs(folder: Path) -> list[ModelSpec]:
    """Return the contract of every model documented in `folder` (its `*.yml`), by name."""
    return [read_model_spec(path) for path in sorted(folder.glob("*.yml"))]


def read_seed_specs(path: Path) -> list[ModelSpec]:
    """Return the contract of every seed `path` documents (dbt's `seeds:`; a column's type is the CSV's,
    so its data_type may be left out, and is then empty)."""
    return [_spec(path, entry, typed=False) for entry in _entries(path, "seeds")]
