"""Pause Python's cycle collector while a pass reads files: it allocates millions of small objects
(cells, rows, tuples), none in a reference cycle, and each collection would walk them all again."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cycle collector inside the block (memory is still freed by reference counting),
    and restore it as it was on the way out, however the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
