"""Append new partner files of one submission type to `raw.<type>`, logging or rejecting every file."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from assets.contract import SubmissionType
from assets.ingest.batch import Batch, PassSetup, Received, rejection, sender
from assets.ingest.catalog import Stamp, changed_files, examined_entry, mappings_digest, record_examined
from assets.ingest.collector import collector_paused
from assets.ingest.examine import Examined, File, examined_files
from assets.ingest.files import RejectedFile
from assets.ingest.inbox import RETURNS_OWNER, Skipped, inbox_files, read_unchanged, settled, skip_reason
from assets.ingest.partners import load_profiles
from assets.ingest.publications import read_source_file
from assets.ingest.sources import SourceMapping, load_sources, source_files
from assets.ingest.spread import load_services

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


def publication_files(
    inbox: Path, setup: PassSetup, broken: list[SourceMapping], listed: Iterable[str]
) -> tuple[list[tuple[Path, SourceMapping]], list[tuple[Skipped, SourceMapping]]]:
    """Return (path, source) for every file a source mapping giving this type names under the inbox,
    and the paths they name that are not read (links, pipes, anything outside the inbox), with why
    and the source that names them.

    Files of a source whose mapping is wrong are returned too (to be rejected), by the first type only.
    """
    claiming = [s for s in setup.sources if s.mapping(setup.kind) is not None]
    if setup.kind.name == RETURNS_OWNER:
        claiming += broken
    if not claiming:
        return [], []
    taken = set(listed)  # paths the type's own folders hold
    found: dict[Path, SourceMapping] = {}
    skipped: dict[Path, tuple[str, SourceMapping]] = {}
    for source in claiming:
        for path in source_files(inbox, source):
            if str(path) in taken or path in skipped:
                continue
            reason = skip_reason(path, inbox)
            if reason is None:
                found.setdefault(path, source)
            else:
                skipped[path] = reason, source
    return sorted(found.items()), [
        ((str(path), path.relative_to(inbox).as_posix(), reason), source)
        for path, (reason, source) in sorted(skipped.items())
    ]


def ingest_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    kind: SubmissionType,
    partners_dir: Path,
    run_id: str | None = None,
    only: Collection[str] | None = None,
) -> IngestSummary:
    """Load every new file for `kind` into `raw.<type>`; reject unreadable files whole.

    Files examined before and unchanged since (name, size, modification time) are not read again.
    `only` (paths) limits the pass to files already known to be new, such as those the sensor saw arrive.
    """
    seen = dict(
        con.execute(
            "select file_hash, file_name from audit.load_log where submission_type = ?", [kind.name]
        ).fetchall()
    )
    noticed = set(
        con.execute(
            "select file_hash, file_name from audit.rejected_files "
            "where submission_type = ? and rule = 'duplicate_file'",
            [kind.name],
        ).fetchall()
    )
    profiles, problems = load_profiles(partners_dir)
    sources, broken, source_problems = load_sources(partners_dir)
    mappings = mappings_digest(partners_dir)
    setup = PassSetup(
        kind,
        frozenset(v for (v,) in con.execute("select partner_code from seeds.partners").fetchall()),
        profiles,
        problems,
        sources,
        source_problems,
        run_id,
        datetime.now(),
        load_services(con),
    )
    summary = IngestSummary(kind.name)
    own, own_skipped = inbox_files(inbox, kind)
    publications, not_read = publication_files(
        inbox, setup, broken, (path for path, _, _ in [*own, *own_skipped])
    )
    files = [(path, name, own_folder, None) for path, name, own_folder in own] + [
        (str(path), path.relative_to(inbox).as_posix(), True, source) for path, source in publications
    ]
    skipped: list[tuple[Skipped, SourceMapping | None]] = [*((s, None) for s in own_skipped), *not_read]
    if only is not None:
        files = [f for f in files if f[0] in only]
        skipped = [s for s in skipped if s[0][0] in only]
    now_ns = time.time_ns()
    # One transaction for the pass; what was read is appended every FLUSH_ROWS rows, so memory stays
    # flat however many files arrive at once.
    with collector_paused():
        con.begin()
        try:
            state = _Pass(con, setup, summary, seen, noticed, mappings)
            changed, _ = changed_files(con, kind, mappings, [(path, name) for (path, name, _), _ in skipped])
            for position, stamp in changed.items():  # listed once, until it changes
                (path, name, reason), claimed_by = skipped[position]
                state.examined.append(examined_entry(kind, name, stamp, "", mappings, setup.now))
                state.batch.skip(setup, name, reason, claimed_by)
                summary.files_skipped.append(name)
            own_to_read: list[File] = []
            publications_to_read: list[tuple[File, SourceMapping]] = []
            changed, summary.files_unchanged = changed_files(
                con, kind, mappings, [(path, name) for path, name, _, _ in files]
            )
            for position, stamp in changed.items():
                path, name, own_folder, source = files[position]
                if not settled(stamp.modified_ns, now_ns):  # still being written: waits uncatalogued
                    summary.files_waiting.append(Path(path).relative_to(inbox).as_posix())
                elif source is None:
                    own_to_read.append((path, name, own_folder, stamp))
                else:
                    publications_to_read.append(((path, name, own_folder, stamp), source))
            for (path, name, _, stamp), read in zip(
                own_to_read, examined_files(setup, own_to_read, kind, partners_dir, mappings), strict=True
            ):
                if read is None:  # changed since listed: waits for a later run
                    summary.files_waiting.append(Path(path).relative_to(inbox).as_posix())
                elif state.is_new(name, stamp, read.digest, read.size) and _record(
                    setup, state.batch, name, read.digest, read.size, read.examined
                ):
                    state.loaded(name, read.digest)
            for (path, name, _, stamp), source in publications_to_read:
                content = read_unchanged(path, stamp)
                if content is None:
                    summary.files_waiting.append(Path(path).relative_to(inbox).as_posix())
                    continue
                digest = hashlib.sha256(content).hexdigest()
                if state.is_new(name, stamp, digest, len(content), source):
                    read_source_file(setup, state.batch, name, digest, stamp.modified_ns, content, source)
                    state.loaded(name, digest)
            state.flush()
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return summary


@dataclass
class _Pass:
    """One pass's files already known, and what it has read but not yet appended."""

    con: duckdb.DuckDBPyConnection
    setup: PassSetup
    summary: IngestSummary
    seen: dict[str, str]  # file hash: the name it was first received under
    noticed: set[tuple[str, str]]  # (hash, name) of duplicates already recorded
    mappings: str
    batch: Batch = field(default_factory=Batch)
    examined: list[dict] = field(default_factory=list)

    def is_new(
        self, name: str, stamp: Stamp, digest: str, size: int, source: SourceMapping | None = None
    ) -> bool:
        """Catalogue the file as examined; return whether its bytes are new (a duplicate is noticed, with
        the publication's `source` mapping when one names the file)."""
        setup, summary = self.setup, self.summary
        self.examined.append(examined_entry(setup.kind, name, stamp, digest, self.mappings, setup.now))
        if digest not in self.seen:
            return True
        if self.seen[digest] != name and (digest, name) not in self.noticed:
            self.noticed.add((digest, name))
            self.batch.rejections.append(_duplicate(setup, digest, name, size, self.seen[digest], source))
            summary.files_duplicate.append(name)
        else:
            summary.files_already_loaded += 1
        return False

    def loaded(self, name: str, digest: str) -> None:
        """Count the file just added to the batch (loaded or rejected); append the batch when large."""
        self.seen[digest] = name
        outcome = self.batch.log_entries[-1]
        summary = self.summary
        (summary.files_rejected if outcome["status"] == "rejected" else summary.files_loaded).append(name)
        summary.rows_received += outcome["rows_received"] or 0
        if len(self.batch.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Append what was read to the warehouse, and catalogue the files examined."""
        self.batch.append_to(self.con, self.setup.kind)
        record_examined(self.con, self.examined)
        self.batch, self.examined = Batch(), []


def _duplicate(
    setup: PassSetup, digest: str, name: str, size: int, first: str, source: SourceMapping | None
) -> dict:
    """Record a file whose bytes were already received under another name: noticed, not loaded."""
    rejected = RejectedFile(
        "duplicate_file",
        f"the same content as {first}, already received; it was "
        "not loaded again (if you meant to send new figures, "
        "please check the attachment)",
    )
    partner, mapping = sender(name, source)
    return rejection(setup, digest, name, size, partner, rejected, mapping) | {"same_as_file_name": first}


def _record(setup: PassSetup, batch: Batch, name: str, digest: str, size: int, examined: Examined) -> bool:
    """Add the file's rows or its rejection to the batch; return False when it is not for this type."""
    kind = setup.kind
    if examined.rejected is not None:
        if not examined.owner:
            return False
        rejected = examined.rejected
        log.warning("%s/%s rejected (%s): %s", kind.name, name, rejected.rule, rejected)
        batch.reject(setup, digest, name, size, examined.partner, rejected)
        return True
    if examined.extract is None or examined.extract.empty:
        return False
    if examined.partner is None or examined.submitted is None or examined.entry is None:
        # examine_file gives each with the rows it read
        raise ValueError(f"{name}: read without its partner, the day it was sent or its catalogue entry")
    batch.add_extract(
        setup,
        Received(name, digest, examined.partner, examined.submitted, examined.partner),
        examined.extract,
        examined.entry,
    )
    return True
