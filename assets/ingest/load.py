"""Append new partner files of one submission type to `raw.<type>`, logging or rejecting every file."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.ingest.batch import Batch, Context, Received, rejection
from assets.ingest.catalog import Stamp, examined_entry, known_files, mappings_digest, record_examined
from assets.ingest.files import RejectedFile, check_content, check_submitted, parse_file_name, partner_in_name
from assets.ingest.inbox import RETURNS_OWNER, Skipped, inbox_files, read_unchanged, settled, skip_reason
from assets.ingest.partners import PartnerProfile, load_profiles
from assets.ingest.publications import read_source_file
from assets.ingest.reader import Extract, extract_rows, no_rows, read_sheets
from assets.ingest.sheets import Sheet
from assets.ingest.sources import SourceMapping, load_sources, source_files

log = logging.getLogger(__name__)

# Rows read are appended to the warehouse in batches of about this many.
FLUSH_ROWS = 200_000


@dataclass
class IngestSummary:
    """What one ingest pass over a submission type's files did."""

    submission_type: str
    files_loaded: list[str] = field(default_factory=list)
    files_rejected: list[str] = field(default_factory=list)
    files_duplicate: list[str] = field(default_factory=list)
    files_already_loaded: int = 0
    files_unchanged: int = 0  # examined before, and unchanged since: not read again
    files_skipped: list[str] = field(default_factory=list)  # links, pipes, folders...: never read
    files_waiting: list[str] = field(default_factory=list)  # modified within the settle period
    rows_received: int = 0


def publication_files(inbox: Path, context: Context, broken: list[SourceMapping],
                      taken: set[str]) -> tuple[list[tuple[Path, SourceMapping]], list[Skipped]]:
    """Return (path, source) for every file a source mapping giving this type names under the inbox,
    and the paths they name that are not read (links, pipes, anything outside the inbox), with why.

    Files of a source whose mapping is wrong are returned too (to be rejected), by the first type only.
    """
    claiming = [s for s in context.sources if s.mapping(context.kind) is not None]
    if context.kind.name == RETURNS_OWNER:
        claiming += broken
    found: dict[Path, SourceMapping] = {}
    skipped: dict[Path, str] = {}
    for source in claiming:
        for path in source_files(inbox, source):
            if str(path) in taken or path in skipped:
                continue
            reason = skip_reason(path, inbox)
            if reason is None:
                found.setdefault(path, source)
            else:
                skipped[path] = reason
    return sorted(found.items()), [(str(path), path.relative_to(inbox).as_posix(), reason)
                                   for path, reason in sorted(skipped.items())]


def ingest_inbox(con: duckdb.DuckDBPyConnection, inbox: Path, kind: SubmissionType,
                 partners_dir: Path, run_id: str | None = None,
                 only: Collection[str] | None = None) -> IngestSummary:
    """Load every new file for `kind` into `raw.<type>`; reject unreadable files whole.

    Files examined before and unchanged since (name, size, modification time) are not read again.
    `only` (paths) limits the pass to files already known to be new, such as those the sensor saw arrive.
    """
    seen = dict(con.execute("select file_hash, file_name from audit.load_log where submission_type = ?",
                            [kind.name]).fetchall())
    noticed = set(con.execute("select file_hash, file_name from audit.rejected_files "
                              "where submission_type = ? and rule = 'duplicate_file'",
                              [kind.name]).fetchall())
    profiles, problems = load_profiles(partners_dir)
    sources, broken, source_problems = load_sources(partners_dir)
    mappings = mappings_digest(partners_dir)
    known = known_files(con, kind, mappings)
    context = Context(kind, frozenset(v for (v,) in con.execute(
        "select partner_code from seeds.partners").fetchall()), profiles, problems, sources,
        source_problems, run_id, datetime.now())
    summary = IngestSummary(kind.name)
    own, skipped = inbox_files(inbox, kind)
    publications, not_read = publication_files(
        inbox, context, broken, {path for path, _, _ in own} | {path for path, _, _ in skipped})
    files = [(path, name, own_folder, None) for path, name, own_folder in own] + [
        (str(path), path.relative_to(inbox).as_posix(), True, source) for path, source in publications]
    skipped += not_read
    if only is not None:
        files = [f for f in files if f[0] in only]
        skipped = [s for s in skipped if s[0] in only]
    now_ns = time.time_ns()
    # One transaction for the pass; what was read is appended every FLUSH_ROWS rows, so memory stays
    # flat however many files arrive at once.
    con.begin()
    try:
        batch, examined = Batch(), []
        for path, name, reason in skipped:
            stamp = Stamp.of(path)
            if known.get(name) != stamp:  # listed once, until it changes
                examined.append(examined_entry(kind, name, stamp, "", mappings, context.now))
                batch.skip(context, name, reason)
                summary.files_skipped.append(name)
        for path, name, own_folder, source in files:
            stamp = Stamp.of(path)
            if known.get(name) == stamp:
                summary.files_unchanged += 1
                continue
            # a file still being written, or changed since listed, waits uncatalogued for a later run
            content = read_unchanged(path, stamp) if settled(stamp.modified_ns, now_ns) else None
            if content is None:
                summary.files_waiting.append(Path(path).relative_to(inbox).as_posix())
                continue
            digest = hashlib.sha256(content).hexdigest()
            examined.append(examined_entry(kind, name, stamp, digest, mappings, context.now))
            if digest in seen:
                if seen[digest] != name and (digest, name) not in noticed:
                    noticed.add((digest, name))
                    batch.rejections.append(_duplicate(context, digest, name, len(content), seen[digest]))
                    summary.files_duplicate.append(name)
                else:
                    summary.files_already_loaded += 1
                continue
            if source is not None:
                read_source_file(context, batch, Received(name, digest, source.partner_code,
                                                          source.submitted_on, source.source),
                                 content, source)
            elif not _read_file(context, batch, name, content, digest, own_folder):
                continue
            seen[digest] = name
            outcome = batch.log_entries[-1]
            (summary.files_rejected if outcome["status"] == "rejected" else summary.files_loaded).append(name)
            summary.rows_received += outcome["rows_received"] or 0
            if len(batch.rows) >= FLUSH_ROWS:
                batch.append_to(con, kind)
                record_examined(con, examined)
                batch, examined = Batch(), []
        batch.append_to(con, kind)
        record_examined(con, examined)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return summary


