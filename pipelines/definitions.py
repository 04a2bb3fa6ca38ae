"""The joinedup code location: each stage's assets and checks, the automation over them, the resources."""

from functools import cache

import dagster as dg

from assets.ingest import definitions as ingest
from assets.models import definitions as models
from assets.publish import definitions as publish
from assets.validate import definitions as validate
from pipelines.alerts import notify_failed_checks, notify_run_failure
from pipelines.automation import inbox_sensor, nightly_job, nightly_schedule
from pipelines.freshness import freshness_checks, freshness_sensor
from pipelines.resources import build_resources
from pipelines.settings import Settings


def automation(stages: dg.Definitions) -> dg.Definitions:
    """Return the nightly job over every stage, its schedule and sensors, and the freshness checks."""
    assets = [a for a in stages.assets or [] if isinstance(a, dg.AssetsDefinition)]
    freshness = freshness_checks(assets)
    return dg.Definitions(
        asset_checks=freshness,
        jobs=[nightly_job(left_out=freshness)],
        schedules=[nightly_schedule],
        sensors=[inbox_sensor, freshness_sensor(freshness), notify_run_failure, notify_failed_checks],
    )


@cache
def stages() -> dg.Definitions:
    """Return every stage's assets and checks, built once per process (the same for every installation)."""
    return dg.Definitions.merge(
        ingest.definitions(), validate.definitions(), models.definitions(), publish.definitions()
    )


def build_definitions(settings: Settings) -> dg.Definitions:
    """Return the code location wired to one installation's settings (its resources)."""
    return dg.Definitions.merge(
        stages(),
        automation(stages()),
        # DuckDB takes one writer per file: steps run one after another in this process.
        dg.Definitions(resources=build_resources(settings), executor=dg.in_process_executor),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location `workspace.yaml` loads, configured from the environment when it is loaded."""
    return build_definitions(Settings.from_env())
