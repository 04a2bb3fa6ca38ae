"""One demo run for the whole test session, however many xdist workers share it.

The first worker to ask builds the demo under a file lock in the session's shared temporary folder and
pickles its RunReport beside it; the others wait for the lock and load the report. Tests read the run's
files; a test that changes them works on `published_copy()`.
"""

import fcntl
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

from pipelines.run import RunReport

REPORT = "demo-report.pickle"


def built_once(shared: Path, build: Callable[[Path], RunReport]) -> tuple[Path, RunReport]:
    """Return the demo home in `shared` and its run's report, calling `build(home)` if no worker has yet.

    The report is written last: a home without it (a build that failed) is built again from nothing.
    """
    home, report = shared / "demo", shared / REPORT
    with (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not report.exists():
                shutil.rmtree(home, ignore_errors=True)
                home.mkdir()
                report.write_bytes(pickle.dumps(build(home)))
            return home, pickle.loads(report.read_bytes())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def published_copy(home: Path, to: Path) -> Path:
    """Copy a published home (inbox, working database, publications, links) with its files' times."""
    shutil.copytree(home, to, symlinks=True)
    return to
