"""The Dagster instance's settings: the embedded one on SQLite, or one on PostgreSQL shared by workers.

    python -m pipelines.instance DAGSTER_HOME [POSTGRES_URL [MAX_CONCURRENT_RUNS]]

writes `DAGSTER_HOME/dagster.yaml` and creates the instance's tables. The embedded default (no URL;
`make run` writes it) keeps Dagster's own SQLite files in `dagster_home/`, where Dagster's default puts
them, its event log held open between events (pipelines/run_history.py); one process at a time may
write them. With several workers (runs of several partnerships at once, or a Kubernetes cluster
launching a pod per run) every process must see the same run history, so it lives in PostgreSQL
(`dagster-postgres`), each process keeping its connections open (pipelines/postgres_history.py).
Runs the daemon launches (schedule, sensors, backfills from the UI) wait in a queue, at most
MAX_CONCURRENT_RUNS [4] at a time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
import yaml

from pipelines.postgres_history import (
    PooledPostgresEventLogStorage,
    PooledPostgresRunStorage,
    PooledPostgresScheduleStorage,
)
from pipelines.run_history import OpenSqliteEventLogStorage

INSTANCE_FILE = "dagster.yaml"
QUIET = {"telemetry": {"enabled": False}, "nux": {"enabled": False}}  # no telemetry, no sign-up prompt


def sqlite_instance(dagster_home: Path) -> dict:
    """Return the settings of the embedded instance: Dagster's SQLite files in `dagster_home` (where its
    default puts them: existing history stays), the event log kept open (`OpenSqliteEventLogStorage`)."""
    home = dagster_home.resolve()
    return {
        "run_storage": {
            "module": "dagster._core.storage.runs",
            "class": "SqliteRunStorage",
            "config": {"base_dir": str(home / "history")},
        },
        "event_log_storage": {
            "module": OpenSqliteEventLogStorage.__module__,
            "class": OpenSqliteEventLogStorage.__name__,
            "config": {"base_dir": str(home / "history" / "runs")},
        },
        "schedule_storage": {
            "module": "dagster._core.storage.schedules",
            "class": "SqliteScheduleStorage",
            "config": {"base_dir": str(home / "schedules")},
        },
    } | QUIET


def postgres_instance(postgres_url: str, max_concurrent_runs: int = 4) -> dict:
    """Return the settings of an instance on PostgreSQL with a queue of launched runs: Dagster's tables,
    their connections kept open in each process (pipelines/postgres_history.py)."""
    database = {"postgres_url": postgres_url}
    return {
        "run_storage": {
            "module": PooledPostgresRunStorage.__module__,
            "class": PooledPostgresRunStorage.__name__,
            "config": database,
        },
        "event_log_storage": {
            "module": PooledPostgresEventLogStorage.__module__,
            "class": PooledPostgresEventLogStorage.__name__,
            "config": database,
        },
        "schedule_storage": {
            "module": PooledPostgresScheduleStorage.__module__,
            "class": PooledPostgresScheduleStorage.__name__,
            "config": database,
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {"max_concurrent_runs": max_concurrent_runs},
        },
    } | QUIET


def write_instance(dagster_home: Path, settings: dict) -> Path:
    """Write the instance file into `dagster_home` (created if needed) and create the instance's tables;
    return the file's path.

    The tables are made here, once: workers started together against a new database would each create
    them on first use, a race the area workers met ("type alembic_version already exists").
    """
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / INSTANCE_FILE
    path.write_text(yaml.safe_dump(settings, sort_keys=False), "utf-8")
    with dg.DagsterInstance.from_config(str(dagster_home)):
        pass
    return path


def write_postgres_instance(dagster_home: Path, postgres_url: str, max_concurrent_runs: int = 4) -> Path:
    """Write the settings of an instance on PostgreSQL into `dagster_home` and create its tables."""
    return write_instance(dagster_home, postgres_instance(postgres_url, max_concurrent_runs))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3, 4):
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    home = Path(sys.argv[1])
    if len(sys.argv) == 2:
        print(write_instance(home, sqlite_instance(home)))
    else:
        print(write_postgres_instance(home, sys.argv[2], *map(int, sys.argv[3:])))
