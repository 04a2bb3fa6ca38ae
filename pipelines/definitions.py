"""The joinedup code location: every asset, check, job, schedule and sensor."""

import dagster as dg

from assets.association.assets import workforce_outcome_association
from assets.forecast.assets import measure_forecast
from assets.ingest.assets import raw_assets
from assets.models.assets import model_assets, seed_assets
from assets.models.spc_assets import measure_spc
from assets.publish.assets import publication
from assets.validate.assets import validated_assets, validation_checks
from assets.validate.mart_checks import mart_checks
from assets.validate.overdue import no_returns_overdue
from pipelines.alerts import notify_failed_checks, notify_run_failure
from pipelines.automation import inbox_sensor, nightly_job, nightly_schedule
from pipelines.freshness import freshness_checks, freshness_sensor
from pipelines.resources import build_resources
from pipelines.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Return the code location wired to the given installation's paths."""
    assets = [
        *seed_assets,
        *raw_assets,
        *validated_assets,
        *model_assets,
        measure_spc,
        workforce_outcome_association,
        measure_forecast,
        publication,
    ]
    freshness = freshness_checks(assets)
    return dg.Definitions(
        assets=assets,
        asset_checks=[*validation_checks, *mart_checks, no_returns_overdue, *freshness],
        jobs=[nightly_job(left_out=freshness)],
        schedules=[nightly_schedule],
        sensors=[inbox_sensor, freshness_sensor(freshness), notify_run_failure, notify_failed_checks],
        resources=build_resources(settings),
        # DuckDB takes one writer per file: steps run one after another in this process.
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
