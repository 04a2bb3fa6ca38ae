"""A Dagster instance whose runs, events and schedules live in PostgreSQL, shared by every worker.

    python -m pipelines.instance DAGSTER_HOME POSTGRES_URL [MAX_CONCURRENT_RUNS]

writes `DAGSTER_HOME/dagster.yaml` and creates the instance's tables. The embedded default keeps
Dagster's own SQLite files in `dagster_home/`, which one process at a time may write; with several
workers (runs of several partnerships at once, or a Kubernetes cluster launching a pod per run) every
process must see the same run history, so it lives in PostgreSQL (`dagster-postgres`). Runs the daemon
launches (schedule, sensors, backfills from the UI) wait in a queue, at most MAX_CONCURRENT_RUNS [4] at
a time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
import yaml

INSTANCE_FILE = "dagster.yaml"


def postgres_instance(postgres_url: str, max_concurrent_runs: int = 4) -> dict:
    """Return the settings of an instance on PostgreSQL with a queue of launched runs."""
    return {
        "storage": {"postgres": {"postgres_url": postgres_url}},
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {"max_concurrent_runs": max_concurrent_runs},
        },
        "telemetry": {"enabled": False},
        "nux": {"enabled": False},
    }


def write_postgres_instance(dagster_home: Path, postgres_url: str, max_concurrent_runs: int = 4) -> Path:
    """Write the instance file into `dagster_home` (created if needed) and create the instance's tables
    in PostgreSQL; return the file's path.

    The tables are made here, once: workers started together against a new database would each create
    them on first use, a race the area workers met ("type alembic_version already exists").
    """
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / INSTANCE_FILE
    path.write_text(
        yaml.safe_dump(postgres_instance(postgres_url, max_concurrent_runs), sort_keys=False), "utf-8"
    )
    with dg.DagsterInstance.from_config(str(dagster_home)):
        pass
    return path


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    print(write_postgres_instance(Path(sys.argv[1]), sys.argv[2], *map(int, sys.argv[3:])))
