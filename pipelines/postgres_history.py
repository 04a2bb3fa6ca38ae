"""Dagster's PostgreSQL storages for workers sharing one instance, a connection kept open per process.

Dagster's PostgreSQL storages open a new connection for every call (SQLAlchemy's `NullPool`): every
event a run stores, every read of its run record and every sensor or schedule tick's read and write of
its state starts a PostgreSQL backend process, authenticates and ends it. A run of the small demo
stores about a thousand events. These storages keep one connection open per storage in each process
(a pool of one, more opened while several threads need one at once and closed when returned), checked
before use so that a server restart costs a reconnect, not a failed run or tick. The tables are
Dagster's own: the webserver, the daemon and any other process read them unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from dagster._serdes.config_class import ConfigurableClassData
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from dagster_postgres.utils import (
    create_pg_engine,
    get_token_provider_from_config,
    pg_url_from_config,
)
from sqlalchemy.engine import Engine

OVERFLOW = 4  # connections opened beyond the one kept while several threads need one at once
RECYCLE_SECONDS = 3600  # a connection older than this is replaced (servers and proxies drop idle ones)


class _KeptConnection:
    """Put in front of a Dagster PostgreSQL storage: after Dagster's own set-up (tables created or
    checked), its connection-per-call engine is replaced by one keeping a connection open."""

    _engine: Engine
    _token_provider: Any
    postgres_url: str

    def __init__(self, postgres_url: str, *args: Any, **kwargs: Any):
        super().__init__(postgres_url, *args, **kwargs)  # type: ignore[call-arg]
        self._engine.dispose()
        self._engine = create_pg_engine(
            self.postgres_url,
            self._token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=OVERFLOW,
            pool_recycle=RECYCLE_SECONDS,
            pool_pre_ping=True,
        )

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> Self:
        """Build the storage from its `dagster.yaml` settings (those of Dagster's own)."""
        return cls(
            pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            inst_data=inst_data,
            token_provider=get_token_provider_from_config(config_value),
        )

    def dispose(self) -> None:
        """Close the connection kept, then whatever Dagster's storage closes."""
        self._engine.dispose()
        super().dispose()  # type: ignore[misc]


class PooledPostgresEventLogStorage(_KeptConnection, PostgresEventLogStorage):
    """`PostgresEventLogStorage` keeping a connection open between the events it stores."""


class PooledPostgresRunStorage(_KeptConnection, PostgresRunStorage):
    """`PostgresRunStorage` keeping a connection open between the calls it serves."""


class PooledPostgresScheduleStorage(_KeptConnection, PostgresScheduleStorage):
    """`PostgresScheduleStorage` keeping a connection open between sensor and schedule ticks."""
