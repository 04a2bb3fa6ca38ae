"""The nightly job's publication run alone on what a working database holds (the lake tests)."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.run import QUIET
from pipelines.settings import Settings

PUBLISH = [dg.AssetKey(["publish", "warehouse"]), dg.AssetKey(["publish", "scorecards"])]


def publish_alone(settings: Settings) -> bool:
    """Run the publication assets alone; return whether the run succeeded."""
    job = build_definitions(settings).resolve_job_def("nightly")
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, asset_selection=PUBLISH, run_config=QUIET).success
