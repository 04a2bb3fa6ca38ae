"""Read, hash and parse a partner's own file into what it gives one submission type, on every core.

Examining a file (reading its bytes, hashing them, decoding, parsing sheets and finding the contract's
rows) depends only on the file and the partnership's mappings, so a pass with many workbooks to read
shares them among worker processes: each examines a chunk's workbooks in order and returns what it
found, while the pass examines the chunk's other files itself (cheap to read, dear to send), and
records the results in the order the files were listed, as if read one by one. Logging, the audit
trail and the warehouse stay in the pass's own process.
"""

from __future__ import annotations

import atexit
import hashlib
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.ingest.batch import PassSetup
from assets.ingest.catalog import Stamp
from assets.ingest.collector import collector_paused
from assets.ingest.files import RejectedFile, check_content, check_submitted, parse_file_name, partner_in_name
from assets.ingest.inbox import RETURNS_OWNER, read_unchanged
from assets.ingest.partners import PartnerProfile, default_profile, load_profiles
from assets.ingest.reader import Extract, extract_rows, no_rows, read_sheets
from assets.ingest.rows import FileFacts
from assets.ingest.sheets import Sheet
from assets.ingest.spread import Service

# Workbooks are examined in worker processes when a pass has this many (starting workers costs about a
# second); other files, ten times cheaper to read (a CSV file: about 0.1 ms), always in the pass's own
# process, between its workbooks: sending one to a worker and its rows back costs half as much again.
PARALLEL_FROM_WORKBOOKS = 2_000
WORKBOOK_EXTENSION = ".xlsx"
CHUNK_FILES = 250
# chunks handed to the workers ahead of the one being recorded (bounds the rows held in memory)
CHUNKS_AHEAD = 4


@dataclass(frozen=True)
class Examined:
    """What one file gives one submission type.

    `rejected` when the file cannot be loaded (recorded only if this type answers for the file);
    otherwise `extract` (None or empty: nothing for this type) with how the file was read.
    """

    partner: str | None
    owner: bool
    rejected: RejectedFile | None = None
    extract: Extract | None = None
    submitted: date | None = None
    entry: dict | None = None


@dataclass(frozen=True)
class ReadFile:
    """A file read whole while still as listed: its size, the hash of its bytes and what it gives."""

    size: int
    digest: str
    examined: Examined


def examine_file(setup: PassSetup, name: str, content: bytes, own_folder: bool) -> Examined:
    """Return what the file named `name` (a partner's own file, not a publication) gives the pass's type."""
    kind, owner = setup.kind, own_folder or setup.kind.name == RETURNS_OWNER
    partner = partner_in_name(name)
    try:
        partner, submitted, extension = parse_file_name(name)
        check_submitted(submitted, setup.now.date())
        profile = _profile(setup, partner)
        check_content(extension, content)
        sheets, encoding = read_sheets(extension, content)
        mapping = profile.mapping(kind)
        extract = extract_rows(
            kind,
            sheets,
            mapping,
            strict=own_folder,
            facts=FileFacts(name, setup.services, profile.date_order),
        )
        if owner and _empty(extract) and (problem := _why_no_rows(sheets, profile, own_folder)):
            raise problem
    except RejectedFile as rejected:
        return Examined(partner, owner, rejected=rejected)
    return Examined(
        partner,
        owner,
        extract=extract,
        submitted=submitted,
        entry={
            "encoding": encoding,
            "sheets": ", ".join(extract.sheets) or None if extract else None,
            "mapping": profile.source if kind.name in profile.returns or profile.date_order else None,
            "date_order": profile.date_order,
            "percent_scale": mapping.percent,
        },
    )


def _profile(setup: PassSetup, partner: str) -> PartnerProfile:
    if partner not in setup.known_partners:
        raise RejectedFile(
            "unknown_partner",
            f"{partner} (from the file name) is not a partner in the "
            "reference data; check the file name, or ask the "
            "partnership team to add the partner",
        )
    if partner in setup.profile_problems:
        raise RejectedFile(
            "mapping_file",
            f"the partnership's mapping file for this partner is wrong: {setup.profile_problems[partner]}",
        )
    return setup.profiles.get(partner) or default_profile(partner)


def _why_no_rows(sheets: list[Sheet], profile: PartnerProfile, own_folder: bool) -> RejectedFile | None:
    """Return why a file gives its owner no rows; None when a workbook of returns has other types' rows."""
    if own_folder:
        return no_rows()
    extracts = [extract_rows(t, sheets, profile.mapping(t), strict=False) for t in SUBMISSION_TYPES.values()]
    if all(e is None for e in extracts):
        return RejectedFile(
            "missing_columns",
            "no sheet of this workbook holds a return we know "
            f"({', '.join(SUBMISSION_TYPES)}) with all its columns",
        )
    return no_rows() if all(_empty(e) for e in extracts) else None


