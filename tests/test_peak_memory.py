"""A process's peak memory is its own: neither its parent's nor below what it held."""

import subprocess
import sys

from pipelines.peak_memory import peak_mib

MIB = 1024 * 1024


def _touched(mib: int) -> bytearray:
    """A buffer of `mib` MiB with every page written, so that all of it is resident."""
    buffer = bytearray(mib * MIB)
    for page in range(0, len(buffer), 4096):
        buffer[page] = 1
    return buffer


def test_the_peak_grows_with_what_the_process_holds():
    # in a fresh interpreter, whose peak so far is what it holds (this one's may be far above that)
    code = (
        "from pipelines.peak_memory import peak_mib\n"
        "from tests.test_peak_memory import _touched\n"
        "before = peak_mib()\n"
        "held = _touched(256)\n"
        "print(before, peak_mib())"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = map(float, child.stdout.split())
    assert after >= before + 200


def test_a_process_started_by_a_larger_one_reports_its_own_peak():
    held = _touched(max(512, int(peak_mib())))  # this process well above a bare interpreter's size
    child = subprocess.run(
        [sys.executable, "-c", "from pipelines.peak_memory import peak_mib; print(peak_mib())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(child.stdout) < 100 < peak_mib() and len(held) >= 512 * MIB
