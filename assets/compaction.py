"""Compaction of the working database, when replaced rows have left it much larger than what it holds.

DuckDB keeps a file's size: the blocks a whole rebuild or a month's replacement frees are reused only in
part, and row groups keep the room of their deleted rows. At national scale the file grew from 118 MB
after the first load to 170 MB four months' nights later, while a copy of the same contents took 123 MB
(bench/RESULTS.md, thirty-sixth session); every publication copies the file, and the last seven are kept.

A compaction copies every schema, table, view and macro into a new file with DuckDB's own
`COPY FROM DATABASE` (its documented way to give the space back) and renames the copy over the file.
It runs when the database is closed, at the end of a run (`WorkingDatabase`), once the file has grown to
`growth` times its size after the last compaction. `audit.compactions` keeps each one, the first row
being the size the file was first measured at. As the trigger is a proportion of the size, the cost of
compacting, spread over the nights between two compactions, is in proportion to what those nights added.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.faults import fault_point
from assets.query import literal, one_row, quote

# the file compacts once it is half as large again as after the last compaction
COMPACT_AT_GROWTH = 1.5
# DuckDB's memory while it copies, table by table: it runs in the process of the run that just ended, and
# more buys no speed (national scale, 170 MB: 4.5 s and 510 MB peak at 256MB, 4.4 s and 1,090 MB at 1GB;
# at x10, 1.1 GB, 128MB is too little: DuckDB stops, out of memory)
COMPACTION_MEMORY_LIMIT = "256MB"

COMPACTIONS = """
    create schema if not exists audit;
    create table if not exists audit.compactions (
        measured_at timestamp not null,
        bytes_before bigint,
        bytes_after bigint not null,
        seconds double
    )
"""
COMPACTED = "compacted"


@dataclass(frozen=True)
class Compaction:
    """What one compaction did: the file's size before and after, and how long it took."""

    bytes_before: int
    bytes_after: int
    seconds: float


def compacting_path(database: Path) -> Path:
    """The copy a compaction writes, beside the database (a leftover of a stopped one is removed)."""
    return database.with_name(f".{database.name}.compacting")


def compact_if_grown(database: Path, config: dict, growth: float = COMPACT_AT_GROWTH) -> Compaction | None:
    """Compact the closed database `database` if it has grown to `growth` times its size after the
    last compaction (the first time, record its size instead); return what was done, if anything.

    The file is replaced in one rename only when the copy is whole: a stop or an error before leaves
    it as it was. Raises duckdb.Error when the file is open elsewhere: in another process, or in this one
    under the same path (its configuration differs); DuckDB does not see this process's connections to
    the file under another spelling of its path, which the caller must rule out. OSError when the disk
    fills.
    """
    copy = compacting_path(database)
    _remove(copy)
    size = database.stat().st_size
    with duckdb.connect(str(database), config=config | {"memory_limit": COMPACTION_MEMORY_LIMIT}) as con:
        con.execute("set enable_progress_bar = false")  # the run's own progress is on the terminal
        con.execute(COMPACTIONS)
        (last,) = one_row(con.execute("select max_by(bytes_after, measured_at) from audit.compactions"))
        if last is None:
            con.execute("insert into audit.compactions values (now(), null, ?, null)", [size])
            return None
        if size < growth * last:
            return None
        start = time.perf_counter()
        try:
            con.execute(f"attach {literal(str(copy))} as {quote(COMPACTED)}")
            con.execute(f"copy from database {quote(_catalog(con))} to {quote(COMPACTED)}")
            con.execute(f"detach {quote(COMPACTED)}")
            fault_point("compact:copied")
            compaction = Compaction(size, copy.stat().st_size, time.perf_counter() - start)
            con.execute(f"attach {literal(str(copy))} as {quote(COMPACTED)}")
            con.execute(
                f"insert into {quote(COMPACTED)}.audit.compactions values (now(), ?, ?, ?)",
                [compaction.bytes_before, compaction.bytes_after, compaction.seconds],
            )
            con.execute(f"detach {quote(COMPACTED)}")
        except BaseException:
            _remove(copy)
            raise
    copy.replace(database)
    return compaction


def _remove(copy: Path) -> None:
    """Remove a compaction's copy and its write-ahead log (one a stopped compaction left would be
    replayed into the next copy)."""
    copy.unlink(missing_ok=True)
    Path(f"{copy}.wal").unlink(missing_ok=True)


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    (name,) = one_row(con.execute("select current_database()"))
    return str(name)