def _duplicate(context: Context, digest: str, name: str, size: int, first: str) -> dict:
    """Record a file whose bytes were already received under another name: noticed, not loaded."""
    rejected = RejectedFile("duplicate_file", f"the same content as {first}, already received; it was "
                                              "not loaded again (if you meant to send new figures, "
                                              "please check the attachment)")
    return rejection(context, digest, name, size, partner_in_name(name), rejected) | {
        "same_as_file_name": first}


def _profile(context: Context, partner: str) -> PartnerProfile:
    if partner not in context.known_partners:
        raise RejectedFile("unknown_partner", f"{partner} (from the file name) is not a partner in the "
                                              "reference data; check the file name, or ask the "
                                              "partnership team to add the partner")
    if partner in context.profile_problems:
        raise RejectedFile("mapping_file", "the partnership's mapping file for this partner is wrong: "
                                           f"{context.profile_problems[partner]}")
    return context.profiles.get(partner) or PartnerProfile(partner)


def _why_no_rows(sheets: list[Sheet], profile: PartnerProfile, own_folder: bool) -> RejectedFile | None:
    """Return why a file gives its owner no rows; None when a workbook of returns has other types' rows."""
    if own_folder:
        return no_rows()
    extracts = [extract_rows(t, sheets, profile.mapping(t), strict=False) for t in SUBMISSION_TYPES.values()]
    if all(e is None for e in extracts):
        return RejectedFile("missing_columns", "no sheet of this workbook holds a return we know "
                                               f"({', '.join(SUBMISSION_TYPES)}) with all its columns")
    return no_rows() if all(_empty(e) for e in extracts) else None


def _empty(extract: Extract | None) -> bool:
    return extract is None or extract.empty


def _read_file(context: Context, batch: Batch, name: str, content: bytes, digest: str,
               own_folder: bool) -> bool:
    """Add the file's rows or its rejection to the batch; return False when it is not for this type."""
    kind, owner = context.kind, own_folder or context.kind.name == RETURNS_OWNER
    partner = partner_in_name(name)
    try:
        partner, submitted, extension = parse_file_name(name)
        check_submitted(submitted, context.now.date())
        profile = _profile(context, partner)
        check_content(extension, content)
        sheets, encoding = read_sheets(extension, content)
        mapping = profile.mapping(kind)
        extract = extract_rows(kind, sheets, mapping, strict=own_folder)
        if owner and _empty(extract) and (problem := _why_no_rows(sheets, profile, own_folder)):
            raise problem
    except RejectedFile as rejected:
        if not owner:
            return False
        log.warning("%s/%s rejected (%s): %s", kind.name, name, rejected.rule, rejected)
        batch.reject(context, digest, name, len(content), partner, rejected)
        return True
    if _empty(extract):
        return False
    batch.add_extract(context, Received(name, digest, partner, submitted, partner), extract, {
        "encoding": encoding, "sheets": ", ".join(extract.sheets) or None,
        "mapping": profile.source if kind.name in profile.returns or profile.date_order else None,
        "date_order": profile.date_order, "percent_scale": mapping.percent})
    return True
