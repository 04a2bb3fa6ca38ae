"""Run a Great Expectations suite from `expectations/` over a frame and return row-level findings."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from assets.validate.typing import FINDING_SCHEMA
from pipelines.settings import EXPECTATIONS_DIR

# GE validates through pandas; bounded chunks keep memory flat on large marts.
CHUNK_ROWS = 250_000
# What a stored result keeps of each expectation's outcome: counts and GE's sample of bad values, not
# the full lists of unexpected values and row indexes (those become row findings instead).
UNBOUNDED_RESULT_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query",
                         "partial_unexpected_index_list", "unexpected_rows")


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


def bounded_result(outcome) -> dict:
    """Return a GE suite validation result as JSON without its unbounded lists of unexpected values."""
    result = outcome.to_json_dict()
    for expectation in result["results"]:
        for key in UNBOUNDED_RESULT_KEYS:
            expectation["result"].pop(key, None)
    return result


def chunks(frame: pl.DataFrame, key: tuple[str, ...] = ()) -> list[pl.DataFrame]:
    """Split a frame into pieces of about CHUNK_ROWS rows; rows sharing a key stay in one piece.

    Keeping a key's rows together lets a uniqueness expectation see every copy of a duplicate.
    """
    pieces = -(-frame.height // CHUNK_ROWS)
    if pieces <= 1:
        return [frame]
    if not key:
        return [frame.slice(offset, CHUNK_ROWS) for offset in range(0, frame.height, CHUNK_ROWS)]
    bucket = pl.struct(list(key)).hash() % pieces
    return [part.drop("_chunk") for _, part in frame.with_columns(bucket.alias("_chunk"))
            .sort("_chunk", "row_id").group_by("_chunk", maintain_order=True)]


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@cache
def _suite_and_batch(suite_name: str):
    import great_expectations as gx

    context = _context()
    spec = json.loads((EXPECTATIONS_DIR / f"{suite_name}.json").read_text())
    suite = context.suites.add(gx.ExpectationSuite(**spec))
    source = context.data_sources.add_pandas(f"frames_{suite_name}")
    batch = source.add_dataframe_asset(suite_name).add_batch_definition_whole_dataframe("whole")
    return suite, batch


def suite_expectation_count(suite_name: str) -> int:
    """Return how many expectations the suite file holds."""
    return len(json.loads((EXPECTATIONS_DIR / f"{suite_name}.json").read_text())["expectations"])


@cache
def unique_key(suite_name: str) -> tuple[str, ...]:
    """Return the columns the suite expects to be unique together (none if it has no such rule)."""
    spec = json.loads((EXPECTATIONS_DIR / f"{suite_name}.json").read_text())
    return next((tuple(e["kwargs"]["column_list"]) for e in spec["expectations"]
                 if e["type"] == "expect_compound_columns_to_be_unique"), ())


def _findings(result) -> list[dict]:
    config = result.expectation_config
    kwargs = config.kwargs
    columns = [*(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs),
               *kwargs.get("column_list", ())]
    base = {"column_name": config.meta.get("columns", ", ".join(columns)),
            "rule": config.meta.get("rule", config.type),
            "severity": config.severity.value, "meaning": config.meta.get("meaning", config.type)}
    indexed = result.result.get("unexpected_index_list")
    if not indexed:
        return [base | {"row_id": None, "value": str(result.result.get("observed_value"))}]
    return [base | {"row_id": int(row["row_id"]),
                    "value": ", ".join(f"{c}={_text(row.get(c))}" for c in columns)
                    if len(columns) > 1 else _text(row.get(columns[0])) if columns else None}
            for row in indexed]


def _text(value: object) -> str | None:
    """Return a bad value as text for the quarantine, None for a missing one."""
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    # a date column reaches pandas as a timestamp at midnight: show it as the date it is
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return str(value)


def run_suite(frame: pl.DataFrame, suite_name: str, parameters: dict[str, list]) -> SuiteResult:
    """Validate `frame` (which must have a unique `row_id`) with the named suite, chunk by chunk."""
    start = time.perf_counter()
    suite, batch_definition = _suite_and_batch(suite_name)
    rows: list[dict] = []
    failed: set[str] = set()
    results = []
    for chunk in chunks(frame, unique_key(suite_name)):
        batch = batch_definition.get_batch(batch_parameters={"dataframe": chunk.to_pandas()})
        outcome = batch.validate(
            suite, expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]})
        results.append(bounded_result(outcome))
        for result in outcome.results:
            if not result.success:
                failed.add(result.expectation_config.id or result.expectation_config.type)
                rows += _findings(result)
    findings = pl.DataFrame(rows, schema=FINDING_SCHEMA)
    return SuiteResult(suite_name, findings, frame.height, len(suite.expectations), len(failed),
                       time.perf_counter() - start, tuple(results))
