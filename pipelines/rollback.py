"""Go back to the previous publication: its warehouse and its site, exactly as they were published."""

from __future__ import annotations

from pathlib import Path

from assets.publish.swap import Publications
from pipelines.resources import reset_working_database
from pipelines.settings import Settings


def roll_back_publication(settings: Settings) -> Path:
    """Put the publication before the current one back in place and return its folder.

    The working database goes back to that warehouse first, so the next run starts from it: the files
    received since are read again (a bad one should be taken out of the inbox first). The publication
    rolled back from is removed.
    """
    store = Publications(settings.publications, settings.warehouse, settings.site_dir)
    previous = store.previous()
    reset_working_database(settings.build_database, store.warehouse_in(previous))
    store.switch(previous)
    store.clean()
    return previous
