"""Append new partner files of one submission type to `raw.<type>`, logging or rejecting every file."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.ingest.files import RejectedFile, check_content, parse_file_name, partner_in_name
from assets.ingest.partners import PartnerProfile, load_profiles
from assets.ingest.reader import Extract, extract_rows, read_sheets
from assets.ingest.sheets import Sheet

log = logging.getLogger(__name__)

# Workbooks holding several returns (one sheet per submission type) are dropped here; every type
# reads the sheets that are its own, and the first type answers for the file as a whole.
RETURNS_FOLDER = "returns"
RETURNS_OWNER = next(iter(SUBMISSION_TYPES))

LOAD_LOG_SCHEMA = {
    "file_hash": pl.String, "submission_type": pl.String, "file_name": pl.String,
    "partner_code": pl.String, "submitted_on": pl.Date, "encoding": pl.String, "sheets": pl.String,
    "mapping": pl.String, "date_order": pl.String, "percent_scale": pl.String,
    "rows_received": pl.Int64, "rows_loaded": pl.Int64, "rows_quarantined": pl.Int64,
    "text_repairs": pl.Int64, "status": pl.String, "message": pl.String,
    "ingested_at": pl.Datetime("us"), "validated_at": pl.Datetime("us"), "run_id": pl.String,
}
REJECTED_SCHEMA = {
    "file_hash": pl.String, "submission_type": pl.String, "file_name": pl.String,
    "partner_code": pl.String, "rule": pl.String, "reason": pl.String,
    "same_as_file_name": pl.String, "bytes": pl.Int64, "run_id": pl.String,
    "rejected_at": pl.Datetime("us"),
}


@dataclass
class IngestSummary:
    """What one ingest pass over a submission type's files did."""

    submission_type: str
    files_loaded: list[str] = field(default_factory=list)
    files_rejected: list[str] = field(default_factory=list)
    files_duplicate: list[str] = field(default_factory=list)
    files_already_loaded: int = 0
    rows_received: int = 0


@dataclass
class _Batch:
    """Everything one pass read, appended to the warehouse in one go at the end."""

    rows: list[tuple] = field(default_factory=list)
    file_indexes: list[int] = field(default_factory=list)
    provenance: list[dict] = field(default_factory=list)
    log_entries: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class _Context:
    """What every file of a pass is checked against."""

    kind: SubmissionType
    known_partners: frozenset[str]
    profiles: dict[str, PartnerProfile]
    profile_problems: dict[str, str]
    run_id: str | None
    now: datetime


