"""Great Expectations' Data Docs built while the scorecards are written: in a second process for big sites."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from assets.validate.data_docs import build_data_docs
from assets.validate.records import StoredResult

# From this many service pages on, the Data Docs are built in a spawned process beside the pages (at
# national scale: Great Expectations' import and site builder, about 5 s, beside about 4 s of pages).
# Below it, starting the process and importing Great Expectations there costs more than it saves.
BACKGROUND_FROM_SERVICES = 100


@contextmanager
def data_docs_alongside(results: Sequence[StoredResult], folder: Path, navigation: Mapping[str, str],
                        services: int) -> Iterator[None]:
    """Build the Data Docs of `results` into `folder` while the body runs (`services` pages of them).

    From BACKGROUND_FROM_SERVICES services on they are built in a spawned process started on entry
    and waited for on exit; below, in this process after the body. Either way they are complete when
    the block ends, and an error building them is raised there.
    """
    if services < BACKGROUND_FROM_SERVICES:
        yield
        build_data_docs(results, folder, navigation)
        return
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        building = pool.submit(build_data_docs, results, folder, dict(navigation))
        yield
        building.result()
