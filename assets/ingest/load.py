"""Append new partner files of one submission type to `raw.<type>`, logging every file."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.contract import SubmissionType
from assets.ingest.files import RejectedFile, Submission, read_submission

log = logging.getLogger(__name__)

LOAD_LOG_SCHEMA = {
    "file_hash": pl.String, "submission_type": pl.String, "file_name": pl.String,
    "partner_code": pl.String, "submitted_on": pl.Date, "encoding": pl.String,
    "rows_received": pl.Int64, "rows_loaded": pl.Int64, "rows_quarantined": pl.Int64,
    "status": pl.String, "message": pl.String, "ingested_at": pl.Datetime("us"),
    "validated_at": pl.Datetime("us"), "run_id": pl.String,
}
QUARANTINE_SCHEMA = {
    "file_hash": pl.String, "file_name": pl.String, "submission_type": pl.String,
    "row_number": pl.Int64, "column_name": pl.String, "rule": pl.String, "value": pl.String,
    "meaning": pl.String, "run_id": pl.String, "quarantined_at": pl.Datetime("us"),
}


@dataclass
class IngestSummary:
    """What one ingest pass over a submission type's folder did."""

    submission_type: str
    files_loaded: list[str] = field(default_factory=list)
    files_rejected: list[str] = field(default_factory=list)
    files_already_loaded: int = 0
    rows_received: int = 0


@dataclass
class _Batch:
    """Everything one pass read, appended to the warehouse in one go at the end."""

    frames: list[pl.DataFrame] = field(default_factory=list)
    provenance: list[dict] = field(default_factory=list)
    log_entries: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)


def ingest_folder(con: duckdb.DuckDBPyConnection, folder: Path, kind: SubmissionType,
                  run_id: str | None = None) -> IngestSummary:
    """Load every not-yet-seen file in `folder` into `raw.<type>`; reject unreadable files whole."""
    known = {h for (h,) in con.execute("select file_hash from audit.load_log").fetchall()}
    summary, batch = _read_new_files(folder, kind, known, run_id)
    con.begin()
    try:
        _append(con, kind, batch)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return summary


def _read_new_files(folder: Path, kind: SubmissionType, known: set[str],
                    run_id: str | None) -> tuple[IngestSummary, _Batch]:
    summary, batch = IngestSummary(kind.name), _Batch()
    now = datetime.now()
    paths = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    for path in paths:
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if digest in known:
            summary.files_already_loaded += 1
            continue
        known.add(digest)
        entry = {"file_hash": digest, "submission_type": kind.name, "file_name": path.name,
                 "ingested_at": now, "run_id": run_id}
        try:
            submission = read_submission(path.name, content, kind)
        except RejectedFile as rejected:
            log.warning("%s/%s rejected (%s): %s", kind.name, path.name, rejected.rule, rejected)
            batch.log_entries.append(entry | {
                "status": "quarantined", "message": str(rejected), "rows_received": rejected.rows,
                "rows_loaded": 0, "rows_quarantined": rejected.rows, "validated_at": now})
            batch.rejections.append({
                "file_hash": digest, "file_name": path.name, "submission_type": kind.name,
                "column_name": rejected.column, "rule": rejected.rule, "meaning": str(rejected),
                "run_id": run_id, "quarantined_at": now})
            summary.files_rejected.append(path.name)
            continue
        _add_submission(batch, submission, entry, now)
        summary.files_loaded.append(path.name)
        summary.rows_received += submission.rows.height
    return summary, batch


def _add_submission(batch: _Batch, submission: Submission, entry: dict, now: datetime) -> None:
    rows = submission.rows
    batch.frames.append(rows.with_columns(
        pl.Series("file_index", [len(batch.provenance)] * rows.height, dtype=pl.Int64)))
    batch.provenance.append({"file_index": len(batch.provenance), "file_hash": entry["file_hash"],
                             "file_name": entry["file_name"],
                             "file_partner_code": submission.partner_code,
                             "submitted_on": submission.submitted_on, "loaded_at": now})
    message = (f"ignored column(s): {', '.join(submission.ignored_columns)}"
               if submission.ignored_columns else None)
    batch.log_entries.append(entry | {
        "status": "received", "partner_code": submission.partner_code,
        "submitted_on": submission.submitted_on, "encoding": submission.encoding,
        "rows_received": rows.height, "message": message})


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("incoming_rows", frame.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _append(con: duckdb.DuckDBPyConnection, kind: SubmissionType, batch: _Batch) -> None:
    if batch.frames:
        text = pl.col(kind.columns).str.strip_chars()
        rows = (
            pl.concat(batch.frames, how="vertical")
            .with_columns(pl.when(text != "").then(text).name.keep(),
                          # the header is line 1, so the first data row is line 2 (as in a sheet)
                          (pl.int_range(pl.len()).over("file_index") + 2).alias("row_number"))
            .join(pl.DataFrame(batch.provenance), on="file_index")
            .drop("file_index")
        )
        _insert(con, f"raw.{kind.name}", rows)
    if batch.log_entries:
        _insert(con, "audit.load_log", pl.DataFrame(batch.log_entries, schema=LOAD_LOG_SCHEMA))
    if batch.rejections:
        _insert(con, "audit.quarantine", pl.DataFrame(batch.rejections, schema=QUARANTINE_SCHEMA))
