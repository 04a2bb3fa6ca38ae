"""Files that are slow to build and depend only on code and library versions, kept between runs.

The scorecards asset keeps them in the user's cache folder (`~/.cache/joinedup/publish/` on Linux,
as platformdirs places it; `JOINEDUP_CACHE_DIR` chooses another, read in pipelines/settings.py and
given to the asset as the `paths` resource's `cache_dir`), shared by every warehouse of the
installation, each named by what it is built from, so that another version of a library or of the
chart code builds a new file instead of reusing a stale one:

- `vega-bundle-vl-convert-<version>-altair-<version>.js`: Vega, Vega-Lite and Vega-Embed as one
  offline script (about 9 s to build), for the Vega-Lite of that Altair; every publication copies it
  to `site/assets/`;
- `chart-templates-altair-<version>-<digest of the modules they come from>.json`: the Vega-Lite chart
  templates Altair builds and validates (about a second; `chart_views.CHART_SOURCES`);
- `jinja/`: the page templates compiled by Jinja2's own bytecode cache, which checks their source.

Deleting the folder is always safe: the next publication builds the files again. Processes share
it safely: each file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import platformdirs


def default_cache_folder() -> Path:
    """Return the user's cache folder for the publication's slow-to-build files (see the module's docs)."""
    return platformdirs.user_cache_path("joinedup") / "publish"


def cached_text(cache_dir: Path | None, name: str, build: Callable[[], str]) -> str:
    """The text of `cache_dir/name`, built and saved there first if missing; built anew if no folder."""
    if cache_dir is None:
        return build()
    path = cache_dir / name
    if path.is_file():
        return path.read_text("utf-8")
    text = build()
    cache_dir.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{name}.{os.getpid()}")
    staged.write_text(text, "utf-8")
    os.replace(staged, path)  # a reader never sees half a file
    return text
