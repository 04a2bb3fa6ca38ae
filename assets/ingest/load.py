"""Append new partner files of one submission type to `raw.<type>`, logging every file."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.contract import SubmissionType
from assets.ingest.files import RejectedFile, file_hash, read_submission

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    """What one ingest pass over a submission type's folder did."""

    submission_type: str
    files_loaded: list[str] = field(default_factory=list)
    files_rejected: list[str] = field(default_factory=list)
    files_already_loaded: int = 0
    rows_received: int = 0


def _known_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {h for (h,) in con.execute("select file_hash from audit.load_log").fetchall()}


def _log_file(con: duckdb.DuckDBPyConnection, values: dict) -> None:
    columns = ", ".join(values)
    placeholders = ", ".join("?" for _ in values)
    con.execute(f"insert into audit.load_log ({columns}) values ({placeholders})",
                list(values.values()))


def ingest_folder(con: duckdb.DuckDBPyConnection, folder: Path, kind: SubmissionType,
                  run_id: str | None = None) -> IngestSummary:
    """Load every not-yet-seen file in `folder` into `raw.<type>`; reject unreadable files whole."""
    con.begin()
    try:
        summary = _ingest(con, folder, kind, run_id)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return summary


def _ingest(con: duckdb.DuckDBPyConnection, folder: Path, kind: SubmissionType,
            run_id: str | None) -> IngestSummary:
    summary = IngestSummary(kind.name)
    known = _known_hashes(con)
    frames = []
    now = datetime.now()
    paths = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    for path in paths:
        digest = file_hash(path)
        if digest in known:
            summary.files_already_loaded += 1
            continue
        known.add(digest)
        entry = {"file_hash": digest, "submission_type": kind.name, "file_name": path.name,
                 "ingested_at": now, "run_id": run_id}
        try:
            submission = read_submission(path, kind)
        except RejectedFile as rejected:
            log.warning("%s/%s rejected (%s): %s", kind.name, path.name, rejected.rule, rejected)
            _log_file(con, entry | {"status": "quarantined", "message": str(rejected),
                                    "rows_received": rejected.rows, "rows_loaded": 0,
                                    "rows_quarantined": rejected.rows, "validated_at": now})
            con.execute(
                "insert into audit.quarantine values (?, ?, ?, null, ?, ?, null, ?, ?, ?)",
                [digest, path.name, kind.name, rejected.column, rejected.rule, str(rejected),
                 run_id, now])
            summary.files_rejected.append(path.name)
            continue
        rows = submission.rows.with_columns(
            pl.lit(digest).alias("file_hash"),
            pl.lit(path.name).alias("file_name"),
            pl.lit(submission.partner_code).alias("file_partner_code"),
            pl.lit(submission.submitted_on).alias("submitted_on"),
            pl.lit(now).alias("loaded_at"),
        )
        frames.append(rows)
        message = (f"ignored column(s): {', '.join(submission.ignored_columns)}"
                   if submission.ignored_columns else None)
        _log_file(con, entry | {"status": "received", "partner_code": submission.partner_code,
                                "submitted_on": submission.submitted_on,
                                "encoding": submission.encoding, "rows_received": rows.height,
                                "message": message})
        summary.files_loaded.append(path.name)
        summary.rows_received += rows.height
    if frames:
        incoming = pl.concat(frames, how="vertical").rechunk().to_arrow()
        con.register("incoming_rows", incoming)
        con.execute(f"insert into raw.{kind.name} by name select * from incoming_rows")
        con.unregister("incoming_rows")
    return summary
