"""What each submission type knows of the inbox files it has examined, so that a run reads only new ones.

A file is known by its name (relative to the inbox), size and modification time, under the mapping
files in force when it was examined. A file whose name, size and modification time are all known
is neither read nor hashed again; a new or changed one is, and so is every file after a mapping
file changes (a changed mapping may claim files it left before). Content already received under
another name is still recognised by its hash once a file is read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
from polars.datatypes import DataTypeClass

from assets.contract import SubmissionType

CATALOG_SCHEMA: dict[str, pl.DataType | DataTypeClass] = {
    "submission_type": pl.String,
    "file_name": pl.String,
    "bytes": pl.Int64,
    "modified_ns": pl.Int64,
    "file_hash": pl.String,
    "mappings_digest": pl.String,
    "examined_at": pl.Datetime("us"),
}


@dataclass(frozen=True)
class Stamp:
    """A file's size and modification time (nanoseconds) when it was looked at."""

    bytes: int
    modified_ns: int

    @classmethod
    def of(cls, path: str | Path) -> Stamp:
        """Return the file's stamp as the file system gives it now (a link's own, never its target's)."""
        status = os.lstat(path)
        return cls(status.st_size, status.st_mtime_ns)


def mappings_digest(partners_dir: Path) -> str:
    """Return a digest of every mapping file (partners' and publications') under `partners_dir`."""
    digest = hashlib.sha256()
    for path in sorted(partners_dir.rglob("*.yaml")) if partners_dir.is_dir() else []:
        digest.update(path.relative_to(partners_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def changed_files(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, digest: str, listed: Sequence[tuple[str, str]]
) -> tuple[dict[int, Stamp], int]:
    """Return {position in `listed`: stamp now} of the listed (path, file name) pairs that `kind` has
    not examined as they are now, under the mapping files `digest` names, in listing order; and how
    many are as they were examined.

    Only each file's status is read; the comparison with the catalogue runs in the database, so a
    night's bookkeeping over the files already held is a system call each. A file gone since it was
    listed is left out: there is nothing left to read.
    """
    positions, sizes, times = [], [], []
    for position, (path, _) in enumerate(listed):
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            continue
        positions.append(position)
        sizes.append(status.st_size)
        times.append(status.st_mtime_ns)
    names = [listed[position][1] for position in positions]
    listing = pl.DataFrame(
        {"position": positions, "file_name": names, "bytes": sizes, "modified_ns": times},
        schema={"position": pl.Int64, "file_name": pl.String, "bytes": pl.Int64, "modified_ns": pl.Int64},
    )
    con.register("listed_files", listing.to_arrow())
    try:
        rows = con.execute(
            "select position, bytes, modified_ns from listed_files anti join ("
            "  select file_name, bytes, modified_ns from audit.inbox_files"
            "  where submission_type = ? and mappings_digest = ?"
            ") using (file_name, bytes, modified_ns) order by position",
            [kind.name, digest],
        ).fetchall()
    finally:
        con.unregister("listed_files")
    return {position: Stamp(size, modified) for position, size, modified in rows}, len(positions) - len(rows)


def record_examined(con: duckdb.DuckDBPyConnection, examined: list[dict]) -> None:
    """Replace the catalog rows of the files just examined (one row per type and file name)."""
    if not examined:
        return
    con.register("examined_files", pl.DataFrame(examined, schema=CATALOG_SCHEMA).to_arrow())
    try:
        con.execute(
            "delete from audit.inbox_files as c using examined_files as e "
            "where c.submission_type = e.submission_type and c.file_name = e.file_name"
        )
        con.execute("insert into audit.inbox_files by name select * from examined_files")
    finally:
        con.unregister("examined_files")


def examined_entry(
    kind: SubmissionType, name: str, stamp: Stamp, file_hash: str, digest: str, now: datetime
) -> dict:
    """Return the catalog row of a file just read and hashed (an empty hash: skipped, not read)."""
    return {
        "submission_type": kind.name,
        "file_name": name,
        "bytes": stamp.bytes,
        "modified_ns": stamp.modified_ns,
        "file_hash": file_hash,
        "mappings_digest": digest,
        "examined_at": now,
    }
