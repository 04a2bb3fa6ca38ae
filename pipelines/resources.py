"""Resources the assets use, built from the settings in one place."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from pipelines.settings import Settings


class WorkingDatabase(DuckDBResource):
    """The working database a run builds, held open from the run's first step to its last.

    Each step opens and closes a connection of its own; while the database is held open, closing one
    does not checkpoint the whole file (about 0.2 s a step at national scale). Publication checkpoints
    before it copies the file.
    """

    _held: AbstractContextManager | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Open the database for the run (with the very configuration every step's connection has)."""
        self._held = self.get_connection()
        self._held.__enter__()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Let the database close (and checkpoint) with the run's last connection."""
        if self._held is not None:
            self._held.__exit__(None, None, None)
            self._held = None


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
        "duckdb": WorkingDatabase(database=str(settings.build_database)),
        "paths": PathsResource(inbox=str(settings.inbox),
                               reference_dir=str(settings.reference_dir),
                               warehouse=str(settings.warehouse),
                               site_dir=str(settings.site_dir),
                               partners_dir=str(settings.partners_dir)),
    }
