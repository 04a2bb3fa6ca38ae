"""Great Expectations' Data Docs builder: a second process, started ahead of a run's publication.

The second process is a fresh interpreter running this module (`python -m`). It imports Great
Expectations as soon as it starts (about 7 CPU-seconds, most of what the Data Docs cost), then builds
the Data Docs of each set of results it reads on its standard input, one after another, until that
closes. It runs at a lower scheduling priority than the run, so that on a machine of few cores the
import takes the time the models' DuckDB threads leave rather than theirs. A process keeps one builder
waiting between runs (`keep`): only its first run pays for the import.

This module imports nothing but the standard library, so that `joinedup run` can start the builder
before it imports Dagster and the pipeline (about 2 s): a short night's publication would otherwise
wait for the import. The Dagster resource that hands the builder its results is
`data_docs_alongside.DataDocsBuilder`.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading

# the builder an earlier run of this process left waiting, with the process that started it (a forked
# child shares its pipes, and must start its own)
_kept: list[tuple[int, subprocess.Popen]] = []
_kept_lock = threading.Lock()


# the builder's scheduling priority below the run's (nice): its import would otherwise take CPU from the
# models' DuckDB threads on a machine of few cores; it runs in the time they leave
BUILDER_NICENESS = 10


def _start() -> subprocess.Popen:
    # -P: the working folder is not put on the builder's path, where a package of its own named like
    # ours (`assets`) would be imported in place of this one
    process = subprocess.Popen(
        [sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    os.setpriority(os.PRIO_PROCESS, process.pid, os.getpriority(os.PRIO_PROCESS, 0) + BUILDER_NICENESS)
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a builder process (killed if still running) and wait for its end."""
    if process.poll() is None:
        process.kill()
    process.wait()


def waiting_builder() -> subprocess.Popen:
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
    keep(waiting_builder())


def keep(process: subprocess.Popen) -> None:
    """Keep a builder waiting for this process's next run (one at most; any other is stopped)."""
    with _kept_lock:
        if process.poll() is None and not _kept:
            _kept.append((os.getpid(), process))
            return
    stop(process)


@atexit.register
def _stop_kept() -> None:
    """Stop a kept builder as this process ends (it holds no work: one is kept only between builds)."""
    with _kept_lock:
        for owner, process in _kept:
            if owner == os.getpid():
                stop(process)
        _kept.clear()


def hand(builder: subprocess.Popen, handed: tuple) -> None:
    """Write the work handed to the builder (pickled) on its standard input."""
    assert builder.stdin is not None  # _start pipes it
    try:
        builder.stdin.write(pickle.dumps(handed))
        builder.stdin.flush()
    except BrokenPipeError:  # the process stopped: reading its answer says so
        pass


def answer(builder: subprocess.Popen) -> BaseException | None:
    """Read the builder's answer to the results handed to it: None once built, else the error."""
    assert builder.stdout is not None  # _start pipes it
    try:
        return pickle.load(builder.stdout)
    except EOFError:  # it stopped before answering
        return RuntimeError(
            f"building the Data Docs in a second process stopped with status {builder.wait()}"
        )


def _build(handed: tuple) -> BaseException | None:
    """Build the Data Docs handed over; return the error that stopped them (None once built)."""
    from pathlib import Path

    from assets.validate.data_docs import build_data_docs

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
    from assets.validate.data_docs import import_builder

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
