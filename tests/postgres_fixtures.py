"""A real PostgreSQL server for the lake tests: a throwaway cluster per test module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.local_postgres import LocalPostgres


@pytest.fixture(scope="module")
def postgres() -> Iterator[LocalPostgres]:
    """Start a cluster for the module's tests and remove it after them.

    Kept in a folder of its own under the temporary folder (not pytest's, which is private to root):
    as root the server runs as `nobody`, who must reach its folder.
    """
    cluster = LocalPostgres(Path(tempfile.mkdtemp(prefix="joinedup-pg-")))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
