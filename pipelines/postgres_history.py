"""Dagster's PostgreSQL run history for workers sharing one instance, a connection kept open per process.

Dagster's PostgreSQL storages open a new connection for every call (SQLAlchemy's `NullPool`): every
event a run stores and every read of its run record starts a PostgreSQL backend process, authenticates
and ends it. A run of the small demo stores about a thousand events. These storages keep one
connection open per storage in each process (a pool of one, more opened while several threads need
one at once and closed when returned), checked before use so that a server restart costs a reconnect,
not a failed run. The tables are Dagster's own: the webserver, the daemon and any other process read
them unchanged.
"""

from __future__ import annotations

from typing import Any

from dagster._serdes.config_class import ConfigurableClassData
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage
from dagster_postgres.utils import (
    create_pg_engine,
    get_token_provider_from_config,
    pg_url_from_config,
)
from sqlalchemy.engine import Engine

OVERFLOW = 4  # connections opened beyond the one kept while several threads need one at once
RECYCLE_SECONDS = 3600  # a connection older than this is replaced (servers and proxies drop idle ones)


def _pooled_engine(url: str, token_provider: Any) -> Engine:
    return create_pg_engine(
        url,
        token_provider,
        isolation_level="AUTOCOMMIT",
        pool_size=1,
        max_overflow=OVERFLOW,
        pool_recycle=RECYCLE_SECONDS,
        pool_pre_ping=True,
    )


def _settings(config_value: dict[str, Any]) -> dict[str, Any]:
    return {
        "postgres_url": pg_url_from_config(config_value),
        "should_autocreate_tables": config_value.get("should_autocreate_tables", True),
        "token_provider": get_token_provider_from_config(config_value),
    }


class PooledPostgresEventLogStorage(PostgresEventLogStorage):
    """`PostgresEventLogStorage` keeping a connection open between the events it stores."""

    def __init__(self, postgres_url: str, *args: Any, **kwargs: Any):
        super().__init__(postgres_url, *args, **kwargs)
        self._engine.dispose()
        self._engine = _pooled_engine(self.postgres_url, self._token_provider)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> PooledPostgresEventLogStorage:
        """Build the storage from its `dagster.yaml` settings (those of Dagster's own)."""
        return cls(inst_data=inst_data, **_settings(config_value))

    def dispose(self) -> None:
        """Close the connection kept, then stop watching as Dagster's storage does."""
        self._engine.dispose()
        super().dispose()


class PooledPostgresRunStorage(PostgresRunStorage):
    """`PostgresRunStorage` keeping a connection open between the calls it serves."""

    def __init__(self, postgres_url: str, *args: Any, **kwargs: Any):
        super().__init__(postgres_url, *args, **kwargs)
        self._engine.dispose()
        self._engine = _pooled_engine(self.postgres_url, self._token_provider)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> PooledPostgresRunStorage:
        """Build the storage from its `dagster.yaml` settings (those of Dagster's own)."""
        return cls(inst_data=inst_data, **_settings(config_value))

    def dispose(self) -> None:
        """Close the connection kept."""
        self._engine.dispose()
        super().dispose()
