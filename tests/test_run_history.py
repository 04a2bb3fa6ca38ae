"""The embedded instance's run history (pipelines/instance.py, pipelines/run_history.py): Dagster's own
SQLite files, written through an event log that keeps them open, read back by any other instance."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.instance import sqlite_instance, write_instance
from pipelines.run_history import OPEN_FILES, OpenSqliteEventLogStorage


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=counted, blocking=True)
def counted_has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@dg.asset(deps=[counted])
def summed() -> None:
    return None


JOB = dg.Definitions(
    assets=[counted, summed], asset_checks=[counted_has_rows]
).resolve_implicit_global_asset_job_def()


def _run(instance: dg.DagsterInstance) -> str:
    result = JOB.execute_in_process(instance=instance)
    assert result.success
    return result.run_id


def test_runs_written_through_the_open_event_log_are_read_by_another_instance(tmp_path):
    home = tmp_path / "dagster_home"
    write_instance(home, sqlite_instance(home))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, OpenSqliteEventLogStorage)
        run_ids = [_run(instance) for _ in range(OPEN_FILES + 2)]
        # a file per run and the index: no more than OPEN_FILES held open however many runs
        assert len(instance.event_log_storage._engines) == OPEN_FILES
    assert instance.event_log_storage._engines == {}  # disposed with the instance
    # Dagster's default layout, so the webserver and an instance without these settings read it
    assert (home / "history" / "runs.db").exists() and (home / "schedules" / "schedules.db").exists()
    assert {p.stem for p in (home / "history" / "runs").glob("*.db")} == set(run_ids) | {"index"}
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(home)) as default:
        assert type(default.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert {r.run_id for r in default.get_runs()} == set(run_ids)
        for run_id in run_ids:
            types = [e.dagster_event_type for e in default.all_logs(run_id) if e.dagster_event]
            assert dg.DagsterEventType.RUN_SUCCESS in types
            assert types.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 2
        latest = default.get_latest_materialization_event(dg.AssetKey("counted"))
        assert latest is not None and latest.run_id == run_ids[-1]
        materialization = latest.asset_materialization
        assert materialization is not None and materialization.metadata["rows"].value == 3
        check = default.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("counted"), "counted_has_rows"), limit=100
        )
        assert len(check) == len(run_ids)


def test_a_killed_process_loses_none_of_the_events_it_committed(tmp_path):
    home = tmp_path / "dagster_home"
    write_instance(home, sqlite_instance(home))
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, dagster as dg\n"
            "from tests.test_run_history import _run\n"
            f"instance = dg.DagsterInstance.from_config({str(home)!r})\n"
            "print(_run(instance), flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)  # no close, no dispose\n",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -9, killed.stderr
    run_id = killed.stdout.strip()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        types = [e.dagster_event_type for e in instance.all_logs(run_id) if e.dagster_event]
        assert types[-1] == dg.DagsterEventType.RUN_SUCCESS
        assert instance.get_latest_materialization_event(dg.AssetKey("summed")) is not None


def test_an_installation_keeps_the_history_dagsters_default_wrote(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # as `make` wrote it before
    with dg.DagsterInstance.from_config(str(home)) as default:
        before = _run(default)
    write_instance(home, sqlite_instance(home))  # `make run` after the upgrade rewrites the settings
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, OpenSqliteEventLogStorage)
        after = _run(instance)
        assert {r.run_id for r in instance.get_runs()} == {before, after}
        assert dg.DagsterEventType.RUN_SUCCESS in [
            e.dagster_event_type for e in instance.all_logs(before) if e.dagster_event
        ]
        records = instance.fetch_materializations(dg.AssetKey("counted"), limit=10).records
        assert [r.run_id for r in records] == [after, before]  # newest first, across both event logs


def test_tables_found_in_the_index_are_remembered_and_absent_ones_asked_again(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    write_instance(home, sqlite_instance(home))
    asked: list[str] = []
    dagsters = SqliteEventLogStorage.has_table

    def counted_has_table(storage: SqliteEventLogStorage, table_name: str) -> bool:
        asked.append(table_name)
        return dagsters(storage, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counted_has_table)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, OpenSqliteEventLogStorage)
        _run(instance)
        _run(instance)  # each stores a check's evaluation, which asks for asset_check_executions
        assert asked.count("asset_check_executions") == 1
        assert storage.has_table("asset_check_executions") and storage.supports_asset_checks
        assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
        assert asked.count("no_such_table") == 2  # not found: asked again (a migration may add it)
        storage.wipe()
        assert storage.has_table("asset_check_executions")  # recreated by the wipe, asked once more
        assert asked.count("asset_check_executions") == 2
