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


@dataclass(frozen=True)
class SuiteResult:
    """A suite's outcome on one frame: findings per row plus the summary shown in Dagster."""

    suite: str
    findings: pl.DataFrame
    rows_validated: int
    expectations_run: int
    expectations_failed: int
    seconds: float

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


def _findings(result) -> list[dict]:
    config = result.expectation_config
    kwargs = config.kwargs
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
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

    return None if value is None or pd.isna(value) else str(value)


def run_suite(frame: pl.DataFrame, suite_name: str, parameters: dict[str, list]) -> SuiteResult:
    """Validate `frame` (which must have a unique `row_id`) with the named suite."""
    start = time.perf_counter()
    suite, batch_definition = _suite_and_batch(suite_name)
    rows: list[dict] = []
    failed: set[str] = set()
    for offset in range(0, max(frame.height, 1), CHUNK_ROWS):
        chunk = frame.slice(offset, CHUNK_ROWS)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": chunk.to_pandas()})
        outcome = batch.validate(
            suite, expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]})
        for result in outcome.results:
            if not result.success:
                failed.add(result.expectation_config.id or result.expectation_config.type)
                rows += _findings(result)
    findings = pl.DataFrame(rows, schema=FINDING_SCHEMA)
    return SuiteResult(suite_name, findings, frame.height, len(suite.expectations), len(failed),
                       time.perf_counter() - start)
