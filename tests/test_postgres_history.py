"""The shared instance's run history on PostgreSQL (pipelines/instance.py, pipelines/postgres_history.py):
Dagster's own tables, written through storages that keep a connection open in each process."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
from dagster._core.scheduler.instigation import InstigatorType, TickData, TickStatus
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from pipelines.instance import QUIET, write_instance, write_postgres_instance
from pipelines.postgres_history import (
    PooledPostgresEventLogStorage,
    PooledPostgresRunStorage,
    PooledPostgresScheduleStorage,
)
from tests.test_run_history import JOB

RUNS = 5
TICKS = 10


def _sessions(con: Connection, database: str) -> int:
    """The sessions ever opened on `database`, once the count stops moving (ended sessions are counted
    as they end)."""
    counts = [-1]
    for _ in range(50):
        con.execute(text("select pg_stat_clear_snapshot()"))
        counts.append(
            con.execute(
                text("select sessions from pg_stat_database where datname = :database"),
                {"database": database},
            ).scalar_one()
        )
        if counts[-1] == counts[-2]:
            break
        time.sleep(0.2)
    return counts[-1]


def _events(instance: dg.DagsterInstance, run_id: str) -> list[dg.DagsterEventType | None]:
    return [e.dagster_event_type for e in instance.all_logs(run_id) if e.dagster_event]


def _sessions_opened_by_runs(home: Path, watcher: Connection, database: str) -> tuple[list[str], int]:
    """Run the job RUNS times on the instance in `home`; return the runs and the sessions they opened."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        before = _sessions(watcher, database)
        run_ids = [JOB.execute_in_process(instance=instance).run_id for _ in range(RUNS)]
        return run_ids, _sessions(watcher, database) - before


def _sessions_opened_by_ticks(home: Path, watcher: Connection, database: str) -> tuple[list[int], int]:
    """Store TICKS sensor ticks on the instance in `home` as the daemon does (created started, then
    finished); return their ids and the sessions they opened."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        before = _sessions(watcher, database)
        ids = []
        for n in range(TICKS):
            tick = instance.create_tick(
                TickData(
                    instigator_origin_id="inbox",
                    instigator_name="inbox_sensor",
                    instigator_type=InstigatorType.SENSOR,
                    status=TickStatus.STARTED,
                    timestamp=time.time(),
                    selector_id="inbox-selector",
                )
            )
            instance.update_tick(tick.with_status(TickStatus.SKIPPED, skip_reason=f"nothing new ({n})"))
            ids.append(tick.tick_id)
        return ids, _sessions(watcher, database) - before


def _pooled_and_default(postgres, tmp_path: Path, database: str) -> tuple[Path, Path]:
    """Return the homes of two instances on a new `database`: one as `make` writes it for workers
    (pipelines/instance.py), one on Dagster's own PostgreSQL storages."""
    postgres.create_database(database)
    home, default = tmp_path / "dagster_home", tmp_path / "default_home"
    write_postgres_instance(home, postgres.url(database))
    write_instance(default, {"storage": {"postgres": {"postgres_url": postgres.url(database)}}} | QUIET)
    return home, default


def test_runs_keep_a_connection_open_and_dagsters_own_storage_reads_them(postgres, tmp_path):
    home, default = _pooled_and_default(postgres, tmp_path, "dagster")
    with create_engine(postgres.url(), isolation_level="AUTOCOMMIT").connect() as watcher:
        run_ids, opened = _sessions_opened_by_runs(home, watcher, "dagster")
        _, opened_by_default = _sessions_opened_by_runs(default, watcher, "dagster")
    # Dagster's own storages open a session for every event stored and every call: about 60 a run here
    assert opened <= 3 * RUNS and opened_by_default >= 20 * RUNS, (opened, opened_by_default)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_storage, PooledPostgresRunStorage)
        assert isinstance(instance.event_log_storage, PooledPostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PooledPostgresScheduleStorage)
    with dg.DagsterInstance.from_config(str(default)) as instance:
        assert type(instance.event_log_storage) is PostgresEventLogStorage
        assert type(instance.run_storage) is PostgresRunStorage
        assert set(run_ids) < {r.run_id for r in instance.get_runs()}
        for run_id in run_ids:
            assert _events(instance, run_id).count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 2
            assert _events(instance, run_id)[-1] == dg.DagsterEventType.RUN_SUCCESS
        records = instance.fetch_materializations(dg.AssetKey("counted"), limit=2 * RUNS).records
        assert [r.run_id for r in records][RUNS:] == run_ids[::-1]  # the default's runs came after


def test_sensor_ticks_keep_a_connection_open_and_dagsters_own_storage_reads_them(postgres, tmp_path):
    home, default = _pooled_and_default(postgres, tmp_path, "ticks")
    with create_engine(postgres.url(), isolation_level="AUTOCOMMIT").connect() as watcher:
        tick_ids, opened = _sessions_opened_by_ticks(home, watcher, "ticks")
        _, opened_by_default = _sessions_opened_by_ticks(default, watcher, "ticks")
    # a tick created and updated: four sessions with Dagster's own storage (40 here), one for all here
    assert opened <= 3 and opened_by_default >= 2 * TICKS, (opened, opened_by_default)
    with dg.DagsterInstance.from_config(str(default)) as instance:
        assert type(instance.schedule_storage) is PostgresScheduleStorage
        ticks = instance.get_ticks("inbox", "inbox-selector", limit=2 * TICKS)
        assert [t.tick_id for t in ticks][TICKS:] == tick_ids[::-1]  # newest first, the default's last
        assert {t.status for t in ticks} == {TickStatus.SKIPPED}
        assert ticks[-1].skip_reason == "nothing new (0)"


def test_a_connection_the_server_dropped_is_replaced_before_use(postgres, tmp_path):
    postgres.create_database("dropped")
    home = tmp_path / "dagster_home"
    write_postgres_instance(home, postgres.url("dropped"))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        first = JOB.execute_in_process(instance=instance)
        # a server restart, or a proxy closing idle connections
        with create_engine(postgres.url(), isolation_level="AUTOCOMMIT").connect() as admin:
            terminated = admin.execute(
                text(
                    "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                    "where datname = 'dropped' and pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert terminated >= 1  # the connections the storages kept
        second = JOB.execute_in_process(instance=instance)
        assert first.success and second.success
        assert _events(instance, second.run_id)[-1] == dg.DagsterEventType.RUN_SUCCESS
