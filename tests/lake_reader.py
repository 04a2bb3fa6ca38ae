"""A reader of the lake in a process of its own (light imports: it starts while publications run)."""

from __future__ import annotations

import multiprocessing

import duckdb

from pipelines.lake import LAKE, connect_lake
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
