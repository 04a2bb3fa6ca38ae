"""Compile a Great Expectations suite (its JSON in `expectations/`) to DuckDB SQL with GE's pandas semantics.

Each expectation becomes three boolean SQL expressions over the frame's columns: `domain` (the rows its
`row_condition` keeps), `considered` (the rows GE does not set aside as missing) and `unexpected`.
Missing means what it means to pandas: null, and NaN in a float column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import polars as pl

from assets.query import quote

COMMON_KWARGS = {"row_condition", "mostly"}
KWARGS = {
    "expect_column_values_to_not_be_null": {"column"},
    "expect_column_values_to_be_null": {"column"},
    "expect_column_values_to_be_in_set": {"column", "value_set"},
    "expect_column_values_to_be_between": {"column", "min_value", "max_value", "strict_min", "strict_max"},
    "expect_column_values_to_be_in_type_list": {"column", "type_list"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A", "column_B", "or_equal", "ignore_row_if"},
    "expect_column_pair_values_to_be_equal": {"column_A", "column_B", "ignore_row_if"},
    "expect_compound_columns_to_be_unique": {"column_list", "ignore_row_if"},
    "expect_column_values_to_be_unique": {"column"},
}
EXPECTATION_KEYS = {"type", "kwargs", "meta", "severity", "id", "notes", "description"}
OPERATORS = {"==": "=", "!=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class SuiteCompileError(ValueError):
    """An expectation the compiler cannot turn into SQL (unknown type, kwarg or condition)."""


class MissingColumn(SuiteCompileError):
    """The frame lacks a column the expectation reads: GE fails the expectation with an exception."""


@dataclass(frozen=True)
class Check:
    """One expectation as SQL: the rows it sees, those it counts as not missing, and the unexpected ones.

    `considered` is None for the null expectations, whose results carry no missing count;
    `observed` (success, dtype name) is set when GE judges a column's pandas dtype rather than its rows;
    `window` is the key whose duplicates are unexpected; `error` says why GE could not evaluate it.
    """

    config: dict
    columns: tuple[str, ...]
    domain: str = "true"
    considered: str | None = "true"
    unexpected: str = "false"
    observed: tuple[bool, str] | None = None
    mostly: float = 1.0
    window: str | None = None
    error: str | None = None


@dataclass
class _Compiler:
    suite: str
    frame: pl.DataFrame
    parameters: Mapping[str, object]
    bound: dict[str, Any] = field(default_factory=dict)

    def fail(self, index: int, expectation: dict, problem: str) -> SuiteCompileError:
        rule = expectation.get("meta", {}).get("rule")
        return SuiteCompileError(
            f"suite {self.suite}, expectation {index + 1} ({expectation.get('type')}"
            f"{f', rule {rule}' if rule else ''}): {problem}"
        )

    def bind(self, value: Any) -> str:
        name = f"p{len(self.bound)}"
        self.bound[name] = value
        return f"${name}"

    def known(self, name: object) -> str:
        """The name of one of the frame's columns; raise MissingColumn for anything else."""
        if not isinstance(name, str) or name not in self.frame.columns:
            raise MissingColumn(f"no column {name!r} in the frame")
        return name

    def column(self, name: object) -> str:
        return quote(self.known(name))

    def present(self, name: object) -> str:
        """SQL true where the column has a value pandas does not treat as missing."""
        known = self.known(name)
        column = self.column(known)
        if self.frame.schema[known].is_float():
            return f"({column} is not null and not isnan({column}))"
        return f"({column} is not null)"

    def normalised(self, name: str) -> str:
        """The column with NaN as null, so that duplicates group as pandas groups them."""
        column = self.column(name)
        if self.frame.schema[name].is_float():
            return f"(case when isnan({column}) then null else {column} end)"
        return column

    def condition(self, condition: Any) -> str:
        """SQL for a GE 1.x row condition, as pandas' `DataFrame.query` evaluates it on missing values."""
        if not isinstance(condition, dict):
            raise SuiteCompileError(f"row_condition {condition!r} is not a condition object")
        kind = condition.get("type")
        if kind in ("and", "or") and set(condition) == {"type", "conditions"}:
            return "(" + f" {kind} ".join(self.condition(c) for c in condition["conditions"]) + ")"
        if set(condition) - {"type", "column", "operator", "parameter", "is_null"}:
            raise SuiteCompileError(f"row_condition {condition!r} has unknown keys")
        name = (condition.get("column") or {}).get("name")
        if kind == "nullity" and isinstance(condition.get("is_null"), bool):
            return f"not {self.present(name)}" if condition["is_null"] else self.present(name)
        operator = condition.get("operator")
        if kind != "comparison" or "parameter" not in condition:
            raise SuiteCompileError(f"row_condition {condition!r} is not understood")
        parameter = condition["parameter"]
        if operator in ("IN", "NOT_IN"):
            found = self.in_list(self.column(name), parameter)
            holds = f"({self.present(name)} and {found})"
            return holds if operator == "IN" else f"not {holds}"
        if operator not in OPERATORS or parameter is None:
            raise SuiteCompileError(f"row_condition operator {operator!r} on {parameter!r} is not understood")
        holds = f"({self.present(name)} and {self.column(name)} {OPERATORS[operator]} {self.bind(parameter)})"
        # pandas: a missing value is unequal to everything
        return f"not {holds}" if operator == "!=" else holds

    def in_list(self, column: str, values: Any) -> str:
        if not isinstance(values, (list, tuple, set)):
            raise SuiteCompileError(f"value set {values!r} is not a list")
        if not values:
            return "false"
        return f"coalesce({column} in (select unnest({self.bind(list(values))})), false)"

    def resolve(self, value: Any) -> Any:
        """Replace a `{"$PARAMETER": name}` by the named parameter's value."""
        if isinstance(value, dict) and set(value) == {"$PARAMETER"}:
            if value["$PARAMETER"] not in self.parameters:
                raise SuiteCompileError(f"no parameter {value['$PARAMETER']!r} was given")
            return self.parameters[value["$PARAMETER"]]
        return value

    def compile(self, index: int, expectation: dict) -> Check:
        kind = expectation.get("type")
        if kind not in KWARGS:
            raise self.fail(index, expectation, "the SQL compiler does not know this expectation type")
        if set(expectation) - EXPECTATION_KEYS:
            raise self.fail(index, expectation, f"unknown keys {sorted(set(expectation) - EXPECTATION_KEYS)}")
        unknown = set(expectation.get("kwargs", {})) - KWARGS[kind] - COMMON_KWARGS
        if unknown:
            raise self.fail(index, expectation, f"the SQL compiler does not know kwargs {sorted(unknown)}")
        kwargs = {k: self.resolve(v) for k, v in expectation["kwargs"].items()}
        config = {**expectation, "kwargs": kwargs}
        try:
            check = getattr(self, kind.removeprefix("expect_"))(config, kwargs)
            condition = kwargs.get("row_condition")
            domain = self.condition(condition) if condition else "true"
            mostly = kwargs.get("mostly", 1.0)
            if isinstance(mostly, bool) or not isinstance(mostly, (int, float)) or not 0 <= mostly <= 1:
                raise SuiteCompileError(f"mostly {mostly!r} is not between 0 and 1")
        except MissingColumn as problem:
            return Check(config, named_columns(kwargs), observed=(False, "None"), error=str(problem))
        except (SuiteCompileError, KeyError, TypeError) as problem:
            raise self.fail(index, expectation, str(problem)) from None
        return replace(check, domain=domain, mostly=float(mostly))

    def column_values_to_not_be_null(self, config: dict, kwargs: dict) -> Check:
        return Check(
            config, (kwargs["column"],), considered=None, unexpected=f"not {self.present(kwargs['column'])}"
        )

    def column_values_to_be_null(self, config: dict, kwargs: dict) -> Check:
        return Check(config, (kwargs["column"],), considered=None, unexpected=self.present(kwargs["column"]))

    def column_values_to_be_in_set(self, config: dict, kwargs: dict) -> Check:
        name = kwargs["column"]
        return Check(
            config,
            (name,),
            considered=self.present(name),
            unexpected=f"not ({self.in_list(self.column(name), kwargs['value_set'])})",
        )

    def column_values_to_be_between(self, config: dict, kwargs: dict) -> Check:
        name, low, high = kwargs["column"], kwargs.get("min_value"), kwargs.get("max_value")
        if low is None and high is None:
            raise SuiteCompileError("min_value and max_value cannot both be None")
        if low is not None and high is not None and low > high:
            raise SuiteCompileError("min_value cannot be greater than max_value")
        column = self.column(name)
        bounds = []
        if low is not None:
            bounds.append(f"{column} {'>' if kwargs.get('strict_min') else '>='} {self.bind(low)}")
        if high is not None:
            bounds.append(f"{column} {'<' if kwargs.get('strict_max') else '<='} {self.bind(high)}")
        return Check(
            config, (name,), considered=self.present(name), unexpected=f"not ({' and '.join(bounds)})"
        )

    def column_values_to_be_in_type_list(self, config: dict, kwargs: dict) -> Check:
        name = kwargs["column"]
        self.column(name)
        matches, observed = type_list_check(self.frame[name], kwargs["type_list"])
        if observed is not None:  # GE judges the pandas dtype of the whole column
            return Check(config, (name,), observed=(matches, observed))
        # an object column: GE checks each value's Python type
        return Check(
            config, (name,), considered=self.present(name), unexpected="false" if matches else "true"
        )

    def _pair(self, config: dict, kwargs: dict, holds: str) -> Check:
        a, b = kwargs["column_A"], kwargs["column_B"]
        ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
        considered = {
            "both_values_are_missing": f"({self.present(a)} or {self.present(b)})",
            "either_value_is_missing": f"({self.present(a)} and {self.present(b)})",
            "neither": "true",
        }
        if ignore not in considered:
            raise SuiteCompileError(f"ignore_row_if {ignore!r} is not understood")
        # pandas compares missing values as false, so a row with one is unexpected unless ignored
        return Check(
            config,
            (a, b),
            considered=considered[ignore],
            unexpected=f"not ({self.present(a)} and {self.present(b)} and {holds})",
        )

    def column_pair_values_a_to_be_greater_than_b(self, config: dict, kwargs: dict) -> Check:
        operator = ">=" if kwargs.get("or_equal") else ">"
        return self._pair(
            config, kwargs, f"{self.column(kwargs['column_A'])} {operator} {self.column(kwargs['column_B'])}"
        )

    def column_pair_values_to_be_equal(self, config: dict, kwargs: dict) -> Check:
        return self._pair(
            config, kwargs, f"{self.column(kwargs['column_A'])} = {self.column(kwargs['column_B'])}"
        )

    def column_values_to_be_unique(self, config: dict, kwargs: dict) -> Check:
        # a missing value is set aside, and every row of a value found twice or more is unexpected
        name = kwargs["column"]
        return Check(config, (name,), considered=self.present(name), window=self.normalised(name))

    def compound_columns_to_be_unique(self, config: dict, kwargs: dict) -> Check:
        names = list(kwargs["column_list"])
        ignore = kwargs.get("ignore_row_if", "all_values_are_missing")
        present = [self.present(n) for n in names]
        considered = {
            "all_values_are_missing": "(" + " or ".join(present) + ")",
            "any_value_is_missing": "(" + " and ".join(present) + ")",
            "never": "true",
        }
        if ignore not in considered:
            raise SuiteCompileError(f"ignore_row_if {ignore!r} is not understood")
        key = ", ".join(self.normalised(n) for n in names)
        return Check(config, tuple(names), considered=considered[ignore], window=key)


