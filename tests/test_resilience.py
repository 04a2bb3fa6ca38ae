"""A run never hurts analysts or what is published.

A kill -9 at a named point of a run or of publishing (assets.faults), or a full disk, leaves one whole
publication in place: the warehouse opens read-only, keeps its contract and belongs with its site. An
analyst who had the warehouse open keeps reading it, and the next run publishes the marts one
uninterrupted run does.
"""

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from assets.faults import DISK_FULL, FAULT, FAULT_AT, FAULT_TRACE
from assets.project_files import PROJECT_ROOT
from assets.query import one_row
from pipelines.analyst import contract_differences
from pipelines.demo.submissions import generate_demo
from pipelines.run import run_nightly
from pipelines.settings import Settings
from tests.conftest import settings_for, settle
from tests.mart_checksums import differing_marts, judged_on_the_publication_date, mart_checksums

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own

CONTRACT = PROJECT_ROOT / "docs" / "warehouse-contract.yml"
LATE_NAME = "NOR-ACUTE_20260420_late.csv"
LATE_FILE = (
    "partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"
    "NOR-ACUTE,NOR-HD,HD_DISCHARGES,2026-03,,,1,late correction\n"
)
YESTERDAYS, TONIGHTS = "yesterday's", "tonight's"
# set to "every-step" (`make test-faults`), a run is also killed at the start of each of its steps
FAULT_MATRIX = "JOINEDUP_FAULT_MATRIX"
# point -> the publication in place after a kill there. Every step's point leaves the working
# database half changed and is recovered the same way: one step of each phase of a run is killed
# (test_every_step_and_publishing_point_is_named checks that every step has its point).
KILL_POINTS = {
    "step:raw__outcomes": YESTERDAYS,  # first phase: the new file loaded, not validated
    "step:marts__fct_measure_period": YESTERDAYS,  # its month validated, the marts not rebuilt
    "publish:cleanup": YESTERDAYS,  # removing what an earlier stopped run left, before staging
    "publish:warehouse-staged": YESTERDAYS,
    "publish:site-built": YESTERDAYS,
    "publish:before-switch": YESTERDAYS,  # tonight's publication whole, not in place
    "publish:after-switch": TONIGHTS,
}
# the points every `make test` kills at: the first phase, each state of the switch, and the cleanup.
# The others leave the same states as these (a step's half-changed working database, a publication
# staged but not in place); `make test-faults` kills at those too, and at the start of every step.
EVERY_TEST_POINTS = (
    "step:raw__outcomes",
    "publish:cleanup",
    "publish:warehouse-staged",
    "publish:before-switch",
    "publish:after-switch",
)
LATEST_PUBLICATION = "select max_by(run_id, published_at) from audit.publications"


every_step_matrix_only = pytest.mark.skipif(
    os.environ.get(FAULT_MATRIX) != "every-step",
    reason="the whole matrix takes about 40 minutes: `make test-faults` runs it",
)


def copy_home(home: Path, to: Path) -> Path:
    """Copy an installation (inbox, working database, publications, links) with its files' times."""
    shutil.copytree(home, to / "home", symlinks=True)
    return to / "home"


@pytest.fixture(scope="module")
def published_once(demo_run, tmp_path_factory) -> Path:
    """An installation after one run of the small demo (the session's), the late file waiting in its inbox."""
    assert demo_run[1].success
    home = copy_home(demo_run[0].inbox.parent, tmp_path_factory.mktemp("published-once"))
    late = home / "inbox" / "outcomes" / LATE_NAME
    late.write_text(LATE_FILE)
    settle(late)
    return home


@dataclass(frozen=True)
class Uninterrupted:
    marts: dict[str, tuple[int, int]]
    points: list[str]  # the fault points the run passed, in order
    steps: set[str]
    days: set[date]  # the day(s) it ran on: marts judged on the publication date depend on the day


@pytest.fixture(scope="module")
def uninterrupted(published_once, tmp_path_factory) -> Uninterrupted:
    """What the next run publishes when nothing stops it, and the fault points it passes."""
    home = copy_home(published_once, tmp_path_factory.mktemp("uninterrupted"))
    started = date.today()
    with pytest.MonkeyPatch.context() as env:
        env.setenv(FAULT_TRACE, str(home.parent / "points"))
        report = run_nightly(settings_for(home))
    assert report.success and report.months == ["2026-03"]
    return Uninterrupted(
        mart_checksums(settings_for(home).warehouse),
        (home.parent / "points").read_text().split(),
        set(report.step_seconds),
        {started, date.today()},
    )


