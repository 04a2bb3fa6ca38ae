"""One partnership's areas as partitions on Dagster's executor: the medium demo (12 areas) loaded and
validated by one run of the `area_stage` job, one step per area, 3 step processes at once under the
multiprocess executor, each area in a working DuckDB file of its own, staged in the lake, then
gathered and published once; Dagster's instance on a real PostgreSQL, the lake's catalog too.

The medium demo's inbox is cut to the files sent in its last 6 months (its 12 areas and partners all
still there), so that the embedded run and the partitioned ones take about 110 CPU-seconds: marked
slow, run by `make test` (and alone by `make test-scale-out`). Each step's CPU seconds and peak
memory are printed (pytest -s shows them).
"""

from __future__ import annotations

import json
import multiprocessing
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.faults import FAULT_AT
from assets.lake import LAKE, connect_lake
from assets.publish.lake import PUBLICATION, publish_to_lake
from assets.query import one_row
from pipelines.area_partitions import STAGE_FAULT, STAGED, area_settings, areas_of
from pipelines.area_run import AREA_JOB, AREA_STAGED, AREA_STEP, mapping_key
from pipelines.area_workers import WORKERS
from pipelines.demo.submissions import generate_demo
from pipelines.instance import write_postgres_instance
from pipelines.run import run_nightly
from pipelines.settings import LakeSettings
from tests.conftest import settings_for
from tests.lake_processes import DONE, read_every_snapshot
from tests.lake_runs import worker_environment
from tests.mart_checksums import catalog_mart_checksums, mart_checksums

pytestmark = [pytest.mark.slow, pytest.mark.scale_out]
SENT_FROM = "20251101"  # the inbox keeps the files sent from this day (their names' date): 6 months
SENT_ON = re.compile(r"_(\d{8})")
STAGED_STEP = re.compile(r"^step (\S+) \((.+)\): staged: .*, \d+ s, \d+ CPU-s, peak \d+ MiB$", re.M)


def _keep_files_sent_from(inbox: Path, day: str) -> int:
    """Remove the inbox files whose name says they were sent before `day` (YYYYMMDD); return those left.

    Files whose name carries no date (say, a partner's misnamed file) stay: the runs must reject them.
    """
    for path in [p for p in inbox.rglob("*") if p.is_file()]:
        sent = SENT_ON.search(path.name)
        if sent and sent[1] < day:
            path.unlink()
    return sum(1 for p in inbox.rglob("*") if p.is_file())


