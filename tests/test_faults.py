"""The fault hook: named points where a test kills the process or fills the disk."""

import errno
import os
import signal
import subprocess
import sys

import pytest

from assets.faults import DISK_FULL, FAULT, FAULT_AT, FAULT_TRACE, fault_point
from pipelines.settings import PROJECT_ROOT


def test_a_fault_point_does_nothing_unless_it_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(FAULT_AT, "elsewhere")
    monkeypatch.setenv(FAULT_TRACE, str(tmp_path / "trace"))
    fault_point("here")
    fault_point("there")
    assert (tmp_path / "trace").read_text().split() == ["here", "there"]


def test_a_named_fault_point_kills_its_process_or_finds_the_disk_full(monkeypatch):
    killed = subprocess.run([sys.executable, "-c", "from assets.faults import fault_point; "
                             "fault_point('here'); print('survived')"], cwd=PROJECT_ROOT,
                            env=os.environ | {FAULT_AT: "here"}, capture_output=True, text=True)
    assert (killed.returncode, killed.stdout) == (-signal.SIGKILL, "")
    monkeypatch.setenv(FAULT_AT, "here")
    monkeypatch.setenv(FAULT, DISK_FULL)
    with pytest.raises(OSError) as full:
        fault_point("here")
    assert full.value.errno == errno.ENOSPC
