"""Go back to the previously published warehouse and the scorecards built from it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from assets.publish.build_cache import cache_folder
from assets.publish.site import render_site
from assets.publish.swap import publish_folder, roll_back
from pipelines.settings import Settings


def roll_back_publication(settings: Settings) -> Path:
    """Restore the newest kept warehouse version, re-publish the site from it; return the version.

    The working database goes back to that version too, so the next run starts from it: the files
    received since are read again (a bad one should be taken out of the inbox first).
    """
    restored = roll_back(settings.warehouse)
    staged = settings.build_database.with_name(f".{settings.build_database.name}.incoming")
    shutil.copyfile(settings.warehouse, staged)
    os.replace(staged, settings.build_database)
    built = settings.site_dir.with_name(f".{settings.site_dir.name}.building")
    shutil.rmtree(built, ignore_errors=True)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        render_site(con, built, cache_folder(settings.build_database))
    publish_folder(built, settings.site_dir)
    return restored
