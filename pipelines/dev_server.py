"""`make dev`: `dagster dev` on this code location, stopped within seconds by SIGTERM or Ctrl-C."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# `dg dev`, which Dagster now recommends, comes with the separate dagster-dg CLI and its project
# layout; joinedup keeps workspace.yaml, so this one notice is silenced (README, Operations).
SUPERSEDED_NOTICE = "ignore:Function `dev_command` is superseded"


def main(argv: list[str]) -> None:
    """Replace this process with `dagster dev <argv>`, made to stop when asked or when make stops."""
    # dagster dev turns SIGTERM into SIGINT's handler; a shell that starts make in the background
    # ignores SIGINT, which would make dagster dev ignore SIGTERM too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # make exits at SIGTERM without passing it on: its child is told by the kernel instead.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # make had already gone
        sys.exit(1)
    dagster = str(Path(sys.executable).with_name("dagster"))
    env = os.environ | {"PYTHONWARNINGS": SUPERSEDED_NOTICE}
    os.execve(dagster, [dagster, "dev", *argv], env)


if __name__ == "__main__":
    main(sys.argv[1:])
