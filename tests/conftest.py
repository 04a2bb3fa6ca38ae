"""Shared fixtures: one small demo run, end to end, reused by the tests that read its outputs."""

import json
import os
import time
from pathlib import Path

import pytest

from pipelines.demo.submissions import generate_demo
from pipelines.run import RunReport, run_nightly
from pipelines.settings import Settings
from tests.mart_checksums import mart_checksums
from tests.notify_receivers import smtp_server, webhook_server  # noqa: F401 (fixtures for every module)
from tests.postgres_fixtures import postgres  # noqa: F401 (a fixture for every module)
from tests.shared_demo import built_once

FIRST_RUN_MARTS = "first_run_marts.json"


def settle(path: Path) -> None:
    """Make a file look as if it was last written two minutes ago: arrived, no longer being written."""
    two_minutes_ago = time.time() - 120
    os.utime(path, (two_minutes_ago, two_minutes_ago))


def settings_for(home: Path) -> Settings:
    """Return settings that keep every path of a run under `home`."""
    return Settings(
        inbox=home / "inbox",
        reference_dir=home / "reference",
        build_database=home / "warehouse" / "build" / "joinedup.duckdb",
        warehouse=home / "warehouse" / "joinedup.duckdb",
        site_dir=home / "site",
        partners_dir=home / "partners",
    )


def model_resources(database: Path) -> dict[str, object]:
    """Return the resources a model's step needs on `database`: the database, and the paths of the
    project's suites (a mart's step runs its suite)."""
    from dagster_duckdb import DuckDBResource

    from pipelines.resources import build_resources

    return {
        "duckdb": DuckDBResource(database=str(database)),
        "paths": build_resources(settings_for(database.parent))["paths"],
    }


# the JOINEDUP_* variables under which Settings.from_env() has the paths of settings_for(home)
HOME_ENVIRONMENT = {
    "JOINEDUP_INBOX": "inbox",
    "JOINEDUP_REFERENCE_DIR": "reference",
    "JOINEDUP_BUILD_DATABASE": "warehouse/build/joinedup.duckdb",
    "JOINEDUP_WAREHOUSE": "warehouse/joinedup.duckdb",
    "JOINEDUP_SITE": "site",
    "JOINEDUP_PARTNERS_DIR": "partners",
}


def environment_for(home: Path) -> dict[str, str]:
    """Return the environment under which Settings.from_env() equals settings_for(home)."""
    return {name: str(home / relative) for name, relative in HOME_ENVIRONMENT.items()}


# the files that take minutes, longest first (`--durations`, calm 2-core machine): xdist (`--dist loadfile`,
# `--no-loadscope-reorder`) hands them out first, so that no worker ends the session on one while the
# other has nothing left to do. Every other file runs after them, in its usual order.
LONGEST_FIRST = (
    "test_scale_out.py",
    "test_area_partitions.py",
    "test_resilience.py",
    "test_partitions.py",
    "test_publication.py",
    "test_lake.py",
    "test_browser.py",
)


def _started_at(item: pytest.Item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that reads the demo run: the first to ask for it waits for a whole run.

    Put the files of LONGEST_FIRST first, in its order (a stable sort: tests keep their order in a file).
    """
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_started_at)


@pytest.fixture(autouse=True)
def environment_restored():
    """Undo whatever a test changed in os.environ itself (a fault point armed in-process, say), which
    would otherwise carry into later tests of the worker."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _first_demo_run(home: Path) -> RunReport:
    """Generate the small demo in `home` and run the nightly job once over it, in-process.

    The marts' checksums as this run published them are kept in `first_run_marts.json` beside the
    demo, before any test adds files or runs again.
    """
    generate_demo(home, scale="small", seed=7)
    settings = settings_for(home)
    report = run_nightly(settings)
    if settings.warehouse.exists():
        (home / FIRST_RUN_MARTS).write_text(json.dumps(mart_checksums(settings.warehouse)))
    return report


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, worker_id: str) -> tuple[Settings, RunReport, dict]:
    """The small demo and its first nightly run, done once for the session and every xdist worker.

    Read it, never change it: a test that adds files or runs again works on `published_copy()`.
    """
    basetemp = tmp_path_factory.getbasetemp()
    shared = basetemp if worker_id == "master" else basetemp.parent  # xdist: the workers' common folder
    home, report = built_once(shared, _first_demo_run)
    return settings_for(home), report, json.loads((home / "demo_truth.json").read_text())