def named_columns(kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The columns an expectation's kwargs name as what it checks (not those of its row condition)."""
    named = (*map(kwargs.get, ("column", "column_A", "column_B")), *kwargs.get("column_list", ()))
    return tuple(filter(None, named))


def suite_columns(suite: dict[str, Any]) -> set[str]:
    """The columns a suite's expectations name, those of their row conditions included."""
    names: set[str] = set()

    def named_in(condition: dict[str, Any]) -> None:
        column = condition.get("column")
        if isinstance(column, dict) and "name" in column:
            names.add(column["name"])
        for inner in condition.get("conditions", []):
            named_in(inner)

    for expectation in suite.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        names.update(named_columns(kwargs))
        if isinstance(kwargs.get("row_condition"), dict):
            named_in(kwargs["row_condition"])
    return names


def compile_suite(
    spec: dict, frame: pl.DataFrame, parameters: Mapping[str, object]
) -> tuple[list[Check], dict]:
    """Return the suite's expectations as checks on `frame`, and the values their SQL binds by name."""
    compiler = _Compiler(spec.get("name", "?"), frame, parameters)
    return [compiler.compile(i, e) for i, e in enumerate(spec["expectations"])], compiler.bound


@dataclass(frozen=True)
class Counts:
    """What a check found: rows in its domain, those not missing, and the unexpected rows' positions."""

    elements: int
    considered: int
    unexpected: list[int]


def _sql(check: Check, index: int) -> tuple[str, str, str]:
    considered = check.considered or "true"
    unexpected = f'"__w{index}" > 1' if check.window else check.unexpected
    return f"({check.domain})", f"({considered})", f"({unexpected})"


def _run(con: duckdb.DuckDBPyConnection, sql: str, bound: dict) -> list[tuple]:
    named = set(re.findall(r"\$(p\d+)\b", sql))
    used = {name: value for name, value in bound.items() if name in named}
    return con.execute(sql, used).fetchall()


def _unbindable(con: duckdb.DuckDBPyConnection, view: str, checks: list[Check], bound: dict) -> list[Check]:
    """Turn each check whose SQL DuckDB cannot bind (values of types that do not compare) into a failed check:
    pandas cannot compare them either, and GE reports the expectation as failed with the exception."""
    probed = []
    for i, check in enumerate(checks):
        d, c, u = _sql(check, i)
        window = f', count(*) over (partition by {check.window}) as "__w{i}"' if check.window else ""
        try:
            _run(
                con,
                f"select count(*) filter (where {d} and {c} and {u}) from "
                f"(select *{window} from {view} limit 0)",
                bound,
            )
            probed.append(check)
        except duckdb.Error as problem:
            probed.append(
                replace(
                    check,
                    observed=(False, "None"),
                    error=str(problem).splitlines()[0],
                    domain="true",
                    considered="true",
                    unexpected="false",
                    window=None,
                )
            )
    return probed


def evaluate(
    con: duckdb.DuckDBPyConnection, relation: str, checks: list[Check], bound: dict
) -> tuple[list[Check], list[Counts]]:
    """Run the checks over every row of `relation` in `con` (a table, a view, or a parenthesised query
    with an alias), whose `__pos` column places each row; unexpected rows are given by their `__pos`.

    Returns the checks as run (those DuckDB could not bind become failed ones) and what each found.
    """
    try:
        totals, found = _counts(con, relation, checks, bound)
    except duckdb.Error:
        checks = _unbindable(con, relation, checks, bound)
        totals, found = _counts(con, relation, checks, bound)
    return checks, [Counts(totals[3 * i], totals[3 * i + 1], found.get(i, [])) for i in range(len(checks))]


def type_sample(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> pl.DataFrame:
    """Return two rows of `relation` (ordered by `__pos`) on which each named column has the type
    verdict the whole column has: its first value that is not null, then null if it holds one anywhere.

    A type list is judged on a column's pandas dtype (which depends on whether it holds a null) or on
    its first value, so the suite can be compiled on this sample instead of every row; the columns
    not named are null.
    """
    schema = con.execute(f"select * exclude (__pos) from {relation} limit 0").pl().schema
    found = (
        con.execute(
            "select "
            + ", ".join(
                f"first({q} order by __pos) filter (where {q} is not null), bool_or({q} is null)"
                for q in map(quote, columns)
            )
            + f" from {relation}"
        ).fetchone()
        if columns
        else None
    ) or ()
    values = {c: (found[2 * i], None if found[2 * i + 1] else found[2 * i]) for i, c in enumerate(columns)}
    return pl.DataFrame(
        [pl.Series(c, values.get(c, (None, None)), dtype=dtype) for c, dtype in schema.items()]
    )


def _counts(
    con: duckdb.DuckDBPyConnection, view: str, checks: list[Check], bound: dict
) -> tuple[tuple, dict[int, list[int]]]:
    windows = "".join(
        f', count(*) over (partition by {_sql(c, i)[0]} and {_sql(c, i)[1]}, {c.window}) as "__w{i}"'
        for i, c in enumerate(checks)
        if c.window
    )
    rows = f"with t as (select *{windows} from {view}) "
    counts = [
        f"count(*) filter (where {d}), count(*) filter (where {d} and {c}), "
        f"count(*) filter (where {d} and {c} and {u})"
        for d, c, u in (_sql(check, i) for i, check in enumerate(checks))
    ]
    (totals,) = _run(con, rows + "select " + ", ".join(counts) + " from t", bound) if checks else [()]
    failing = [i for i, check in enumerate(checks) if totals[3 * i + 2] and not check.observed]
    found: dict[int, list[int]] = {i: [] for i in failing}
    if failing:
        union = " union all ".join(
            f"select {i} as e, __pos from t where {d} and {c} and {u}"
            for i, (d, c, u) in ((i, _sql(checks[i], i)) for i in failing)
        )
        for i, position in _run(con, rows + union + " order by e, __pos", bound):
            found[i].append(position)
    return totals, found


def pandas_dtype(column: pl.Series) -> Any:
    """Return the dtype pandas gives this column once converted (an integer column with nulls is float64)."""
    sample = pl.concat([column.drop_nulls().head(1), column.filter(column.is_null()).head(1)])
    return sample.to_pandas().dtype


def type_list_check(column: pl.Series, type_list: Any) -> tuple[bool, str | None]:
    """Return GE's verdict on a type list: (success, observed dtype name) from the column's pandas dtype,
    or, for an object column whose values GE checks one by one, (its values match, None)."""
    import numpy as np

    if not isinstance(type_list, list) or not type_list:
        raise SuiteCompileError(f"type_list {type_list!r} is not a list of type names")
    try:
        dtypes = [np.dtype(t) for t in type_list]
    except TypeError:
        raise SuiteCompileError(f"type_list {type_list!r} names a type that is not a numpy dtype") from None
    dtype = pandas_dtype(column)
    if dtype.type.__name__ != "object_":
        return any(dtype == d for d in dtypes), dtype.type.__name__
    values = column.drop_nulls().head(1).to_pandas()
    return values.empty or isinstance(values.iloc[0], tuple(d.type for d in dtypes)), None