def _empty(extract: Extract | None) -> bool:
    return extract is None or extract.empty


def read_and_examine(
    setup: PassSetup, path: str, name: str, own_folder: bool, stamp: Stamp
) -> ReadFile | None:
    """Return the file read and examined; None when it is no longer as `stamp` saw it (being written)."""
    content = read_unchanged(path, stamp)
    if content is None:
        return None
    return ReadFile(
        len(content), hashlib.sha256(content).hexdigest(), examine_file(setup, name, content, own_folder)
    )


File = tuple[str, str, bool, Stamp]  # path, name under the inbox, in the type's own folder, stamp


@dataclass(frozen=True)
class _Pass:
    """What a worker needs to rebuild a pass's setup (mappings are read from the folder once).

    It goes to the workers once a pass, in a file: sent with every chunk it cost 18 ms a chunk at x10
    scale (3,000 services) to pickle here and unpickle and hash there.
    """

    kind: str
    partners_dir: str
    mappings: str  # their digest: the worker's copy is read again when they change
    known_partners: frozenset[str]
    run_id: str | None
    now: datetime
    services: tuple[Service, ...] = ()


@lru_cache(maxsize=4)
def _worker_setup(job_file: str) -> PassSetup:
    """Return the setup of the pass that wrote `job_file` (each pass writes its own)."""
    job: _Pass = pickle.loads(Path(job_file).read_bytes())
    profiles, problems = load_profiles(Path(job.partners_dir))
    return PassSetup(
        SUBMISSION_TYPES[job.kind],
        job.known_partners,
        profiles,
        problems,
        [],
        {},
        job.run_id,
        job.now,
        job.services,
    )


def _workbook(file: File) -> bool:
    return file[1].lower().endswith(WORKBOOK_EXTENSION)


def _merged(setup: PassSetup, chunk: Sequence[File], workbooks: Future) -> Iterator[ReadFile | None]:
    """Yield the chunk's files examined in order: its workbooks as the workers examined them, the
    other files examined here."""
    examined = iter(pickle.loads(workbooks.result()))
    for file in chunk:
        yield next(examined) if _workbook(file) else read_and_examine(setup, *file)


def _examine_chunk(job_file: str, files: Sequence[File]) -> bytes:
    """Return the chunk's files read and examined, pickled before the cycle collector runs again: the
    results are gone by then, so it has nothing to walk (pickled after, they would be walked twice)."""
    setup = _worker_setup(job_file)
    with collector_paused():
        return pickle.dumps([read_and_examine(setup, *file) for file in files], pickle.HIGHEST_PROTOCOL)


@cache
def _pool() -> ProcessPoolExecutor:
    """The worker processes, started on first use and kept for the process's later passes."""
    pool = ProcessPoolExecutor(max_workers=_cores(), mp_context=multiprocessing.get_context("spawn"))
    atexit.register(pool.shutdown, cancel_futures=True)
    return pool


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def examined_files(
    setup: PassSetup, files: Sequence[File], kind: SubmissionType, partners_dir: Path, mappings: str
) -> Iterator[ReadFile | None]:
    """Yield each file read and examined (None: changed since listed), in the order given.

    Many workbooks on a machine of several cores are shared among worker processes, chunk by chunk,
    while this process examines the other files of each chunk.
    """
    if sum(map(_workbook, files)) < PARALLEL_FROM_WORKBOOKS or _cores() < 2:
        for file in files:
            yield read_and_examine(setup, *file)
        return
    job = _Pass(
        kind.name, str(partners_dir), mappings, setup.known_partners, setup.run_id, setup.now, setup.services
    )
    chunks = [files[i : i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    ahead: list[tuple[Sequence[File], Future]] = []
    with tempfile.TemporaryDirectory(prefix="joinedup-pass-") as folder:
        job_file = os.path.join(folder, "pass.pickle")
        Path(job_file).write_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        try:
            for chunk in chunks:
                ahead.append(
                    (chunk, _pool().submit(_examine_chunk, job_file, [f for f in chunk if _workbook(f)]))
                )
                if len(ahead) > CHUNKS_AHEAD:
                    yield from _merged(setup, *ahead.pop(0))
            for chunk, future in ahead:
                yield from _merged(setup, chunk, future)
        except BrokenProcessPool:
            _pool.cache_clear()  # a worker died (killed, out of memory): the step's retry starts new ones
            raise