@pytest.fixture(scope="module")
def forkserver():
    """Killed runs start from a process that imported the pipeline once (about 6 s a run saved)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipelines.definitions", "pipelines.run", "tests.conftest"])
    return context


def _run_until(home: str, point: str) -> None:
    os.environ[FAULT_AT] = point
    os.environ.pop(FAULT, None)
    run_nightly(settings_for(Path(home)))


def killed_run(forkserver, home: Path, point: str) -> int | None:
    """Run the pipeline in another process with the fault at `point`; return its exit code."""
    process = forkserver.Process(target=_run_until, args=(str(home), point))
    process.start()
    process.join(timeout=600)
    return process.exitcode


def whole_publication(settings: Settings) -> str:
    """Check the publication in place is whole and return the run that published it."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (run_id,) = one_row(con.execute(LATEST_PUBLICATION))
    assert contract_differences(settings.warehouse, CONTRACT) == []
    assert json.loads((settings.site_dir / "publication.json").read_text()) == {"run_id": run_id}
    assert (settings.site_dir / "index.html").is_file()
    assert (settings.site_dir / "data-quality" / "index.html").is_file()
    return run_id


def marts_differing(settings: Settings, expected: dict[str, tuple[int, int]]) -> list[str]:
    """Return the published marts whose checksums are not those expected."""
    return differing_marts(mart_checksums(settings.warehouse), expected)


def marts_differing_from_uninterrupted(
    settings: Settings, uninterrupted: Uninterrupted, since: date
) -> list[str]:
    """Return the published marts that are not those of the uninterrupted run.

    Runs on another day than it (the test began on `since`) may differ in the marts judged on the
    publication date, and only in those: across midnight those are left out of the comparison.
    """
    differing = marts_differing(settings, uninterrupted.marts)
    if uninterrupted.days | {since, date.today()} != {since}:
        return sorted(set(differing) - judged_on_the_publication_date())
    return differing


def leftovers(home: Path) -> list[str]:
    """Return what stopped runs left: unfinished folders and copies, run marks, database logs."""
    return sorted(
        str(p.relative_to(home))
        for p in (home / "warehouse").rglob("*")
        if p.name.startswith(".") or p.suffix in (".running", ".wal")
    )


