"""Great Expectations' Data Docs built in a second process while the scorecards are written.

`DataDocsBuilder`, a resource of every run that publishes, takes the builder process
(`data_docs_process`) when the run starts: the one the process kept, or one started now, so that Great
Expectations' import overlaps the work done before publication. Publication hands it the results and
writes the pages meanwhile.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from assets.publish.data_docs_process import answer, hand, keep, stop, waiting_builder
from assets.validate.records import StoredResult


class DataDocsBuilder(dg.ConfigurableResource):
    """A second process that builds the Data Docs, started (and its import done) before publication.

    Set up with a run that publishes, it starts the process, or takes the one an earlier run of this
    process kept; `alongside` hands it the results. At the run's end a process that is still sound
    is kept for the next run; it stops when this process ends.
    """

    _waiting: subprocess.Popen | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Start the builder process (it imports Great Expectations while the run goes on), or take
        the one kept."""
        self._waiting = waiting_builder()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Keep a builder process that was never handed any results for the next run."""
        if self._waiting is not None:
            keep(self._waiting)
            self._waiting = None

    @contextmanager
    def alongside(
        self,
        results: Sequence[StoredResult],
        folder: Path,
        expectations_dir: Path,
        navigation: Mapping[str, str],
        previous: Path | None = None,
    ) -> Iterator[None]:
        """Build the Data Docs of `results` (suites in `expectations_dir`) into `folder` while the body runs,
        carrying over the pages of `previous` (the last publication's) whose results did not change.

        They are complete when the block ends, and an error building them is raised there (the second
        process's own exception). The process set up with the run is used, or the one kept, or one
        started now.
        """
        builder, self._waiting = self._waiting or waiting_builder(), None
        # handed over from a thread: the pipe holds 64 KiB, and the process reads once its import is done
        handing = threading.Thread(
            target=hand,
            args=(builder, (list(results), str(folder), str(expectations_dir), dict(navigation), previous)),
            daemon=True,
        )
        handing.start()
        try:
            yield
        except BaseException:
            stop(builder)
            raise
        failure = answer(builder)
        handing.join()
        keep(builder)
        if failure is not None:
            raise failure
