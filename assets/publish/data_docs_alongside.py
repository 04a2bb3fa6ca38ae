"""Great Expectations' Data Docs built while the scorecards are written: in a second process for big sites.

The second process is a fresh interpreter running this module (`python -m`), handed the results on its
standard input: it imports Great Expectations and the Data Docs builder only, whatever started the run
(a `multiprocessing` spawn imports the parent's main module again: nothing much for `joinedup run`,
the whole pipeline for a script that imports it at its top, as a notebook's or a scheduler's may).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from assets.validate.data_docs import build_data_docs
from assets.validate.records import StoredResult

# From this many service pages on, the Data Docs are built in a second process beside the pages (at
# national scale: Great Expectations' import and site builder, about 5 s, beside about 4 s of pages).
# Below it, starting the process and importing Great Expectations there costs more than it saves.
BACKGROUND_FROM_SERVICES = 100


@contextmanager
def data_docs_alongside(
    results: Sequence[StoredResult],
    folder: Path,
    expectations_dir: Path,
    navigation: Mapping[str, str],
    services: int,
) -> Iterator[None]:
    """Build the Data Docs of `results` (suites in `expectations_dir`) into `folder` while the body runs
    (`services` pages of them).

    From BACKGROUND_FROM_SERVICES services on they are built in a second process started on entry
    and waited for on exit; below, in this process after the body. Either way they are complete when
    the block ends, and an error building them is raised there (the second process's own exception).
    """
    if services < BACKGROUND_FROM_SERVICES:
        yield
        build_data_docs(results, folder, expectations_dir, navigation)
        return
    builder = subprocess.Popen(
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        builder.stdin.write(
            pickle.dumps((list(results), str(folder), str(expectations_dir), dict(navigation)))
        )
        builder.stdin.close()
        yield
    except BaseException:
        builder.kill()
        builder.wait()
        raise
    failure = builder.stdout.read()
    if builder.wait() != 0:
        raise (
            pickle.loads(failure)
            if failure
            else RuntimeError(
                f"building the Data Docs in a second process stopped with exit status {builder.returncode}"
            )
        )


def _build_from_standard_input() -> int:
    """Build the Data Docs pickled on standard input; on failure, pickle the exception to standard output."""
    results, folder, expectations_dir, navigation = pickle.load(sys.stdin.buffer)
    try:
        build_data_docs(results, Path(folder), Path(expectations_dir), navigation)
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
