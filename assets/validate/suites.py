"""Run a Great Expectations suite from `expectations/` over a frame as DuckDB SQL; return row-level findings.

The suites stay the declared rules (and Great Expectations renders them and their results as Data Docs);
`suite_sql` compiles them to SQL with GE's pandas semantics, so a whole frame is checked in one pass.
"""

from __future__ import annotations

import importlib.metadata
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from assets.query import quote
from assets.validate.suite_sql import Check, Counts, compile_suite, evaluate, type_sample
from assets.validate.typing import FINDING_SCHEMA

if TYPE_CHECKING:
    from pandas._typing import ScalarOrNA

# How many unexpected values a stored result keeps as GE's sample (GE's own default).
PARTIAL_UNEXPECTED = 20
NO_EXCEPTION = {"raised_exception": False, "exception_traceback": None, "exception_message": None}


@dataclass(frozen=True)
class SuiteResult:
    """A suite's outcome on one frame: findings per row plus the summary shown in Dagster."""

    suite: str
    findings: pl.DataFrame
    rows_validated: int
    expectations_run: int
    expectations_failed: int
    seconds: float
    results: tuple[dict, ...] = ()

    @property
    def errors(self) -> int:
        """Count of distinct rows failing an ERROR (critical) expectation."""
        return self._rows("critical")

    @property
    def warnings(self) -> int:
        """Count of distinct rows failing a WARN (warning) expectation only as a warning."""
        return self._rows("warning")

    def _rows(self, severity: str) -> int:
        return self.findings.filter(pl.col("severity") == severity)["row_id"].n_unique()

    def metadata(self) -> dict[str, Any]:
        """Return the summary Dagster shows for this suite (counts and a sample of bad values)."""
        sample = self.findings.head(10).select("row_id", "column_name", "rule", "value")
        return {
            "suite": self.suite,
            "rows_validated": self.rows_validated,
            "expectations_run": self.expectations_run,
            "expectations_failed": self.expectations_failed,
            "rows_with_errors": self.errors,
            "rows_with_warnings": self.warnings,
            "unexpected_count": self.findings.height,
            "sample_of_bad_values": sample.to_dicts(),
            "seconds": round(self.seconds, 3),
        }


def suite_spec(expectations_dir: Path, suite_name: str) -> dict:
    """Return the named suite's JSON as written in `expectations_dir` (`expectations/`, or a scenario's)."""
    return json.loads((expectations_dir / f"{suite_name}.json").read_text())


def _text(value: ScalarOrNA) -> str | None:
    """Return a bad value as text for the quarantine, None for a missing one."""
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    # a date column reaches pandas as a timestamp at midnight: show it as the date it is
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return str(value)


def _as_pandas(frame: pl.DataFrame, positions: list[int], columns: tuple[str, ...]):
    """Return the rows at `positions` as pandas holds them once the whole frame is converted."""
    rows = frame.select(list(dict.fromkeys(["row_id", *columns])))[positions]
    # pandas has no integer with nulls: a whole column converted with a null in it becomes float64
    floats = [c for c in columns if frame.schema[c].is_integer() and frame[c].null_count()]
    return rows.with_columns(pl.col(floats).cast(pl.Float64)).to_pandas()


def _json(value: Any) -> Any:
    """Return a value pandas holds as GE writes it in a result's JSON."""
    import numpy as np
    import pandas as pd

    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if value is None or pd.isna(value):
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.isoformat()
    if isinstance(value, (np.generic, Decimal)):
        return value.item() if isinstance(value, np.generic) else float(value)
    return value


def _findings(check: Check, rows: Any) -> list[dict]:
    config, columns = check.config, check.columns
    base = {
        "column_name": config.get("meta", {}).get("columns", ", ".join(columns)),
        "rule": config.get("meta", {}).get("rule", config["type"]),
        "severity": config.get("severity", "critical"),
        "meaning": config.get("meta", {}).get("meaning", config["type"]),
    }
    if check.observed:
        return [base | {"row_id": None, "value": check.observed[1]}]
    return [
        base
        | {
            "row_id": int(row["row_id"]),
            "value": ", ".join(f"{c}={_text(row[c])}" for c in columns)
            if len(columns) > 1
            else _text(row[columns[0]]),
        }
        for row in rows.to_dict("records")
    ]


