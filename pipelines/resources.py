"""Resources the assets use, built from the settings in one place."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.settings import Settings


class PathsResource(dg.ConfigurableResource):
    """Folders and files a run reads and publishes to."""

    inbox: str
    reference_dir: str
    warehouse: str
    site_dir: str
    partners_dir: str

    def path(self, name: str) -> Path:
        """Return one of the configured locations as a Path."""
        return Path(getattr(self, name))


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """Return the `duckdb` (the working database a run builds) and `paths` resources."""
    settings.build_database.parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": DuckDBResource(database=str(settings.build_database)),
        "paths": PathsResource(inbox=str(settings.inbox),
                               reference_dir=str(settings.reference_dir),
                               warehouse=str(settings.warehouse),
                               site_dir=str(settings.site_dir),
                               partners_dir=str(settings.partners_dir)),
    }
