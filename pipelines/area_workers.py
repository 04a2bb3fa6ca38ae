"""One partnership's run as area partitions, each area a step of Dagster's executor, then its marts
built once.

    python -m pipelines.area_workers run [--workers N] [--area AREA ...]

`run` links each inbox file into its area partition's inbox (pipelines/area_partitions.py), then
starts one run of the `area_stage` job (pipelines/area_run.py) over the areas chosen (all, or
`--area`): Dagster's `multiprocess_executor` runs each area's step in a process of its own, N [3] at
a time, each loading and validating its area in a working DuckDB file of its own and committing its
rows to the lake. Once every area chosen is staged, it gathers every area's rows from the lake into
the installation's working database, builds the models and publishes, warehouse, site and lake marts,
as `joinedup run` does. A step that stops (killed, or a validation that fails) leaves the lake at its
area's last committed rows, the other steps run on, and nothing is published; `run` says which areas
to run again (`--area`). Each step's wall and CPU seconds and peak memory are printed. The settings
are `joinedup run`'s; a lake (JOINEDUP_LAKE) is required, and with DAGSTER_HOME the runs go to that
instance (on PostgreSQL, pipelines/instance.py), else to a temporary one.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assets.lake import connect_lake
from pipelines.area_partitions import areas_of, lake_of, split_inbox, staged_in_round
from pipelines.peak_memory import peak_mib
from pipelines.settings import Settings

if TYPE_CHECKING:
    import dagster as dg

WORKERS = 3


@dataclass(frozen=True)
class AreaStep:
    """How one area's step ended: staged (its lake snapshot and months) or the error that stopped it,
    and, when staged, the step's wall and CPU seconds and its process's peak memory (MiB)."""

    area: str
    step_key: str
    staged: bool
    detail: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_mib: float = 0.0


def area_run_config(areas: list[str], round_id: str, workers: int) -> dict:
    """Return the run configuration of the `area_stage` job over `areas`: each area's step a process
    of the multiprocess executor, at most `workers` at once, forked from a server that has imported
    the job's modules once (`forkserver`, the modules preloaded) rather than each importing them."""
    from pipelines.area_run import AREA_STEP
    from pipelines.run import QUIET

    return QUIET | {
        "execution": {
            "config": {
                "max_concurrent": workers,
                "start_method": {"forkserver": {"preload_modules": ["pipelines.area_run"]}},
            }
        },
        "ops": {
            "areas_chosen": {"config": {"areas": areas}},
            AREA_STEP: {"config": {"round_id": round_id}},
        },
    }


def stage_areas(areas: list[str], round_id: str, workers: int) -> list[AreaStep]:
    """Stage the areas in one run of the `area_stage` job under Dagster's multiprocess executor, one
    step per area, `workers` at once; return how each area's step ended.

    The settings are the environment's: each step's process rebuilds the job from them."""
    import dagster as dg

    from pipelines.area_run import AREA_STEP, area_stage_job, mapping_key

    with (
        tempfile.TemporaryDirectory(prefix="joinedup-area-stage-") as scratch,
        (
            dg.DagsterInstance.get()
            if os.environ.get("DAGSTER_HOME")
            else dg.DagsterInstance.local_temp(scratch)
        ) as instance,
        dg.execute_job(
            dg.reconstructable(area_stage_job),
            instance=instance,
            run_config=area_run_config(areas, round_id, workers),
        ) as result,
    ):
        failed = dict(failures(result))
        done = {
            event.step_key: event.step_materialization_data.materialization
            for event in result.all_events
            if event.is_step_materialization and event.step_key
        }
    steps = []
    for area in areas:
        key = f"{AREA_STEP}[{mapping_key(area)}]"
        if key not in done:
            steps.append(AreaStep(area, key, False, failed.get(key, "its step did not run")))
            continue
        metadata = {name: value.value for name, value in done[key].metadata.items()}
        months = metadata["months_validated"]
        assert isinstance(months, list)  # area_run records the months as a list
        steps.append(
            AreaStep(
                area,
                key,
                True,
                f"{len(months)} month(s) validated, staged as lake snapshot {metadata['lake_snapshot']}",
                float(metadata["seconds"]),  # type: ignore[arg-type]  # recorded as numbers
                float(metadata["cpu_seconds"]),  # type: ignore[arg-type]
                float(metadata["peak_mib"]),  # type: ignore[arg-type]
            )
        )
    return steps


def failures(result: dg.ExecuteJobResult) -> list[tuple[str, str]]:
    """Return (step key, message) of each failed step of a run: the error that started it, under
    retries, or how the step's process ended when it was killed."""
    crashed = {
        event.step_key: event.message or ""
        for event in result.all_events
        if event.is_engine_event and event.step_key and "child process for step" in (event.message or "")
    }
    found = []
    for event in result.all_events:
        if event.is_step_failure and event.step_key:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            found.append(
                (
                    event.step_key,
                    crashed.get(event.step_key) or (error.message.strip() if error else "no error recorded"),
                )
            )
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
    """Stage the chosen areas (default: all), one step each, `workers` at once, then build and publish;
    return the exit status (0 published, 1 not)."""
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
        f"{len(chosen)} area partition(s) ({sum(files[a] for a in chosen)} files), one step each, "
        f"{min(workers, len(chosen))} at a time, round {round_id}",
        flush=True,
    )
    # the lake's first attach creates its catalog: done here once, not by every step at once (they
    # would race to create the same tables in PostgreSQL)
    connect_lake(lake_of(settings)).close()
    if os.environ.get("DAGSTER_HOME"):
        # and the Dagster instance's first use creates its tables: on PostgreSQL, once here too (three
        # processes creating them at once: "type alembic_version already exists")
        import dagster as dg

        with dg.DagsterInstance.get():
            pass
    started, cpu = time.monotonic(), cpu_seconds()
    steps = stage_areas(chosen, round_id, workers)
    for step in steps:
        figures = (
            f", {step.seconds:.0f} s, {step.cpu_seconds:.0f} CPU-s, peak {step.peak_mib:.0f} MiB"
            if step.staged
            else ""
        )
        print(
            f"step {step.step_key} ({step.area}): {'staged' if step.staged else 'FAILED'}: "
            f"{step.detail}{figures}",
            flush=True,
        )
    print(
        f"area stage: {sum(s.staged for s in steps)} of {len(steps)} area(s) staged in "
        f"{time.monotonic() - started:.0f} s; the steps {sum(s.cpu_seconds for s in steps):.0f} CPU-s, "
        f"the run's own process {cpu_seconds() - cpu:.0f} CPU-s",
        flush=True,
    )
    # what the lake says was committed by this round, not what the run's events say
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


def main(argv: list[str]) -> int:
    """Run the area partitions, then build and publish (`run`); return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.area_workers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="every area (or those named), one step each, then publish")
    run.add_argument("--workers", type=int, default=WORKERS, help="steps at once [%(default)s]")
    run.add_argument("--area", action="append", help="an area to run (again); every area by default")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if settings.lake is None:
        parser.error("area partitions are staged in a lake: set JOINEDUP_LAKE (README, scale-out)")
    if args.workers < 1:
        parser.error("--workers: give 1 or more")
    return run_partitions(settings, args.workers, args.area)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
