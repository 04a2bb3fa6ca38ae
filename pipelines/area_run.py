"""The area stage: one Dagster run over the chosen areas, each area one step of Dagster's executor.

The `area_stage` job fans out over the areas it is given (`areas_chosen`, a dynamic output per area)
to one `area_staged` step per area, which Dagster's executor runs: under the `multiprocess_executor`
each step is a process of its own, at most `max_concurrent` at once (the run's configuration; in
production the same job under dagster-k8s's `k8s_job_executor`, each step a pod: README). A step does
on the area's working DuckDB file (one per area: no two steps write one file) what the nightly job's
first two phases do (pipelines/run.py): the reference tables and the new files loaded, then the
months they touch and the months under older rules validated, with the blocking checks on them
(every row accounted for, every month under today's rules); then it commits the area's rows to the
lake in one snapshot (pipelines/area_partitions.py) and logs a materialization of the asset
`areas/staged`'s partition of that area, with its wall and CPU seconds and peak memory. It calls the
functions behind those assets directly, in one step, so an area costs its data and one step, not two
runs of the nightly job with an event for every month of every asset. A step that fails or is killed
fails alone: the other areas' steps run on and commit.

What it must not leave out is defined once: the blocking rules it judges are the nightly job's own
(BLOCKING_RULES, assets/validate/blocking.py, from which the job's blocking checks are made), and
tests/test_definitions.py fails when the job gains a blocking check on validated rows outside them, or
a monthly-partitioned (validation) step other than the submission types validated here.
"""

import hashlib
import re
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import dagster as dg

from assets.contract import SUBMISSION_TYPES
from assets.ingest.load import ingest_inbox
from assets.models.seeds import load_seed
from assets.partitions import MONTHS, month_key
from assets.validate.blocking import broken_rules
from assets.validate.submissions import ValidationOutcome, validate_rows
from assets.warehouse import ensure_warehouse
from pipelines.area_partitions import area_settings, areas_of, lake_of, stage_area
from pipelines.due import due_after_ingest, seeds_changed
from pipelines.peak_memory import peak_mib
from pipelines.resources import build_resources
from pipelines.settings import Settings

AREA_STAGED = dg.AssetKey(["areas", "staged"])
AREA_JOB = "area_stage"
AREA_STEP = "area_staged"  # the op each area's step runs; its step key is `area_staged[<mapping key>]`


class AreaRuleBroken(RuntimeError):
    """A blocking rule of validation failed in an area: its rows are not staged."""


@dataclass(frozen=True)
class AreaLoad:
    """What loading and validating one area did."""

    months: list[str]  # the months whose rows were validated (YYYY-MM)
    files_loaded: int
    files_rejected: int
    outcomes: list[ValidationOutcome]


def month_window(months: list[str]) -> tuple[date, date]:
    """Return [first day, day after the last month) of the months from the first to the last key given,
    as a validation run over that range of partitions sees it."""
    first, last = (
        MONTHS.time_window_for_partition_key(min(months)),
        MONTHS.time_window_for_partition_key(max(months)),
    )
    return first.start.date(), last.end.date()


def load_and_validate(settings: Settings, run_id: str, instance: dg.DagsterInstance) -> AreaLoad:
    """Load an area's changed reference tables and new files into its working database, validate the
    months due, and return what was done; raise AreaRuleBroken when a blocking rule fails.

    The working database is held and marked in use as in a run of the nightly job, so that a step
    killed mid-way leaves a mark and the area's next run starts it again from nothing. `instance` is
    the run's (a resource built outside a run would make an ephemeral one, about 0.7 CPU-s).
    """
    changed = seeds_changed(settings)
    with (
        dg.build_resources({"duckdb": build_resources(settings)["duckdb"]}, instance) as resources,
        resources.duckdb.get_connection() as con,
    ):
        ensure_warehouse(con)
        for name in changed:
            load_seed(con, settings.reference_dir, name, settings.partners_dir)
        summaries = [
            ingest_inbox(con, settings.inbox, kind, settings.partners_dir, run_id)
            for kind in SUBMISSION_TYPES.values()
        ]
        due = due_after_ingest(con, settings, changed, run_id)
        outcomes = (
            [
                validate_rows(
                    con,
                    SUBMISSION_TYPES[kind],
                    run_id,
                    month_window(due.months),
                    expectations_dir=settings.expectations_dir,
                )
                for kind in due.types
            ]
            if due.months
            else []
        )
        broken = broken_rules(con, [SUBMISSION_TYPES[kind] for kind in due.types], settings.expectations_dir)
    if broken:
        raise AreaRuleBroken("; ".join(broken))
    return AreaLoad(
        sorted({month_key(m) for outcome in outcomes for m in outcome.months}),
        sum(len(s.files_loaded) for s in summaries),
        sum(len(s.files_rejected) for s in summaries),
        outcomes,
    )


