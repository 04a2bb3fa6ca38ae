"""`make dev` serves the Dagster UI without a deprecation warning and stops within seconds of SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.notify_receivers import free_port

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own

ROOT = Path(__file__).resolve().parent.parent
# a hang guard, not a timer: at load 11-13 (CI with the scale-out tests beside it) the services took
# more than 10 s to stop
STOP_SECONDS = 30
START_SECONDS = 240


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _serving(group: int) -> list[str]:
    """Return the command lines of the group's processes that serve: dagster dev, webserver, daemon."""
    found = subprocess.run(["pgrep", "-a", "-g", str(group)], capture_output=True, text=True).stdout
    return [
        line
        for line in found.splitlines()
        if any(name in line for name in ("dagster dev", "dagster_webserver", "dagster._daemon"))
    ]


def test_make_dev_serves_the_ui_and_stops_within_seconds_of_sigterm(tmp_path):
    """The UI answers, then SIGTERM to make stops the webserver and daemon (not left serving)."""
    port = free_port()
    env = os.environ | {"JOINEDUP_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "dev",
            f"DEV_PORT={port}",
            f"DAGSTER_HOME={tmp_path / 'dagster_home'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "dev.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # starting is not what is tested: a busy 2-core machine takes a minute or more to load the code
        deadline = time.monotonic() + START_SECONDS
        while not _answers(f"http://127.0.0.1:{port}/server_info"):
            assert process.poll() is None, (tmp_path / "dev.log").read_text()
            assert time.monotonic() < deadline, f"the webserver did not answer within {START_SECONDS} s"
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while _serving(process.pid) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert not _serving(process.pid), f"make dev still serving {STOP_SECONDS} s after SIGTERM"
        assert process.wait(timeout=1) != 0
    finally:
        # Dagster's own code server ends by its heartbeat timeout (45 s): not waited for here.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert not _answers(f"http://127.0.0.1:{port}/server_info"), "the webserver outlived make dev"
    output = (tmp_path / "dev.log").read_text()
    assert "KeyboardInterrupt received" in output, "dagster dev shut down its services itself"
    assert "superseded" not in output and "Warning" not in output, output
    assert "nux:\n  enabled: false" in (tmp_path / "dagster_home" / "dagster.yaml").read_text()
