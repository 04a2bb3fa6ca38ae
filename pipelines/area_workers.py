"""One partnership's run as area partitions on several worker processes, then its marts built once.

    python -m pipelines.area_workers run [--workers N] [--area AREA ...]
    python -m pipelines.area_workers stage --round ID AREA ...      # one worker (what `run` starts)

`run` links each inbox file into its area partition's inbox (pipelines/area_partitions.py), starts N
[3] worker processes, each loading and validating its areas in turn (one run of the `area_stage` job
per area, pipelines/area_run.py), every area in a working DuckDB file of its own, and committing its
rows to the lake; once every area chosen (all, or `--area`) is staged, it gathers every area's rows
from the lake into the installation's working database, builds the models and publishes, warehouse,
site and lake marts, as `joinedup run` does. A worker that stops (killed, or a validation that fails)
leaves the lake at the areas' last committed rows and nothing is published; `run` says which areas to
run again (`--area`). Each worker's wall and CPU seconds and peak memory are printed. The settings
are `joinedup run`'s; a lake (JOINEDUP_LAKE) is required, and with DAGSTER_HOME
every worker's runs go to that instance (on PostgreSQL, pipelines/instance.py, for several workers).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assets.lake import connect_lake
from pipelines.area_partitions import areas_of, lake_of, split_inbox, staged_in_round
from pipelines.settings import Settings

if TYPE_CHECKING:
    import dagster as dg

WORKERS = 3


@dataclass(frozen=True)
class WorkerResult:
    """How one worker process ended: its areas, exit status, wall and CPU seconds, peak memory (MiB)."""

    areas: list[str]
    status: int
    seconds: float
    cpu_seconds: float
    peak_mib: float


def assign(areas: list[str], workers: int) -> list[list[str]]:
    """Return the areas each of `workers` processes takes in turn (round robin: neighbours apart)."""
    return [group for group in (areas[i::workers] for i in range(workers)) if group]


def start_workers(groups: list[list[str]], round_id: str) -> list[WorkerResult]:
    """Start one `stage` process per group of areas at once; wait for all; return how each ended."""
    started = time.monotonic()
    workers = {
        subprocess.Popen(
            [sys.executable, "-m", "pipelines.area_workers", "stage", "--round", round_id, "--", *group]
        ).pid: group
        for group in groups
    }
    results: dict[int, WorkerResult] = {}
    while len(results) < len(workers):
        pid, status, usage = os.wait4(-1, 0)
        if pid in workers:
            results[pid] = WorkerResult(
                workers[pid],
                os.waitstatus_to_exitcode(status),
                time.monotonic() - started,
                usage.ru_utime + usage.ru_stime,
                usage.ru_maxrss / 1024,
            )
    return [results[pid] for pid in workers]


def stage_areas(settings: Settings, areas: list[str], round_id: str) -> bool:
    """Load, validate and stage each area in turn in this process, one run of the `area_stage` job per
    area (pipelines/area_run.py); return whether all were staged."""
    import dagster as dg

    from pipelines.area_run import AREA_JOB, AREA_STAGED, area_stage_definitions
    from pipelines.run import QUIET

    job = area_stage_definitions(settings, areas_of(settings.reference_dir)).resolve_job_def(AREA_JOB)
    config = QUIET | {"ops": {AREA_STAGED.to_python_identifier(): {"config": {"round_id": round_id}}}}
    staged = True
    with (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral() as instance
    ):
        for area in areas:
            started = time.monotonic()
            result = job.execute_in_process(
                partition_key=area, instance=instance, run_config=config, raise_on_error=False
            )
            if not result.success:
                print(f"area {area}: not staged, its run failed: {'; '.join(failures(result))}", flush=True)
                staged = False
                continue
            done = result.asset_materializations_for_node(AREA_STAGED.to_python_identifier())[0].metadata
            months = done["months_validated"].value
            assert isinstance(months, list)  # area_run records the months as a list
            print(
                f"area {area}: {len(months)} month(s) validated, staged as lake "
                f"snapshot {done['lake_snapshot'].value} in {time.monotonic() - started:.0f} s",
                flush=True,
            )
    return staged


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """Return the message of each failed step of a run (the error that started it, under retries)."""
    found = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            found.append(f"{event.step_key}: {error.message.strip() if error else 'no error recorded'}")
    return found


def build_and_publish(settings: Settings, areas: list[str]) -> bool:
    """Gather every area's staged rows into the working database, build the models and publish them;
    return whether the publication succeeded."""
    import dagster as dg

    from pipelines.area_partitions import gather_areas
    from pipelines.automation import job_checks
    from pipelines.definitions import build_definitions
    from pipelines.run import QUIET

    definitions = build_definitions(settings)
    job = definitions.resolve_job_def("nightly")
    graph = definitions.get_repository_def().asset_graph
    keys = sorted(dg.AssetSelection.all().resolve(graph))
    seeds = [key for key in keys if key.path[0] == "seeds"]
    # what the area partitions did: loading, and validation (the monthly-partitioned assets)
    done = {key for key in keys if key.path[0] == "raw" or graph.get(key).partitions_def is not None}

    def execute(selection: list[dg.AssetKey]) -> bool:
        subset = job.get_subset(
            asset_selection=set(selection), asset_check_selection=job_checks(job, selection)
        )
        with (
            dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
        ) as instance:
            return subset.execute_in_process(
                instance=instance, raise_on_error=False, run_config=QUIET
            ).success

    if not execute(seeds):
        return False
    rows = gather_areas(settings.build_database, lake_of(settings), areas)
    print(f"gathered {len(areas)} area(s): {sum(rows.values())} rows in {len(rows)} tables", flush=True)
    return execute([key for key in keys if key not in done and key not in seeds])


def run_partitions(settings: Settings, workers: int, chosen: list[str] | None = None) -> int:
    """Run the chosen areas (default: all) on `workers` processes, then build and publish; return the
    exit status (0 published, 1 not)."""
    areas = areas_of(settings.reference_dir)
    unknown = sorted(set(chosen or []) - set(areas))
    if unknown:
        print(
            f"no such area in the reference data: {', '.join(unknown)} (areas: {', '.join(areas)})",
            file=sys.stderr,
        )
        return 2
    files = split_inbox(settings, areas)
    chosen = [area for area in areas if area in (chosen or areas)]
    round_id = str(uuid.uuid4())
    print(
        f"{len(chosen)} area partition(s) ({sum(files[a] for a in chosen)} files) on "
        f"{min(workers, len(chosen))} worker(s), round {round_id}",
        flush=True,
    )
    # the lake's first attach creates its catalog: done here once, not by every worker at once (they
    # would race to create the same tables in PostgreSQL)
    connect_lake(lake_of(settings)).close()
    if os.environ.get("DAGSTER_HOME"):
        # and the Dagster instance's first use creates its tables: on PostgreSQL, once here too (three
        # workers creating them at once: "type alembic_version already exists")
        import dagster as dg

        with dg.DagsterInstance.get():
            pass
    results = start_workers(assign(chosen, workers), round_id)
    for number, result in enumerate(results, 1):
        print(
            f"worker {number} ({', '.join(result.areas)}): exit {result.status}, "
            f"{result.seconds:.0f} s, {result.cpu_seconds:.0f} CPU-s, peak {result.peak_mib:.0f} MiB",
            flush=True,
        )
    missing = sorted(set(chosen) - set(staged_in_round(lake_of(settings), round_id)))
    if missing:
        print(
            "not staged, nothing published: run again with "
            + " ".join(f"--area {area!r}" for area in missing),
            file=sys.stderr,
        )
        return 1
    started, cpu = time.monotonic(), cpu_seconds()
    published = build_and_publish(settings, areas)
    print(
        f"build and publish: {'published' if published else 'FAILED'} in "
        f"{time.monotonic() - started:.0f} s, {cpu_seconds() - cpu:.0f} CPU-s, peak {peak_mib():.0f} MiB",
        flush=True,
    )
    return 0 if published else 1


def cpu_seconds() -> float:
    """Return this process's CPU seconds so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mib() -> float:
    """Return this process's peak memory (resident set) in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    """Run the area partitions (`run`) or be one of their workers (`stage`); return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.area_workers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="every area (or those named) on several workers, then publish")
    run.add_argument("--workers", type=int, default=WORKERS, help="worker processes at once [%(default)s]")
    run.add_argument("--area", action="append", help="an area to run (again); every area by default")
    stage = commands.add_parser("stage", help="one worker: load, validate and stage these areas in turn")
    stage.add_argument("--round", required=True, help="the round of `run` this worker belongs to")
    stage.add_argument("areas", nargs="+")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if settings.lake is None:
        parser.error("area partitions are staged in a lake: set JOINEDUP_LAKE (README, scale-out)")
    if args.command == "run" and args.workers < 1:
        parser.error("--workers: give 1 or more")
    if args.command == "stage":
        return 0 if stage_areas(settings, args.areas, args.round) else 1
    return run_partitions(settings, args.workers, args.area)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