class AreasChosen(dg.Config):
    """The areas a run of the area stage stages: one step each."""

    areas: list[str]


class AreaRound(dg.Config):
    """The round of `pipelines.area_workers run` an area's step belongs to."""

    round_id: str


def mapping_key(area: str) -> str:
    """Return the key of an area's step (`area_staged[<key>]`): letters, digits and `_` only, as
    Dagster requires, distinct for every area name."""
    digest = hashlib.sha256(area.encode()).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9_]', '_', area)}_{digest}"


def area_stage_definitions(settings: Settings, areas: list[str]) -> dg.Definitions:
    """Return the `area_stage` job of an installation's area partitions (`areas`) and the asset its
    steps materialise, `areas/staged`, partitioned by area."""

    @dg.op(out=dg.DynamicOut(str))
    def areas_chosen(config: AreasChosen) -> Iterator[dg.DynamicOutput[str]]:
        """One output per area chosen, each the input of that area's step."""
        for area in config.areas:
            yield dg.DynamicOutput(area, mapping_key=mapping_key(area))

    @dg.op(name=AREA_STEP, out=dg.Out(dg.Nothing))
    def area_staged(context: dg.OpExecutionContext, config: AreaRound, area: str) -> None:
        """Load and validate an area in its working database, commit its rows to the lake in one
        snapshot, and log the materialization of its partition of `areas/staged`."""
        started = time.monotonic()
        partition = area_settings(settings, area)
        load = load_and_validate(partition, context.run.run_id, context.instance)
        snapshot = stage_area(
            partition.build_database, lake_of(settings), area, context.run.run_id, config.round_id
        )
        usage = resource.getrusage(resource.RUSAGE_SELF)  # this step's process, from its start
        context.log_event(
            dg.AssetMaterialization(
                asset_key=AREA_STAGED,
                partition=area,
                metadata={
                    "lake_snapshot": snapshot,
                    "months_validated": load.months,
                    "files_loaded": load.files_loaded,
                    "files_rejected": load.files_rejected,
                    "rows_validated": sum(o.rows_received for o in load.outcomes),
                    "rows_quarantined": sum(o.rows_quarantined for o in load.outcomes),
                    "seconds": round(time.monotonic() - started, 1),
                    "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
                    "peak_mib": round(peak_mib()),
                },
            )
        )

    @dg.job(name=AREA_JOB, executor_def=dg.multiprocess_executor)
    def area_stage() -> None:
        """Every area chosen loaded, validated and staged in the lake, one step per area."""
        areas_chosen().map(area_staged)

    staged = dg.AssetSpec(
        AREA_STAGED,
        description="An area's rows (raw, validated and the audit trail) committed to the lake's "
        "schema of the area in one snapshot, after its new files were loaded and the months due "
        "validated (materialised by the area's step of the `area_stage` job).",
        partitions_def=dg.StaticPartitionsDefinition(areas),
        group_name="areas",
        kinds={"duckdb", "ducklake"},
        owners=["team:data-engineering"],
    )
    return dg.Definitions(assets=[staged], jobs=[area_stage])


@dg.definitions
def defs() -> dg.Definitions:
    """The area stage of the installation the environment's settings describe, as a code location of
    its own (`dagster api grpc -m pipelines.area_run`: the production path's user-code deployment)."""
    settings = Settings.from_env()
    return area_stage_definitions(settings, areas_of(settings.reference_dir))


def area_stage_job() -> dg.JobDefinition:
    """Return the `area_stage` job of the installation the environment's settings describe: what
    each step's process rebuilds (`dg.reconstructable(area_stage_job)`)."""
    return defs().resolve_job_def(AREA_JOB)
