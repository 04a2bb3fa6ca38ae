"""Processes of the lake tests: a reader, a publication killed at a fault point (light imports, so that
they start at once)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import duckdb

from assets.faults import FAULT, FAULT_AT
from assets.lake import LAKE, attach_statement, connect_lake
from assets.publish.lake import publish_to_lake
from assets.query import one_row
from pipelines.settings import LakeSettings
from tests.mart_checksums import catalog_mart_checksums

DONE = "done"
AT_VERSION = "lake_at_version"
POLL_SECONDS = 0.2  # how often the reader asks for new snapshots (a cheap query of the catalog)


def read_while_publishing(lake: LakeSettings, stop, found: multiprocessing.Queue) -> None:
    """Put on `found` every mart's checksums each time they are read (one transaction a reading), or
    the error, until `stop` is set; then DONE."""
    with connect_lake(lake, read_only=True) as con:
        while not stop.is_set():
            try:
                con.execute("begin")
                found.put(catalog_mart_checksums(con, LAKE))
                con.execute("commit")
            except duckdb.Error as error:
                found.put(str(error))
                con.execute("rollback")
    found.put(DONE)


def read_every_snapshot(lake: LakeSettings, stop, found: multiprocessing.Queue) -> None:
    """Put on `found` (snapshot id, every mart's checksums) for each snapshot the lake commits, each read
    as of that snapshot (time travel: none is missed however fast they follow), or the error, until
    `stop` is set and every snapshot up to then is read; then DONE.

    Between readings it waits on `stop` for at most POLL_SECONDS, instead of reading the marts again
    and again: the marts can only change with a new snapshot.
    """
    with connect_lake(lake, read_only=True) as con:
        last = None
        while True:
            stopping = stop.is_set()
            try:
                (latest,) = one_row(con.execute(f"select max(snapshot_id) from {LAKE}.snapshots()"))
                for version in range(latest if last is None else last + 1, latest + 1):
                    con.execute(attach_statement(lake, read_only=True, snapshot=version, name=AT_VERSION))
                    found.put((version, catalog_mart_checksums(con, AT_VERSION)))
                    con.execute(f"detach {AT_VERSION}")
                    last = version
            except duckdb.Error as error:
                found.put(str(error))
            if stopping:
                break
            stop.wait(POLL_SECONDS)
    found.put(DONE)


def publish_killed_at(warehouse: Path, lake: LakeSettings, run_id: str, point: str) -> None:
    """Publish a warehouse to the lake in this process, the fault at `point` (the process dies there)."""
    os.environ[FAULT_AT] = point
    os.environ.pop(FAULT, None)
    publish_to_lake(warehouse, lake, run_id)
