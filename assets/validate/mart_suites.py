"""Validate a published mart with its suite (`expectations/mart_<name>.json`), compiled to SQL.

Every mart documented in `dbt_like_sql/marts` is checked, and the rules its `.yml` declares as dbt data
tests (its grain: unique and not null; accepted values) open its suite, generated from the `.yml`
(`mart_suite`); the rules only a suite can say (ranges, one column against another, conditions) follow,
written in the suite itself. Relationships between marts are declared in the `.yml` and published in
the contract, not checked here.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import duckdb

from assets.models.model_yml import KEY_OF_COLUMNS, DataTest, ModelSpec, read_model_specs
from assets.query import quote
from assets.validate.suite_sql import suite_columns
from assets.validate.suites import SuiteResult, run_suite_in_database, suite_spec

# a generated expectation names the file it comes from; those without it are the suite's own rules
DECLARED_IN = "declared_in"
# A mart's rows as its suite sees them, each with its `rowid` as `row_id` (the row a finding names):
# some rules need the measure's unit from reference data.
FRAMES = {
    "fct_measure_period": "select f.rowid as row_id, f.*, m.unit from marts.fct_measure_period as f "
    "left join seeds.measures as m using (measure_code)",
    "accountability": "select a.rowid as row_id, a.*, m.unit from marts.accountability as a "
    "left join seeds.measures as m using (measure_code)",
}
SEVERITY = {"error": "critical", "warn": "warning"}


def mart_suite_name(mart: str) -> str:
    """Return the name of a mart's suite (its file in `expectations/`)."""
    return f"mart_{mart}"


def _in_words(columns: tuple[str, ...]) -> str:
    return columns[0] if len(columns) == 1 else f"{', '.join(columns[:-1])} and {columns[-1]}"


def _expectation(spec: ModelSpec, test: DataTest) -> dict[str, Any] | None:
    """Return the Great Expectations expectation a dbt data test states (None for relationships)."""
    column = test.columns[0]
    kwargs: dict[str, object]
    if test.kind == "unique":
        kind, kwargs = "expect_column_values_to_be_unique", {"column": column}
        rule, meaning = "keys_unique", f"one row per {column}"
    elif test.kind == KEY_OF_COLUMNS:
        kind, kwargs = "expect_compound_columns_to_be_unique", {"column_list": list(test.columns)}
        rule, meaning = "keys_unique", f"one row per {_in_words(test.columns)}"
    elif test.kind == "not_null":
        kind, kwargs = "expect_column_values_to_not_be_null", {"column": column}
        in_key = column in spec.key
        rule = "keys_not_null" if in_key else f"{column}_not_null"
        meaning = f"{column} is always filled in" + (", as a column of the grain" if in_key else "")
    elif test.kind == "accepted_values":
        kind, kwargs = (
            "expect_column_values_to_be_in_set",
            {"column": column, "value_set": list(test.arguments["values"])},
        )
        rule, meaning = f"{column}_in_set", f"{column} is one of the values the contract lists"
    else:
        return None
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": {
            "rule": test.name or rule,
            "meaning": test.description or meaning,
            DECLARED_IN: f"dbt_like_sql/marts/{spec.name}.yml",
        },
        "severity": SEVERITY[test.severity],
    }


def declared_expectations(spec: ModelSpec) -> list[dict[str, Any]]:
    """Return the expectations of a mart's `.yml` data tests: its grain first, then its columns' tests."""
    grain = [t for t in spec.tests if t.kind in ("unique", KEY_OF_COLUMNS)]
    rest = [t for t in spec.tests if t not in grain]
    return [e for e in (_expectation(spec, t) for t in grain + rest) if e is not None]


def mart_suite(spec: ModelSpec, current: dict[str, Any] | None) -> dict[str, Any]:
    """Return the mart's suite: the `.yml`'s expectations, then the `current` suite's own rules."""
    current = current or {}
    own = [e for e in current.get("expectations", []) if DECLARED_IN not in e.get("meta", {})]
    meta = current.get("meta") or {
        "mart": f"marts.{spec.name}",
        "great_expectations_version": importlib.metadata.version("great_expectations"),
    }
    return {
        "name": mart_suite_name(spec.name),
        "expectations": declared_expectations(spec) + own,
        "meta": meta,
        "notes": current.get("notes"),
    }


def mart_suite_texts(marts_dir: Path, expectations_dir: Path) -> dict[Path, str]:
    """Return {suite file: its text} for every mart of `marts_dir`, as the `.yml` files generate them."""
    texts = {}
    for spec in read_model_specs(marts_dir):
        path = expectations_dir / f"{mart_suite_name(spec.name)}.json"
        current = json.loads(path.read_text()) if path.exists() else None
        texts[path] = json.dumps(mart_suite(spec, current), indent=2, ensure_ascii=False) + "\n"
    return texts


def mart_rows(mart: str) -> str:
    """Return the query of a mart's rows as its suite sees them, `row_id` first (`FRAMES`)."""
    return FRAMES.get(mart, f"select rowid as row_id, * from marts.{quote(mart)}")


def validate_mart(con: duckdb.DuckDBPyConnection, mart: str, expectations_dir: Path) -> SuiteResult:
    """Run the mart's suite (from `expectations_dir`) over every row of `marts.<mart>` where it is, in the
    database, reading only the columns its rules name (a column they name that the mart lacks fails its
    rule as before); a finding's `row_id` is the mart row's `rowid`."""
    suite = suite_spec(expectations_dir, mart_suite_name(mart))
    source = mart_rows(mart)
    named = suite_columns(suite)
    mart_columns = [d[0] for d in con.execute(f"select * from ({source}) limit 0").description]
    columns = ["row_id", *(c for c in mart_columns if c in named and c != "row_id")]
    relation = f"(select {', '.join(quote(c) for c in columns)} from ({source})) as mart_rows"
    return run_suite_in_database(con, relation, suite, {})