def _partitions(environment: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    """Run the area partitions in a process of their own; print what it said."""
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.area_workers", "run", "--workers", str(WORKERS), *options],
        env=environment,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    print(done.stdout, done.stderr, sep="\n")
    return done


def _lake_marts(lake: LakeSettings) -> dict[str, tuple[int, int]]:
    with connect_lake(lake, read_only=True) as con:
        return catalog_mart_checksums(con, LAKE)


def _earlier_publication(warehouse: Path, copy: Path) -> Path:
    """Return a copy of a warehouse with every other row of each mart left out: a publication whose
    marts all differ from the warehouse's, for the lake to hold before the run publishes."""
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        marts = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        for (mart,) in marts:
            con.execute(f'delete from marts."{mart}" where rowid % 2 = 0')
    return copy


def test_areas_as_steps_three_at_once_publish_the_embedded_marts_and_a_killed_step_runs_again(
    postgres,
    tmp_path,
):
    generate_demo(tmp_path / "embedded", scale="medium", seed=7)
    embedded = settings_for(tmp_path / "embedded")
    assert 1_000 < _keep_files_sent_from(embedded.inbox, SENT_FROM) < 2_000
    shutil.copytree(tmp_path / "embedded", tmp_path / "partitioned")  # the same inbox, dates and all
    report = run_nightly(embedded)
    assert report.success
    expected = mart_checksums(embedded.warehouse)
    lake = LakeSettings(
        url=f"ducklake:postgres:{postgres.create_database('lake')}", data_path=str(tmp_path / "lake-data")
    )
    instance = tmp_path / "dagster_home"
    postgres.create_database("dagster")
    write_postgres_instance(instance, postgres.url("dagster"))
    partitioned = replace(settings_for(tmp_path / "partitioned"), lake=lake)
    environment = worker_environment(partitioned, instance, lake) | {FAULT_AT: ""}
    areas = areas_of(partitioned.reference_dir)
    killed = areas[len(areas) // 2]  # a step among the others: they run on while it is killed
    assert len(areas) == 12 and killed in areas
    # the lake holds an earlier publication, which readers see until the next: every mart differs
    # from the one published next, so a reader seeing part of a publication would be caught
    publish_to_lake(_earlier_publication(embedded.warehouse, tmp_path / "earlier.duckdb"), lake, "earlier")
    earlier = _lake_marts(lake)
    assert {mart for mart, checksum in earlier.items() if expected.get(mart) == checksum} <= {
        mart for mart, (rows, _) in expected.items() if rows < 2
    }
    spawn = multiprocessing.get_context("spawn")
    stop, found = spawn.Event(), spawn.Queue()
    reader = spawn.Process(target=read_every_snapshot, args=(lake, stop, found))
    reader.start()
    seen: list = []
    try:
        stopped = _partitions(environment | {FAULT_AT: STAGE_FAULT.format(area=killed)})
        assert stopped.returncode == 1 and f"--area {killed!r}" in stopped.stderr
        # the killed area's step failed, its process killed; every other area's step staged its area
        killed_step = f"{AREA_STEP}[{mapping_key(killed)}]"
        assert f"step {killed_step} ({killed}): FAILED: " in stopped.stdout
        assert "signal 9 (SIGKILL)" in stopped.stdout
        assert sorted(area for _, area in STAGED_STEP.findall(stopped.stdout)) == sorted(
            set(areas) - {killed}
        )
        with connect_lake(lake, read_only=True) as con:
            commits = con.execute(
                f"select commit_message, commit_extra_info from {LAKE}.snapshots() "
                "where commit_message is not null order by snapshot_id"
            ).fetchall()
        staged = {json.loads(info)["area"] for message, info in commits if message == STAGED}
        assert staged == set(areas) - {killed}  # the killed partition committed nothing
        assert [message for message, _ in commits if message == PUBLICATION] == [PUBLICATION]
        assert _lake_marts(lake) == earlier and not partitioned.warehouse.exists()
        # run again, that partition alone: it completes, and the partnership is published
        again = _partitions(environment, "--area", killed)
        assert again.returncode == 0, again.stderr
        published = _lake_marts(lake)
    finally:
        stop.set()
        while seen[-1:] != [DONE]:
            seen.append(found.get(timeout=300))
        reader.join(timeout=60)
    assert published == expected == mart_checksums(partitioned.warehouse)
    assert len(expected) >= 20 and published != earlier
    # the reader read every snapshot since the earlier publication: that one until this one, no error,
    # never a part of one
    assert [r for r in seen[:-1] if not isinstance(r, tuple)] == []
    assert [version for version, _ in seen[:-1]] == list(range(seen[0][0], seen[-2][0] + 1))
    readings = [marts for _, marts in seen[:-1]]
    assert len(readings) >= len(areas) + 2  # each area's stage, and the two publications
    first_published = readings.index(published)
    assert first_published > 0 and all(r == earlier for r in readings[:first_published])
    assert all(r == published for r in readings[first_published:])
    # the data-quality site lists each suite on partners' rows once, every area's result under it
    docs = (partitioned.site_dir / "data-quality" / "index.html").read_text()
    assert docs.count("<td>raw.outcomes</td>") == 1 and f"{len(areas)} areas" in docs
    # each area worked in a DuckDB file of its own, whose size its step's end measured for compaction
    for area in areas:
        with duckdb.connect(str(area_settings(partitioned, area).build_database), read_only=True) as con:
            (measured,) = one_row(con.execute("select count(*) from audit.compactions"))
        assert measured >= 1, area
    with dg.DagsterInstance.from_config(str(instance)) as shared:  # every run, in PostgreSQL
        runs = shared.get_runs(filters=dg.RunsFilter(job_name=AREA_JOB))
        staged_events = shared.fetch_materializations(AREA_STAGED, limit=100).records
        build_runs = shared.get_runs(filters=dg.RunsFilter(job_name="nightly"))
    # two runs of the area stage: the first failed (its killed step), the second staged that area alone
    second, first = runs  # newest first
    assert (first.status, second.status) == (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS)
    # each area's step recorded its partition of `areas/staged`, in the run that staged it
    by_area = {(record.partition_key, record.run_id) for record in staged_events}
    assert by_area == {(area, first.run_id) for area in areas if area != killed} | {(killed, second.run_id)}
    assert {run.status for run in build_runs} == {dg.DagsterRunStatus.SUCCESS}  # the build's, once published