@contextmanager
def analyst(warehouse: Path) -> Iterator[subprocess.Popen]:
    """An analyst's process holding the published warehouse open; each line sent gets the run that
    published what it reads."""
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "for _ in sys.stdin:\n"
            f"    print(con.execute({LATEST_PUBLICATION!r}).fetchone()[0], flush=True)\n",
            str(warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield reader
    finally:
        if reader.stdin is not None:
            reader.stdin.close()
        reader.wait()


def reads(reader: subprocess.Popen) -> str:
    assert reader.stdin is not None and reader.stdout is not None  # started with both piped
    reader.stdin.write("\n")
    reader.stdin.flush()
    return reader.stdout.readline().strip()


def test_every_step_and_publishing_point_is_named(uninterrupted):
    steps = {p.removeprefix("step:") for p in uninterrupted.points if p.startswith("step:")}
    # freshness checks read the Dagster instance, never the working database: a kill there is a kill
    # after publishing
    assert steps == {s for s in uninterrupted.steps if not s.startswith("freshness_check")}
    publishing = [p for p in uninterrupted.points if p.startswith("publish:")]
    assert publishing == [
        "publish:warehouse-staged",
        "publish:site-built",
        "publish:before-switch",
        "publish:after-switch",
    ]  # and publish:cleanup in each removal
    assert set(publishing) < set(KILL_POINTS)
    assert set(EVERY_TEST_POINTS) < set(KILL_POINTS)


def kill_and_recover(
    point: str, published_once: Path, uninterrupted: Uninterrupted, forkserver, folder: Path
) -> None:
    """Kill a run at `point` while an analyst reads; check the publication, then the next run."""
    home, since = copy_home(published_once, folder), date.today()
    settings = settings_for(home)
    yesterday, yesterdays_marts = whole_publication(settings), mart_checksums(settings.warehouse)
    if point == "publish:cleanup":
        # a whole publication newer than the current one, as a stopped rollback leaves it: the run is
        # killed half-way through removing it
        newer = settings.publications / "000009-20990101T000000Z"
        shutil.copytree(settings.warehouse.resolve().parent, newer)
    with analyst(settings.warehouse) as reader:
        assert reads(reader) == yesterday
        assert killed_run(forkserver, home, point) == -signal.SIGKILL, point
        in_place = whole_publication(settings)
        if KILL_POINTS.get(point, YESTERDAYS) == YESTERDAYS:
            assert in_place == yesterday and marts_differing(settings, yesterdays_marts) == []
        else:
            assert in_place != yesterday
            assert marts_differing_from_uninterrupted(settings, uninterrupted, since) == []
        report = run_nightly(settings)
        assert report.success, (point, report.failed_steps)
        assert reads(reader) == yesterday
    assert whole_publication(settings) not in (yesterday, in_place)
    assert marts_differing_from_uninterrupted(settings, uninterrupted, since) == [], point
    assert leftovers(home) == [], point


@pytest.mark.parametrize(
    "point",
    [
        point if point in EVERY_TEST_POINTS else pytest.param(point, marks=every_step_matrix_only)
        for point in KILL_POINTS
    ],
)
def test_a_kill_leaves_one_whole_publication_and_the_next_run_publishes_what_an_uninterrupted_one_does(
    point, published_once, uninterrupted, forkserver, tmp_path
):
    kill_and_recover(point, published_once, uninterrupted, forkserver, tmp_path)


@every_step_matrix_only
def test_a_kill_at_every_step_of_a_run_leaves_one_whole_publication_and_is_recovered(
    published_once, uninterrupted, forkserver, tmp_path
):
    for number, point in enumerate(p for p in uninterrupted.points if p.startswith("step:")):
        kill_and_recover(point, published_once, uninterrupted, forkserver, tmp_path / str(number))


def test_a_full_disk_while_staging_leaves_yesterdays_publication_and_nothing_behind(
    published_once, uninterrupted, tmp_path, monkeypatch
):
    home, since = copy_home(published_once, tmp_path), date.today()
    settings = settings_for(home)
    yesterday = whole_publication(settings)
    monkeypatch.setenv(FAULT_AT, "publish:warehouse-staged")
    monkeypatch.setenv(FAULT, DISK_FULL)
    full = run_nightly(settings)
    assert not full.success
    assert [(s.step, "the disk is full" in s.message) for s in full.failed_steps] == [("publish", True)]
    assert whole_publication(settings) == yesterday
    assert leftovers(home) == []
    monkeypatch.delenv(FAULT_AT)
    assert run_nightly(settings).success
    assert whole_publication(settings) != yesterday
    assert marts_differing_from_uninterrupted(settings, uninterrupted, since) == []
    assert leftovers(home) == []


def test_a_working_database_locked_by_another_process_is_waited_for(tmp_path, monkeypatch):
    generate_demo(tmp_path, scale="small", seed=4)
    settings = settings_for(tmp_path)
    settings.build_database.parent.mkdir(parents=True)
    # another process holds the working database (DuckDB allows one writer per file) until its input ends
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; "
            "con = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
            "sys.stdin.read()",
            str(settings.build_database),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    found_locked: list[str] = []
    connect = duckdb.connect

    def connect_and_release_once_locked(database: str = ":memory:", *args, **kwargs):
        """DuckDB's own connect; the holder lets go once the run has found the database locked."""
        try:
            return connect(database, *args, **kwargs)
        except duckdb.IOException as error:
            if "lock" in str(error) and holder.poll() is None:
                found_locked.append(str(database))
                holder.stdin.close()
                holder.wait()
            raise

    monkeypatch.setattr(duckdb, "connect", connect_and_release_once_locked)
    try:
        report = run_nightly(settings)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert found_locked == [str(settings.build_database)], "the run never found the working database locked"
    assert report.success, report.failed_steps
    assert settings.warehouse.exists()
