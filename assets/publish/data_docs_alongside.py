"""Great Expectations' Data Docs built in a second process while the scorecards are written.

The second process is a fresh interpreter running this module (`python -m`). It imports Great
Expectations as soon as it starts (about 3 s, most of what the Data Docs cost) and then waits for the
results on its standard input. The `DataDocsBuilder` resource starts it when a run that publishes
starts, so the import overlaps the models and checks built before publication, and publication hands
it the results and writes the pages meanwhile.
"""

from __future__ import annotations

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


def _start() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def _hand(builder: subprocess.Popen, handed: tuple) -> None:
    assert builder.stdin is not None  # _start pipes it
    try:
        builder.stdin.write(pickle.dumps(handed))
        builder.stdin.close()
    except BrokenPipeError:  # the process stopped: its exit status says why
        pass


class DataDocsBuilder(dg.ConfigurableResource):
    """A second process that builds the Data Docs, started (and its import done) before publication.

    Set up with a run that publishes, it starts the process; `alongside` hands it the results. A
    process started and not used (the run stopped before publication) is stopped at the run's end.
    """

    _waiting: subprocess.Popen | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Start the builder process: it imports Great Expectations while the run goes on."""
        self._waiting = _start()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Stop a builder process that was never handed any results."""
        if self._waiting is not None:
            _stop(self._waiting)
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
        process's own exception). The process started with the run is used, or one started now.
        """
        builder, self._waiting = self._waiting or _start(), None
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
        assert builder.stdout is not None  # _start pipes it
        failure = builder.stdout.read()
        handing.join()
        if builder.wait() != 0:
            raise (
                pickle.loads(failure)
                if failure
                else RuntimeError(
                    f"building the Data Docs in a second process stopped with status {builder.returncode}"
                )
            )


def _build_from_standard_input() -> int:
    """Build the Data Docs pickled on standard input; on failure, pickle the exception to standard output."""
    import_builder()
    try:
        results, folder, expectations_dir, navigation, previous = pickle.load(sys.stdin.buffer)
    except EOFError:  # stopped before publication: nothing to build
        return 0
    try:
        build_data_docs(results, Path(folder), Path(expectations_dir), navigation, previous)
    except Exception as failed:  # handed to the parent, which raises it
        try:
            handed = pickle.dumps(failed)
        except Exception:  # an exception that does not pickle goes as its type and message
            handed = pickle.dumps(RuntimeError(f"{type(failed).__name__}: {failed}"))
        sys.stdout.buffer.write(handed)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_build_from_standard_input())
