"""Several workers at once: the nightly runs of three partnerships (3 areas each) started together as
separate processes, sharing one Dagster instance on PostgreSQL and committing to one lake, one of them
killed before its lake commit and run again.

Four small demo runs in all (about 130 CPU-seconds): marked slow, run by `make test` (and alone by
`make test-scale-out`). Each worker's CPU seconds and peak memory are printed (pytest -s shows them).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster_postgres import PostgresRunStorage

from assets.faults import FAULT_AT
from assets.lake import LAKE, connect_lake
from pipelines.demo.submissions import generate_demo
from pipelines.instance import write_postgres_instance
from pipelines.settings import LakeSettings
from tests.conftest import FIRST_RUN_MARTS, settings_for
from tests.lake_runs import worker_environment
from tests.mart_checksums import catalog_mart_checksums, mart_checksums

pytestmark = [pytest.mark.slow, pytest.mark.scale_out]
# each partnership's lake schema and demo seed; 7 is the session's embedded demo run, to compare with
SEEDS = {"north": 7, "east": 11, "west": 13}
KILLED = "west"
KILL_POINT = "publish:lake-staged"


def _start(environment: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `joinedup run` with `environment`, its messages written to `log`."""
    joinedup = Path(sys.executable).parent / "joinedup"
    with log.open("w") as messages:
        return subprocess.Popen(
            [str(joinedup), "run", "--no-progress"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=messages,
        )


def _finish(workers: dict[str, subprocess.Popen]) -> dict[str, tuple[int, float, float]]:
    """Wait for every worker to end; return each one's exit status, CPU seconds and peak memory (MiB)."""
    finished = {}
    for name, worker in workers.items():
        _, status, usage = os.wait4(worker.pid, 0)
        worker.returncode = os.waitstatus_to_exitcode(status)
        finished[name] = (worker.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
    return finished


def _lake_schema(lake: LakeSettings, schema: str) -> dict[str, tuple[int, int]]:
    with connect_lake(lake, read_only=True) as con:
        return catalog_mart_checksums(con, LAKE, schema)


def test_partnerships_run_at_once_into_one_lake_with_one_run_history(demo_run, postgres, tmp_path):
    lake = LakeSettings(
        url=f"ducklake:postgres:{postgres.create_database('lake')}", data_path=str(tmp_path / "lake-data")
    )
    postgres.create_database("dagster")
    instance = tmp_path / "dagster_home"
    write_postgres_instance(instance, postgres.url("dagster"))
    environments = {}
    for schema, seed in SEEDS.items():
        generate_demo(tmp_path / schema, scale="small", seed=seed)
        environments[schema] = worker_environment(settings_for(tmp_path / schema), instance, lake) | {
            "JOINEDUP_LAKE_SCHEMA": schema
        }
    environments[KILLED] = environments[KILLED] | {FAULT_AT: KILL_POINT}
    logs = {schema: tmp_path / f"{schema}.log" for schema in SEEDS}
    workers = {schema: _start(environment, logs[schema]) for schema, environment in environments.items()}
    finished = _finish(workers)
    for schema, (status, cpu, peak) in finished.items():
        print(f"{schema}: exit {status}, {cpu:.0f} CPU-s, peak {peak:.0f} MiB")
    expected = {schema: -signal.SIGKILL if schema == KILLED else 0 for schema in SEEDS}
    unexpected = [schema for schema, (status, _, _) in finished.items() if status != expected[schema]]
    assert unexpected == [], "\n".join(logs[schema].read_text()[-3000:] for schema in unexpected)
    with connect_lake(lake, read_only=True) as con:  # the killed worker committed nothing
        schemas = {
            s
            for (s,) in con.execute(
                "select schema_name from duckdb_schemas() where database_name = ?", [LAKE]
            ).fetchall()
        }
        assert KILLED not in schemas and set(SEEDS) - {KILLED} <= schemas
        snapshots = con.execute(
            f"select count(*) from {LAKE}.snapshots() where commit_message = 'publication'"
        ).fetchone()[0]
    assert snapshots == len(SEEDS) - 1
    rerun = _finish({KILLED: _start(environments[KILLED] | {FAULT_AT: ""}, logs[KILLED])})[KILLED]
    print(f"{KILLED} again: exit {rerun[0]}, {rerun[1]:.0f} CPU-s, peak {rerun[2]:.0f} MiB")
    assert rerun[0] == 0, logs[KILLED].read_text()[-3000:]
    for schema in SEEDS:  # every partnership's marts in the lake are those of its own warehouse
        assert _lake_schema(lake, schema) == mart_checksums(settings_for(tmp_path / schema).warehouse)
    # and those of the embedded run of the same inbox, in another process, without a lake
    embedded = json.loads((demo_run[0].warehouse.parent.parent / FIRST_RUN_MARTS).read_text())
    assert {t: list(v) for t, v in _lake_schema(lake, "north").items()} == embedded
    # one run history for all workers: every worker's runs, in PostgreSQL
    with dg.DagsterInstance.from_config(str(instance)) as shared:
        assert isinstance(shared.run_storage, PostgresRunStorage)
        succeeded = shared.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
    assert len(succeeded) >= 3 * len(SEEDS)  # load, validate, build and publish of each run
