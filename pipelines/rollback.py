"""Go back to the previous publication: its warehouse and its site, exactly as they were published."""

from __future__ import annotations

from pathlib import Path

from assets.publish.lake import roll_back_lake
from assets.publish.swap import Publications
from assets.resources import reset_working_database
from pipelines.rollback_plan import published_run
from pipelines.settings import Settings


def roll_back_publication(settings: Settings) -> Path:
    """Put the publication before the current one back in place and return its folder.

    The working database goes back to that warehouse first, so the next run starts from it: the files
    received since are read again (a bad one should be taken out of the inbox first). The publication
    rolled back from is removed. A lake, when configured, gets that publication's marts back first, by
    time travel (LookupError when it does not hold them).
    """
    store = Publications(settings.publications, settings.warehouse, settings.site_dir)
    previous = store.previous()
    if settings.lake is not None:  # first: a lake without that publication stops the rollback unchanged
        run = published_run(store.site_in(previous))
        if run is None:
            raise LookupError(f"publication {previous.name} names no run: the lake cannot go back to it")
        roll_back_lake(settings.lake, run)
    reset_working_database(settings.build_database, store.warehouse_in(previous))
    store.switch(previous)
    store.clean()
    return previous
