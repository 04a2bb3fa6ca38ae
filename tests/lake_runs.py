"""Helpers of the lake tests: the publication run alone, and the environment of a run in another process."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.run import QUIET
from pipelines.settings import LakeSettings, Settings

PUBLISH = [dg.AssetKey(["publish", "warehouse"]), dg.AssetKey(["publish", "scorecards"])]


def publish_alone(settings: Settings) -> bool:
    """Run the publication assets alone; return whether the run succeeded."""
    job = build_definitions(settings).resolve_job_def("nightly")
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, asset_selection=PUBLISH, run_config=QUIET).success


def worker_environment(settings: Settings, instance: Path, lake: LakeSettings) -> dict[str, str]:
    """The environment of a run in another process: `settings`' paths, the Dagster instance, the lake."""
    return os.environ | {
        "JOINEDUP_HOME": str(settings.inbox.parent),
        "JOINEDUP_INBOX": str(settings.inbox),
        "JOINEDUP_REFERENCE_DIR": str(settings.reference_dir),
        "JOINEDUP_WAREHOUSE": str(settings.warehouse),
        "JOINEDUP_BUILD_DATABASE": str(settings.build_database),
        "JOINEDUP_SITE": str(settings.site_dir),
        "JOINEDUP_PARTNERS_DIR": str(settings.partners_dir),
        "DAGSTER_HOME": str(instance),
        "JOINEDUP_LAKE": lake.url,
        "JOINEDUP_LAKE_DATA": lake.data_path or "",
    }
