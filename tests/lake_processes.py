"""Processes of the lake tests: a reader, a publication killed at a fault point (light imports, so that
they start at once)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import duckdb

from assets.faults import FAULT, FAULT_AT
from assets.lake import LAKE, connect_lake
from assets.publish.lake import publish_to_lake
from pipelines.settings import LakeSettings
from tests.mart_checksums import catalog_mart_checksums

DONE = "done"


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


def publish_killed_at(warehouse: Path, lake: LakeSettings, run_id: str, point: str) -> None:
    """Publish a warehouse to the lake in this process, the fault at `point` (the process dies there)."""
    os.environ[FAULT_AT] = point
    os.environ.pop(FAULT, None)
    publish_to_lake(warehouse, lake, run_id)