def _result(check: Check, counts: Counts, rows: Any) -> tuple[bool, dict]:
    """Return whether the check passed and its result as GE writes it (without the unbounded lists)."""
    if check.error:
        return False, {}
    if check.observed:
        return check.observed[0], {"observed_value": check.observed[1]}
    elements, unexpected = counts.elements, len(counts.unexpected)
    denominator = elements if check.considered is None else counts.considered
    success = not denominator or (denominator - unexpected) / denominator >= check.mostly
    sample = rows.head(PARTIAL_UNEXPECTED) if rows is not None else None
    columns = list(check.columns)
    if sample is None:
        values = []
    elif len(columns) == 1:
        values = [_json(v) for v in sample[columns[0]]]
    elif check.window is None:
        values = [_json([r[c] for c in columns]) for r in sample.to_dict("records")]
    else:
        values = [_json({c: r[c] for c in columns}) for r in sample.to_dict("records")]
    result: dict[str, Any] = {
        "element_count": elements,
        "unexpected_count": unexpected,
        "unexpected_percent": None,
        "partial_unexpected_list": values,
        "unexpected_index_column_names": ["row_id"],
    }
    total = unexpected / elements * 100 if elements else None
    if check.considered is None:
        result["unexpected_percent"] = total
    else:
        missing = elements - counts.considered
        nonmissing = unexpected / counts.considered * 100 if elements and counts.considered else None
        result |= {
            "unexpected_percent": nonmissing,
            "missing_count": missing,
            "missing_percent": missing / elements * 100 if elements else None,
            "unexpected_percent_total": total,
            "unexpected_percent_nonmissing": nonmissing,
        }
    tally = Counter(
        tuple(v.values()) if isinstance(v, dict) else tuple(v) if isinstance(v, list) else v for v in values
    )
    result["partial_unexpected_counts"] = [
        {"value": list(value) if isinstance(value, tuple) else value, "count": count}
        for value, count in sorted(tally.most_common(PARTIAL_UNEXPECTED), key=lambda x: (-x[1], repr(x[0])))
    ]
    return success, result


def _suite_result(suite_name: str, checks: list[Check], outcomes: list[tuple[bool, dict]]) -> dict:
    """Return the suite's outcome in the shape of GE's validation result (as `to_json_dict` writes it)."""
    results = [
        {
            "success": success,
            "expectation_config": {
                "type": c.config["type"],
                "kwargs": {"batch_id": f"sql-{suite_name}", **c.config["kwargs"]},
                "meta": c.config.get("meta", {}),
                "id": _id(suite_name, i),
                "severity": c.config.get("severity", "critical"),
            },
            "result": result,
            "meta": {},
            "exception_info": {**NO_EXCEPTION, "raised_exception": True, "exception_message": c.error}
            if c.error
            else dict(NO_EXCEPTION),
        }
        for i, (c, (success, result)) in enumerate(zip(checks, outcomes, strict=True))
    ]
    passed = sum(success for success, _ in outcomes)
    return {
        "success": passed == len(results),
        "results": results,
        "suite_name": suite_name,
        "suite_parameters": {},
        "statistics": {
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": passed / len(results) * 100 if results else None,
        },
        "meta": {"great_expectations_version": _ge_version(), "engine": "SQL compiled from the suite"},
        "id": None,
    }


def _id(suite_name: str, index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"joinedup:{suite_name}:{index}"))


@cache
def _ge_version() -> str:
    return importlib.metadata.version("great_expectations")


