"""Which month each received row is for, and which months were validated against which rules."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.contract import SubmissionType
from assets.models.seeds import table_digests
from assets.validate.periods import parse_periods

# The reference tables the submission suites read; a change to any of them is a change of rules.
VALIDATION_SEEDS = (
    "partners",
    "joint_services",
    "measures",
    "staff_groups",
    "service_partners",
    "service_measures",
    "measure_plausibility",
    "figure_ceilings",
)


def suite_name(kind: SubmissionType) -> str:
    """Return the name of the expectation suite (file in `expectations/`) for a submission type."""
    return f"submission_{kind.name}"


def row_months(raw: pl.DataFrame) -> pl.Series:
    """Return the first day of the month each raw row's `period` (read with its `date_order`) falls in.

    A quarter falls in its first month; a period that cannot be read has none.
    """
    periods = parse_periods(raw.select("period", "date_order"))
    return periods["period"].dt.truncate("1mo").alias("month")


def rules_fingerprint(con: duckdb.DuckDBPyConnection, kind: SubmissionType, expectations_dir: Path) -> str:
    """Return a digest of the rules a type's rows are validated against: its suite (in `expectations_dir`)
    and the reference data."""
    digest = hashlib.sha256((expectations_dir / f"{suite_name(kind)}.json").read_bytes())
    for name, table in table_digests(con, "seeds", VALIDATION_SEEDS).items():
        digest.update(f"{name}:{table}".encode())
    return digest.hexdigest()


def stale_months(con: duckdb.DuckDBPyConnection, kind: SubmissionType, fingerprint: str) -> list[date]:
    """Return the months of a type last validated against rules other than `fingerprint`'s."""
    return [
        m
        for (m,) in con.execute(
            "select period_month from audit.month_validations "
            "where submission_type = ? and fingerprint <> ? order by period_month",
            [kind.name, fingerprint],
        ).fetchall()
    ]


def record_months(
    con: duckdb.DuckDBPyConnection,
    kind: SubmissionType,
    months: list[date],
    fingerprint: str,
    run_id: str | None,
) -> None:
    """Record that every row of a type for these months was validated against `fingerprint`'s rules."""
    if not months:
        return
    frame = pl.DataFrame({"period_month": months}, schema={"period_month": pl.Date})
    con.register("validated_months", frame.to_arrow())
    try:
        con.execute(
            "delete from audit.month_validations where submission_type = ? "
            "and period_month in (select period_month from validated_months)",
            [kind.name],
        )
        con.execute(
            "insert into audit.month_validations select ?, period_month, ?, ?, ? from validated_months",
            [kind.name, fingerprint, run_id, datetime.now()],
        )
    finally:
        con.unregister("validated_months")