def inbox_files(inbox: Path, kind: SubmissionType) -> list[tuple[Path, bool]]:
    """Return (path, is in the type's own folder) for every file this type should look at."""
    def files(folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []

    return ([(p, True) for p in files(inbox / kind.name)]
            + [(p, False) for p in files(inbox / RETURNS_FOLDER)])


def ingest_inbox(con: duckdb.DuckDBPyConnection, inbox: Path, kind: SubmissionType,
                 partners_dir: Path, run_id: str | None = None) -> IngestSummary:
    """Load every not-yet-seen file for `kind` into `raw.<type>`; reject unreadable files whole."""
    seen = dict(con.execute("select file_hash, file_name from audit.load_log where submission_type = ?",
                            [kind.name]).fetchall())
    noticed = set(con.execute("select file_hash, file_name from audit.rejected_files "
                              "where submission_type = ? and rule = 'duplicate_file'",
                              [kind.name]).fetchall())
    profiles, problems = load_profiles(partners_dir)
    context = _Context(kind, frozenset(v for (v,) in con.execute(
        "select partner_code from seeds.partners").fetchall()), profiles, problems, run_id, datetime.now())
    summary, batch = IngestSummary(kind.name), _Batch()
    for path, own_folder in inbox_files(inbox, kind):
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if digest in seen:
            if seen[digest] != path.name and (digest, path.name) not in noticed:
                noticed.add((digest, path.name))
                batch.rejections.append(_duplicate(context, digest, path.name, len(content), seen[digest]))
                summary.files_duplicate.append(path.name)
            else:
                summary.files_already_loaded += 1
            continue
        if _read_file(context, batch, path.name, content, digest, own_folder):
            seen[digest] = path.name
            outcome = batch.log_entries[-1]
            (summary.files_loaded if outcome["status"] == "received" else summary.files_rejected
             ).append(path.name)
            summary.rows_received += outcome["rows_received"] or 0
    con.begin()
    try:
        _append(con, kind, batch)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return summary


def _duplicate(context: _Context, digest: str, name: str, size: int, first: str) -> dict:
    """Record a file whose bytes were already received under another name: noticed, not loaded."""
    rejected = RejectedFile("duplicate_file", f"the same content as {first}, already received; it was "
                                              "not loaded again (if you meant to send new figures, "
                                              "please check the attachment)")
    return _rejection(context, digest, name, size, partner_in_name(name), rejected) | {
        "same_as_file_name": first}


def _profile(context: _Context, partner: str) -> PartnerProfile:
    if partner not in context.known_partners:
        raise RejectedFile("unknown_partner", f"{partner} (from the file name) is not a partner in the "
                                              "reference data; check the file name, or ask the "
                                              "partnership team to add the partner")
    if partner in context.profile_problems:
        raise RejectedFile("mapping_file", "the partnership's mapping file for this partner is wrong: "
                                           f"{context.profile_problems[partner]}")
    return context.profiles.get(partner) or PartnerProfile(partner)


def _claimed_by_any_type(sheets: list[Sheet], profile: PartnerProfile) -> bool:
    return any(extract_rows(t, sheets, profile.mapping(t), strict=False) is not None
               for t in SUBMISSION_TYPES.values())


def _read_file(context: _Context, batch: _Batch, name: str, content: bytes, digest: str,
               own_folder: bool) -> bool:
    """Add the file's rows or its rejection to the batch; return False when it is not for this type."""
    kind, owner = context.kind, own_folder or context.kind.name == RETURNS_OWNER
    partner = partner_in_name(name)
    try:
        partner, submitted, extension = parse_file_name(name)
        profile = _profile(context, partner)
        check_content(extension, content)
        sheets, encoding = read_sheets(extension, content)
        mapping = profile.mapping(kind)
        extract = extract_rows(kind, sheets, mapping, strict=own_folder)
        if extract is None and owner and not _claimed_by_any_type(sheets, profile):
            raise RejectedFile("missing_columns", "no sheet of this workbook holds a return we know "
                                                  f"({', '.join(SUBMISSION_TYPES)}) with all its columns")
    except RejectedFile as rejected:
        if not owner:
            return False
        log.warning("%s/%s rejected (%s): %s", kind.name, name, rejected.rule, rejected)
        batch.rejections.append(_rejection(context, digest, name, len(content), partner, rejected))
        batch.log_entries.append(_log_entry(context, digest, name) | {
            "partner_code": partner, "status": "rejected", "message": str(rejected),
            "rows_received": rejected.rows, "rows_loaded": 0, "rows_quarantined": rejected.rows,
            "validated_at": context.now})
        return True
    if extract is None:
        return False
    _add_extract(context, batch, extract, _log_entry(context, digest, name) | {
        "partner_code": partner, "submitted_on": submitted, "encoding": encoding,
        "sheets": ", ".join(extract.sheets) or None,
        "mapping": profile.source if kind.name in profile.returns or profile.date_order else None,
        "date_order": profile.date_order, "percent_scale": mapping.percent})
    return True


def _log_entry(context: _Context, digest: str, name: str) -> dict:
    return {"file_hash": digest, "submission_type": context.kind.name, "file_name": name,
            "ingested_at": context.now, "run_id": context.run_id}


def _rejection(context: _Context, digest: str, name: str, size: int, partner: str | None,
               rejected: RejectedFile) -> dict:
    return {"file_hash": digest, "submission_type": context.kind.name, "file_name": name,
            "partner_code": partner, "rule": rejected.rule, "reason": str(rejected), "bytes": size,
            "run_id": context.run_id, "rejected_at": context.now}


def _add_extract(context: _Context, batch: _Batch, extract: Extract, entry: dict) -> None:
    index = len(batch.provenance)
    batch.rows += extract.rows
    batch.file_indexes += [index] * len(extract.rows)
    batch.provenance.append({"file_index": index, "file_hash": entry["file_hash"],
                             "file_name": entry["file_name"], "file_partner_code": entry["partner_code"],
                             "submitted_on": entry["submitted_on"], "loaded_at": context.now})
    batch.log_entries.append(entry | {"status": "received", "rows_received": len(extract.rows),
                                      "message": "; ".join(extract.notes) or None})


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("incoming_rows", frame.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _append(con: duckdb.DuckDBPyConnection, kind: SubmissionType, batch: _Batch) -> None:
    if batch.rows:
        schema = {"sheet_name": pl.String, "row_number": pl.Int64} | dict.fromkeys(kind.columns, pl.String)
        text = pl.col(kind.columns).str.strip_chars()
        rows = (
            pl.DataFrame(batch.rows, schema=schema, orient="row")
            .with_columns(pl.when(text != "").then(text).name.keep(),
                          pl.Series("file_index", batch.file_indexes, dtype=pl.Int64))
            .join(pl.DataFrame(batch.provenance), on="file_index", maintain_order="left")
            .drop("file_index")
        )
        _insert(con, f"raw.{kind.name}", rows)
    if batch.log_entries:
        _insert(con, "audit.load_log", pl.DataFrame(batch.log_entries, schema=LOAD_LOG_SCHEMA))
    if batch.rejections:
        _insert(con, "audit.rejected_files", pl.DataFrame(batch.rejections, schema=REJECTED_SCHEMA))
