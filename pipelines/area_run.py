"""An area partition's load and validation: one Dagster run of the area's partition, in a worker that
runs its areas one after another.

The `area_stage` job has one asset, `areas/staged`, partitioned by partnership area. Materialising an
area's partition does on the area's working database what the nightly job's first two phases do
(pipelines/run.py): the reference tables and the new files loaded, then the months they touch and
the months under older rules validated, with the blocking checks on them (every row accounted for,
every month under today's rules); then it commits the area's rows to the lake in one snapshot
(pipelines/area_partitions.py). It calls the functions behind those assets directly, in one step, so
a worker builds its definitions, its suites and its Dagster instance once, and an area costs its data
and one small run, not two runs of the nightly job with an event for every month of every asset.

What it must not leave out is defined once: the blocking rules it judges are the nightly job's own
(BLOCKING_RULES, assets/validate/blocking.py, from which the job's blocking checks are made), and
tests/test_definitions.py fails when the job gains a blocking check on validated rows outside them, or
a monthly-partitioned (validation) step other than the submission types validated here.
"""

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
from pipelines.area_partitions import area_settings, lake_of, stage_area
from pipelines.due import due_after_ingest, seeds_changed
from pipelines.resources import build_resources
from pipelines.settings import Settings

AREA_STAGED = dg.AssetKey(["areas", "staged"])
AREA_JOB = "area_stage"


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

    The working database is held and marked in use as in a run of the nightly job, so that a worker
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


class AreaRound(dg.Config):
    """The round of `pipelines.area_workers run` an area's run belongs to."""

    round_id: str


def area_stage_definitions(settings: Settings, areas: list[str]) -> dg.Definitions:
    """Return the `area_stage` job of an installation's area partitions (`areas`), for its workers."""

    @dg.asset(
        key=AREA_STAGED,
        partitions_def=dg.StaticPartitionsDefinition(areas),
        group_name="areas",
        kinds={"duckdb", "ducklake"},
        owners=["team:data-engineering"],
    )
    def staged(context: dg.AssetExecutionContext, config: AreaRound) -> dg.MaterializeResult:
        """An area's rows (raw, validated and the audit trail) committed to the lake's schema of the
        area in one snapshot, after its new files were loaded and the months due validated."""
        area = context.partition_key
        partition = area_settings(settings, area)
        load = load_and_validate(partition, context.run.run_id, context.instance)
        snapshot = stage_area(
            partition.build_database, lake_of(settings), area, context.run.run_id, config.round_id
        )
        return dg.MaterializeResult(
            metadata={
                "lake_snapshot": snapshot,
                "months_validated": load.months,
                "files_loaded": load.files_loaded,
                "files_rejected": load.files_rejected,
                "rows_validated": sum(o.rows_received for o in load.outcomes),
                "rows_quarantined": sum(o.rows_quarantined for o in load.outcomes),
            }
        )

    return dg.Definitions(
        assets=[staged],
        jobs=[dg.define_asset_job(AREA_JOB, selection=[AREA_STAGED])],
        executor=dg.in_process_executor,
    )
