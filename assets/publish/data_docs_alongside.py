"""Great Expectations' Data Docs built in a second process while the scorecards are written.

The second process is a fresh interpreter running this module (`python -m`). It imports Great
Expectations as soon as it starts (about 7 CPU-seconds, most of what the Data Docs cost), then builds
the Data Docs of each set of results it reads on its standard input, one after another, until that
closes. The `DataDocsBuilder` resource starts it when a run that publishes starts (a nightly run of
several Dagster runs starts it before the first: `start_ahead`), so the import overlaps the work done
before publication, and publication hands it the results and writes the pages meanwhile. It runs at a
lower scheduling priority than the run, so that on a machine of few cores the import takes the time
the models' DuckDB threads leave rather than theirs. A process that publishes again (a test session,
a backfill before the night's run) keeps its builder between runs: only its first run pays for the
import.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from assets.validate.data_docs import build_data_docs, import_builder
from assets.validate.records import StoredResult

# the builder an earlier run of this process left waiting, with the process that started it (a forked
# child shares its pipes, and must start its own)
_kept: list[tuple[int, subprocess.Popen]] = []
_kept_lock = threading.Lock()


# the builder's scheduling priority below the run's (nice): its import would otherwise take CPU from the
# models' DuckDB threads on a machine of few cores; it runs in the time they leave
BUILDER_NICENESS = 10


def _start() -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    os.setpriority(os.PRIO_PROCESS, process.pid, os.getpriority(os.PRIO_PROCESS, 0) + BUILDER_NICENESS)
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def _waiting_builder() -> subprocess.Popen:
    """Return the builder this process kept from an earlier run, or one started now."""
    with _kept_lock:
        while _kept:
            owner, process = _kept.pop()
            if owner == os.getpid() and process.poll() is None:
                return process
    return _start()


def start_ahead() -> None:
    """Start the builder for this process's next run that publishes, unless one is kept already: a run
    made of several Dagster runs, whose last publishes, starts it before the first, so that its import
    overlaps every phase rather than the last one's models alone."""
    _keep(_waiting_builder())


def _keep(process: subprocess.Popen) -> None:
    """Keep a builder waiting for this process's next run (one at most; any other is stopped)."""
    with _kept_lock:
        if process.poll() is None and not _kept:
            _kept.append((os.getpid(), process))
            return
    _stop(process)


@atexit.register
def _stop_kept() -> None:
    """Stop a kept builder as this process ends (it holds no work: one is kept only between builds)."""
    with _kept_lock:
        for owner, process in _kept:
            if owner == os.getpid():
                _stop(process)
        _kept.clear()


def _hand(builder: subprocess.Popen, handed: tuple) -> None:
    assert builder.stdin is not None  # _start pipes it
    try:
        builder.stdin.write(pickle.dumps(handed))
        builder.stdin.flush()
    except BrokenPipeError:  # the process stopped: reading its answer says so
        pass


def _answer(builder: subprocess.Popen) -> BaseException | None:
    """Read the builder's answer to the results handed to it: None once built, else the error."""
    assert builder.stdout is not None  # _start pipes it
    try:
        return pickle.load(builder.stdout)
    except EOFError:  # it stopped before answering
        return RuntimeError(
            f"building the Data Docs in a second process stopped with status {builder.wait()}"
        )


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
        self._waiting = _waiting_builder()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Keep a builder process that was never handed any results for the next run."""
        if self._waiting is not None:
            _keep(self._waiting)
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
        builder, self._waiting = self._waiting or _waiting_builder(), None
        # handed over from a thread: the pipe holds 64 KiB, and the process reads once its import is done
        handing = threading.Thread(
            target=_hand,
            args=(builder, (list(results), str(folder), str(expectations_dir), dict(navigation), previous)),
            daemon=True,
        )
        handing.start()
        try:
            yield
        except BaseException:
            _stop(builder)
            raise
        failure = _answer(builder)
        handing.join()
        _keep(builder)
        if failure is not None:
            raise failure


def _build(handed: tuple) -> BaseException | None:
    """Build the Data Docs handed over; return the error that stopped them (None once built)."""
    results, folder, expectations_dir, navigation, previous = handed
    try:
        build_data_docs(results, Path(folder), Path(expectations_dir), navigation, previous)
    except Exception as failed:  # handed to the parent, which raises it
        try:
            pickle.dumps(failed)
        except Exception:  # an exception that does not pickle goes as its type and message
            return RuntimeError(f"{type(failed).__name__}: {failed}")
        return failed
    return None


def _build_from_standard_input() -> int:
    """Build the Data Docs of each set of results pickled on standard input, answering each on standard
    output (None, or the exception that stopped them), until standard input closes."""
    import_builder()
    while True:
        try:
            handed = pickle.load(sys.stdin.buffer)
        except EOFError:  # the parent is done with this process (or stopped before publication)
            return 0
        sys.stdout.buffer.write(pickle.dumps(_build(handed)))
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    sys.exit(_build_from_standard_input())