def run_suite(
    frame: pl.DataFrame,
    suite: dict,
    parameters: Mapping[str, object],
    con: duckdb.DuckDBPyConnection | None = None,
) -> SuiteResult:
    """Validate `frame` (which must have a unique `row_id`) with a suite (`suite_spec`), as SQL in one pass.

    The frame is registered in `con` (an in-memory DuckDB by default) for the time of the run.
    """
    start = time.perf_counter()
    checks, bound = compile_suite(suite, frame, parameters)
    connection = con or duckdb.connect()
    view = f"suite_frame_{id(frame)}"
    connection.register(view, frame.with_row_index("__pos").to_arrow())
    try:
        checks, counts = evaluate(connection, view, checks, bound)
    finally:
        connection.unregister(view)
        if con is None:
            connection.close()
    return _outcome(suite["name"], checks, counts, partial(_as_pandas, frame), frame.height, start)


def run_suite_in_database(
    con: duckdb.DuckDBPyConnection, relation: str, suite: dict, parameters: Mapping[str, object]
) -> SuiteResult:
    """Validate the rows of `relation` (a table, view or parenthesised query with an alias in `con`, with
    a unique BIGINT `row_id`) with a suite, where they are: no copy of them leaves the database but the
    rows a rule finds. The same findings and results as `run_suite` on a frame of those rows in `row_id`
    order.
    """
    start = time.perf_counter()
    placed = f"(select *, row_id as __pos from {relation}) as placed"
    typed = [
        e["kwargs"]["column"]
        for e in suite["expectations"]
        if e.get("type") == "expect_column_values_to_be_in_type_list" and "column" in e.get("kwargs", {})
    ]
    sample = type_sample(con, placed, list(dict.fromkeys(typed)))
    checks, bound = compile_suite(suite, sample, parameters)
    checks, counts = evaluate(con, placed, checks, bound)
    (height,) = con.execute(f"select count(*) from {relation}").fetchone() or (0,)
    return _outcome(
        suite["name"], checks, counts, partial(_rows_in, con, relation, sample.schema), height, start
    )


def _rows_in(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    schema: pl.Schema,
    row_ids: list[int],
    columns: tuple[str, ...],
):
    """Return the rows of `relation` with these (ascending) `row_id`s as pandas holds them once the whole
    relation is converted (`_as_pandas`)."""
    names = list(dict.fromkeys(["row_id", *columns]))
    con.register("suite_row_ids", pl.DataFrame({"row_id": row_ids}, schema={"row_id": pl.Int64}).to_arrow())
    try:
        rows = con.execute(
            f"select {', '.join(quote(n) for n in names)} from {relation} "
            "semi join suite_row_ids using (row_id) order by row_id"
        ).pl()
    finally:
        con.unregister("suite_row_ids")
    integers = [c for c in columns if schema[c].is_integer()]
    with_nulls = (
        con.execute(
            "select " + ", ".join(f"bool_or({quote(c)} is null)" for c in integers) + f" from {relation}"
        ).fetchone()
        if integers
        else ()
    )
    floats = [c for c, null in zip(integers, with_nulls or (), strict=True) if null]
    return rows.with_columns(pl.col(floats).cast(pl.Float64)).to_pandas()


def _outcome(
    suite_name: str,
    checks: list[Check],
    counts: list[Counts],
    rows_at: Callable[[list[int], tuple[str, ...]], Any],
    height: int,
    start: float,
) -> SuiteResult:
    """Return the suite's result from what its checks found; `rows_at` gives the unexpected rows."""
    findings: list[dict] = []
    outcomes = []
    for check, found in zip(checks, counts, strict=True):
        rows = rows_at(found.unexpected, check.columns) if found.unexpected else None
        outcome = _result(check, found, rows)
        outcomes.append(outcome)
        if not outcome[0]:
            findings += _findings(check, rows)
    failed = sum(not success for success, _ in outcomes)
    return SuiteResult(
        suite_name,
        pl.DataFrame(findings, schema=FINDING_SCHEMA),
        height,
        len(checks),
        failed,
        time.perf_counter() - start,
        (_suite_result(suite_name, checks, outcomes),),
    )
