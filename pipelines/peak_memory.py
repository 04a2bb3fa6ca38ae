"""A process's own peak memory."""

from __future__ import annotations

import resource
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_mib() -> float:
    """Return this process's peak resident memory in MiB: the high-water mark of its own address space
    (Linux's `VmHWM`).

    Not `ru_maxrss` alone: Linux keeps it across `fork` and `exec`, so a process started by one holding
    more reports its parent's size (a benchmark that generated its data in-process showed 2,047 MB for
    every run it started). Where `/proc` is absent, `ru_maxrss` is all there is.
    """
    try:
        for line in STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
