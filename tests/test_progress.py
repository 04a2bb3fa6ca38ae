"""Progress of a long run on stderr: step k of n, the files each type read, and the time elapsed.

A small job runs through the same hook as the nightly job (`pipelines.run._execute`), so the events
are Dagster's own. Fails when a step, its count or an ingest step's files go unreported, when a
terminal's status line is not rewritten in place (or is left behind), or when the progress shown
away from a terminal is anything but plain lines.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.demo.submissions import generate_demo
from pipelines.progress import CLEAR_LINE, RunProgress, elapsed
from pipelines.run import _execute
from tests.conftest import settings_for

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own


@dg.asset(key=["raw", "outcomes"])
def raw_outcomes() -> dg.MaterializeResult:
    """Stands for an ingest step: its metadata lists the files it read, as raw/<type> does."""
    return dg.MaterializeResult(
        metadata={"files_loaded": 1204, "rows_received": 48160, "files_rejected": ["bad.csv", "worse.csv"]}
    )


@dg.asset(deps=[raw_outcomes])
def validated() -> None:
    """Stands for the steps after ingest."""


@dg.asset(deps=[validated])
def publish() -> None:
    """Fails, as a step can."""
    raise RuntimeError("disk full")


JOB = dg.Definitions(
    assets=[raw_outcomes, validated, publish], jobs=[dg.define_asset_job("small")]
).resolve_job_def("small")


def _run(progress: RunProgress) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        _execute(JOB, instance, progress, "load")


def test_away_from_a_terminal_each_step_and_the_files_read_are_a_plain_line():
    stream = io.StringIO()
    with RunProgress(stream, clock=lambda: 0.0) as progress:
        progress.stage("loading the pipeline")
        _run(progress)
    assert stream.getvalue().splitlines() == [
        "[0:00] loading the pipeline",
        "[0:00] load: step 1 of 3: raw/outcomes",
        "[0:00] load: outcomes: 1,204 new file(s) read, 48,160 rows received, 2 rejected",
        "[0:00] load: step 2 of 3: validated",
        "[0:00] load: step 3 of 3: publish",
        "[0:00] load: step failed: publish: RuntimeError: disk full",
    ]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_on_a_terminal_the_status_line_is_rewritten_in_place_and_cleared_at_the_end():
    stream = io.StringIO()
    with RunProgress(stream, live=True, clock=lambda: 0.0, tick=3600) as progress:
        _run(progress)
    written = stream.getvalue()
    assert f"{CLEAR_LINE}[0:00] load: step 2 of 3: validated" in written
    assert "step 2 of 3: validated\n" not in written  # a status is rewritten, never left as a line
    # what stays (the files read, the failure) is a whole line printed above the status
    assert (
        f"{CLEAR_LINE}[0:00] load: outcomes: 1,204 new file(s) read, 48,160 rows received, "
        "2 rejected\n" in written
    )
    assert f"{CLEAR_LINE}[0:00] load: step failed: publish: RuntimeError: disk full\n" in written
    assert written.endswith(CLEAR_LINE)


@dg.resource
def locked_database(_: dg.InitResourceContext) -> None:
    """A database another process holds: the run fails before any step starts."""
    raise OSError('Could not set lock on file "joinedup.duckdb": Conflicting lock is held')


@dg.asset(required_resource_keys={"database"})
def needs_the_database() -> None:
    """Never runs."""


def test_a_run_that_cannot_start_says_why():
    job = dg.Definitions(
        assets=[needs_the_database],
        jobs=[dg.define_asset_job("locked")],
        resources={"database": locked_database},
    ).resolve_job_def("locked")
    stream = io.StringIO()
    with RunProgress(stream, clock=lambda: 0.0) as progress, dg.DagsterInstance.ephemeral() as instance:
        _execute(job, instance, progress, "load")
    assert stream.getvalue().splitlines()[-1] == (
        "[0:00] load: step failed: needs_the_database: OSError: Could not set lock on file "
        '"joinedup.duckdb": Conflicting lock is held'
    )


def test_on_a_terminal_the_time_elapsed_moves_during_a_long_step():
    stream = io.StringIO()
    seconds = itertools.chain([0.0, 0.0], itertools.repeat(75.0))  # the start, the first status
    with RunProgress(stream, live=True, clock=lambda: next(seconds), tick=0.01) as progress:
        progress.stage("load: step 1 of 19: raw/outcomes")
        deadline = time.monotonic() + 10
        while "[1:15] load: step 1 of 19" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert f"{CLEAR_LINE}[1:15] load: step 1 of 19: raw/outcomes" in stream.getvalue()


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0:00"), (59.9, "0:59"), (75, "1:15"), (3599, "59:59"), (3600, "1:00:00"), (7385, "2:03:05")],
)
def test_elapsed_time_reads_as_a_clock(seconds, shown):
    assert elapsed(seconds) == shown


def test_a_run_away_from_a_terminal_logs_its_steps_on_stderr_and_prints_json_on_stdout(tmp_path):
    generate_demo(tmp_path, scale="small", seed=7)
    settings = settings_for(tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")},
        "JOINEDUP_INBOX": str(settings.inbox),
        "JOINEDUP_REFERENCE_DIR": str(settings.reference_dir),
        "JOINEDUP_BUILD_DATABASE": str(settings.build_database),
        "JOINEDUP_WAREHOUSE": str(settings.warehouse),
        "JOINEDUP_SITE": str(settings.site_dir),
        "JOINEDUP_PARTNERS_DIR": str(settings.partners_dir),
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "joinedup"), "run", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # nothing but the summary on stdout
    assert summary["success"] and summary["files"]["outcomes"]["files"] > 0
    lines = done.stderr.splitlines()
    assert lines[0] == "[0:00] loading the pipeline"
    for phase in ("load", "validate", "build and publish"):
        steps = [
            int(m.group(1))
            for line in lines
            if (m := re.fullmatch(rf"\[\d+:\d\d\] {phase}: step (\d+) of (\d+): .+", line))
        ]
        assert steps == list(range(1, len(steps) + 1)) and len(steps) > 1, phase
    assert any(
        re.fullmatch(r"\[\d+:\d\d\] load: outcomes: \d+ new file\(s\) read, [\d,]+ rows received.*", line)
        for line in lines
    ), done.stderr
    assert "\r" not in done.stderr
