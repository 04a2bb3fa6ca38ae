"""What `joinedup run` and `backfill` say when a run ends: lines for a person, or JSON for a script."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from assets.ingest.inbox import SETTLE_SECONDS

if TYPE_CHECKING:
    import polars as pl

    from pipelines.run import RunReport
    from pipelines.settings import Settings

FILE_COUNTS = ("files", "files_rejected", "rows_received", "rows_loaded", "rows_quarantined")


def nothing_loaded(files: pl.DataFrame) -> list[str]:
    """Return a warning for each submission type that files were sent for but of which no row was loaded.

    `files` has a row per type with its counts (`FILE_COUNTS`): such a run did its job (every row is
    accounted for), yet whatever the files held is missing from the marts, so it must say so.
    """
    return [
        f"no {row['submission_type']} row was loaded: {row['files']} file(s) sent "
        f"{row['rows_received'] or 0} row(s); {row['rows_quarantined'] or 0} were quarantined and "
        f"{row['files_rejected']} file(s) rejected (the rules they broke are listed above)"
        for row in files.iter_rows(named=True)
        if row["files"] and not row["rows_loaded"]
    ]


def summary_lines(settings: Settings, report: RunReport) -> list[str]:
    """Return what a run did, line by line: months, files and rows per type, rules, warnings, failures."""
    outcome = (
        "FAILED"
        if not report.success
        else (f"succeeded, with {len(report.warnings)} warning(s)" if report.warnings else "succeeded")
    )
    lines = [f"run {report.run_id}: {outcome}"]
    lines.append(
        f"  months validated: {report.months[0]} to {report.months[-1]} ({len(report.months)} with figures)"
        if report.months
        else "  no month due: the marts were rebuilt and published without validating a month"
    )
    for row in report.files.iter_rows(named=True):
        lines.append(
            f"  {row['submission_type']:<10} {row['files']:>5} new file(s) "
            f"({row['files_rejected']} rejected): {row['rows_received'] or 0} rows received, "
            f"{row['rows_loaded'] or 0} loaded, {row['rows_quarantined'] or 0} quarantined"
        )
    if report.files.is_empty():
        lines.append("  no new partner files")
    if report.files_waiting:
        lines.append(
            f"  {len(report.files_waiting)} file(s) still being written (changed in the last "
            f"{SETTLE_SECONDS} s), left for the next run: {', '.join(report.files_waiting)}"
        )
    for row in report.findings_by_rule.iter_rows(named=True):
        lines.append(
            f"  {row['action']}: {row['submission_type']} rows breaking rule {row['rule']}: {row['findings']}"
        )
    if report.findings_by_rule.height:
        lines.append("  details (file, row, column, rule, value): audit.quarantine, audit.warnings")
    lines += [f"  WARNING: {warning}" for warning in report.warnings]
    for failed in report.failed_checks:
        if failed.severity == "ERROR":
            lines.append(
                f"  CHECK FAILED: {failed.asset} {failed.check}: publishing stopped; "
                + (
                    failed.description
                    or "the files and rows are in the check's metadata in the Dagster UI (make dev)"
                )
            )
    lines += [f"  STEP FAILED: {step.step}: {step.message}" for step in report.failed_steps]
    if not report.success:
        lines.append(
            "  yesterday's warehouse and scorecards stay published; once the cause is put "
            "right, run again (make run)"
        )
    if report.compaction is not None:
        done = report.compaction
        lines.append(
            f"  working database compacted once the run ended: {done.bytes_before / 1e6:,.1f} MB to "
            f"{done.bytes_after / 1e6:,.1f} MB in {done.seconds:.1f} s (audit.compactions); the next "
            "publication copies the smaller file"
        )
    lines.append(f"warehouse: {settings.warehouse}")
    lines.append(f"scorecards: {settings.site_dir / 'index.html'}")
    return lines


def summary_json(settings: Settings, report: RunReport) -> dict[str, Any]:
    """Return what a run did as plain JSON values (the keys are what scripts may rely on)."""
    return {
        "success": report.success,
        "run_id": report.run_id,
        "months": report.months,
        "files": {
            row["submission_type"]: {count: int(row[count] or 0) for count in FILE_COUNTS}
            for row in report.files.iter_rows(named=True)
        },
        "findings_by_rule": [
            {**row, "findings": int(row["findings"])} for row in report.findings_by_rule.iter_rows(named=True)
        ],
        "failed_checks": [asdict(check) for check in report.failed_checks],
        "failed_steps": [asdict(step) for step in report.failed_steps],
        "files_waiting": report.files_waiting,
        "warnings": report.warnings,
        "step_seconds": {step: round(seconds, 3) for step, seconds in report.step_seconds.items()},
        "compaction": asdict(report.compaction) if report.compaction is not None else None,
        "warehouse": str(settings.warehouse),
        "scorecards": str(settings.site_dir / "index.html"),
    }
