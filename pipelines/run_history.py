"""Dagster's SQLite event log for the embedded instance, its connections kept open between events.

Dagster's `SqliteEventLogStorage` opens a new SQLite connection for every event it stores (a run's
step writes several, a month's validation several per partition) and closes it after one commit: each
commit waits for the disk, and each close of a file's last connection checkpoints its write-ahead log
and removes it. Measured on the small demo's first run (2 cores): 1,015 events took about 20 s of a
46 s run. This storage keeps one open engine per database file (a run's own, and the index of every
run's asset events) and commits with `synchronous=NORMAL`, which in SQLite's write-ahead-log mode
syncs at each checkpoint instead of each commit: a stopped process loses nothing it committed; a power
cut may lose the last events committed, never the file. A table found in the index is remembered
(Dagster opens a new engine to ask before storing each check's evaluation: 156 times, 0.17 s, a national
next night). The files, tables and layout are Dagster's own, so the webserver, the daemon and another
Dagster installation read them unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._serdes.config_class import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

OPEN_FILES = 8  # a run writes two files (its own and the index); the webserver reads a few runs at once


def _commit_without_waiting_for_the_disk(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class OpenSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` holding an engine per database file open (the `OPEN_FILES` most recently
    used), its connections committing with `synchronous=NORMAL`."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> OpenSqliteEventLogStorage:
        """Build the storage from its `dagster.yaml` settings (`base_dir`)."""
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The open engine of one database file (a run's, or the index), opened on first use."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _commit_without_waiting_for_the_disk)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_FILES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Whether the index holds the table, a table found once remembered: Dagster asks before storing
        each asset check's event and each event's tags, and opens a new engine on the file to answer."""
        if table_name not in self._tables_present and super().has_table(table_name):
            self._tables_present.add(table_name)
        return table_name in self._tables_present

    def _close_files(self) -> None:
        while self._engines:
            self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        """Close every file, then remove them as Dagster's storage does."""
        with self._db_lock:
            self._close_files()
            self._tables_present.clear()
        super().wipe()

    def dispose(self) -> None:
        """Close every file held open, then stop watching as Dagster's storage does."""
        with self._db_lock:
            self._close_files()
        super().dispose()
