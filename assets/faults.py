"""Named fault points, for the fault tests: the process dies (or finds the disk full) at the one named.

`JOINEDUP_FAULT_AT=<point>` makes `fault_point(<point>)` kill its own process with SIGKILL, as a
power cut or the out-of-memory killer would; with `JOINEDUP_FAULT=disk-full` it raises ENOSPC
instead. `JOINEDUP_FAULT_TRACE=<file>` appends the name of every point passed to that file, so a
test can list the points a run has. Unset, a point costs one look-up in the environment.

The one place under assets/ that reads the environment, on purpose: these are not settings of an
installation but a test harness, armed by a test for the one process it starts (and kills), and read
where no resource reaches (inside publish.swap's removals, a resource's own set-up). Resources would
show them in every run's configuration and thread a test's switch through code that has no business
with it.
"""

from __future__ import annotations

import errno
import os
import signal

FAULT_AT = "JOINEDUP_FAULT_AT"
FAULT = "JOINEDUP_FAULT"
FAULT_TRACE = "JOINEDUP_FAULT_TRACE"
DISK_FULL = "disk-full"


def fault_point(name: str) -> None:
    """Return at once, unless JOINEDUP_FAULT_AT names this point (see the module's docstring)."""
    trace = os.environ.get(FAULT_TRACE)
    if trace:
        with open(trace, "a", encoding="utf-8") as points:
            points.write(name + "\n")
    if os.environ.get(FAULT_AT) != name:
        return
    if os.environ.get(FAULT) == DISK_FULL:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
    os.kill(os.getpid(), signal.SIGKILL)
