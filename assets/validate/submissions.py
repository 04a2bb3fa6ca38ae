"""Validate newly received submission rows: load the good ones, quarantine the rest with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from assets.contract import SubmissionType
from assets.validate.records import record_run
from assets.validate.reference import suite_parameters, with_check_columns
from assets.validate.suites import SuiteResult, run_suite
from assets.validate.typing import FINDING_SCHEMA, cast_rows
from assets.warehouse import validated_columns


@dataclass(frozen=True)
class ValidationOutcome:
    """What validating one submission type's new files did."""

    submission_type: str
    files: int
    rows_received: int
    rows_loaded: int
    rows_quarantined: int
    suite: SuiteResult
    findings: pl.DataFrame


def suite_name(kind: SubmissionType) -> str:
    """Return the name of the expectation suite (file in `expectations/`) for a submission type."""
    return f"submission_{kind.name}"


def check_rows(con: duckdb.DuckDBPyConnection, typed: pl.DataFrame,
               kind: SubmissionType) -> SuiteResult:
    """Run the submission type's suite over typed rows that carry a `row_id`."""
    return run_suite(with_check_columns(typed, con, kind), suite_name(kind), suite_parameters(con))


def _write_findings(con: duckdb.DuckDBPyConnection, table: str, findings: pl.DataFrame,
                    raw: pl.DataFrame, kind: SubmissionType, run_id: str | None) -> None:
    if findings.is_empty():
        return
    at = "quarantined_at" if table == "quarantine" else "warned_at"
    rows = findings.join(raw.select("row_id", "file_hash", "file_name", "sheet_name", "row_number"),
                         on="row_id").select(
        "file_hash", "file_name", "sheet_name", pl.lit(kind.name).alias("submission_type"),
        "row_number", "column_name", "rule", "value", "meaning",
        pl.lit(run_id, pl.String).alias("run_id"), pl.lit(datetime.now()).alias(at))
    con.register("finding_rows", rows.to_arrow())
    con.execute(f"insert into audit.{table} by name select * from finding_rows")
    con.unregister("finding_rows")


def _text_repairs(typed: pl.DataFrame, kind: SubmissionType) -> pl.DataFrame:
    """Return, per file, how many free-text values were repaired."""
    repaired = (pl.sum_horizontal([pl.col(f"{c}_as_received").is_not_null() for c in kind.free_text])
                if kind.free_text else pl.lit(0))
    return typed.group_by("file_hash").agg(repaired.sum().cast(pl.Int64).alias("repairs"))


def validate_new_rows(con: duckdb.DuckDBPyConnection, kind: SubmissionType,
                      run_id: str | None = None) -> ValidationOutcome:
    """Validate rows of files not yet validated; write loaded rows, quarantine and the load log."""
    raw = con.execute(
        f"select r.*, l.date_order, l.percent_scale from raw.{kind.name} as r "
        "join audit.load_log as l on l.file_hash = r.file_hash and l.submission_type = ? "
        "where l.status = 'received' order by r.file_name, r.sheet_name nulls first, r.row_number",
        [kind.name]).pl()
    raw = raw.with_row_index("row_id").with_columns(pl.col("row_id").cast(pl.Int64))
    units = con.execute("select measure_code, unit from seeds.measures").pl()
    typed, type_findings = cast_rows(raw, kind, units)
    checkable = typed.filter(~pl.col("row_id").is_in(type_findings["row_id"].implode()))
    suite = check_rows(con, checkable, kind)
    findings = pl.concat([type_findings, suite.findings]).cast(FINDING_SCHEMA)
    errors = findings.filter(pl.col("severity") == "critical")
    warnings = findings.filter(pl.col("severity") != "critical")
    loaded = typed.filter(~pl.col("row_id").is_in(errors["row_id"].implode()))

    con.begin()
    try:
        con.register("loaded_rows", loaded.select(c for c, _ in validated_columns(kind)).to_arrow())
        con.execute(f"insert into validated.{kind.name} by name select * from loaded_rows")
        con.unregister("loaded_rows")
        con.register("repairs", _text_repairs(typed, kind).to_arrow())
        _write_findings(con, "quarantine", errors, raw, kind, run_id)
        _write_findings(con, "warnings", warnings, raw, kind, run_id)
        con.execute(
            f"""
            update audit.load_log as l set
                rows_loaded = coalesce(v.loaded, 0),
                rows_quarantined = l.rows_received - coalesce(v.loaded, 0),
                text_repairs = coalesce(v.repairs, 0),
                status = 'validated', validated_at = now()
            from (select l2.file_hash, count(v2.file_hash) as loaded, any_value(r.repairs) as repairs
                  from audit.load_log as l2
                  left join validated.{kind.name} as v2 on v2.file_hash = l2.file_hash
                  left join repairs as r on r.file_hash = l2.file_hash
                  where l2.status = 'received' and l2.submission_type = ?
                  group by l2.file_hash) as v
            where l.file_hash = v.file_hash and l.submission_type = ?
            """, [kind.name, kind.name])
        con.unregister("repairs")
        record_run(con, suite, f"raw.{kind.name}", run_id, rows=raw.height,
                   errors=errors["row_id"].n_unique(), warnings=warnings["row_id"].n_unique())
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return ValidationOutcome(kind.name, raw["file_hash"].n_unique(), raw.height, loaded.height,
                             raw.height - loaded.height, suite, findings)
