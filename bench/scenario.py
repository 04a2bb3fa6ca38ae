"""Scenario benchmark: one `joinedup run --scenario NAME` from nothing, in a fresh process, measured.

The run starts in a new, empty JOINEDUP_HOME (no warehouse, no earlier publication: every file is read,
every month validated, every model built and the site written), as `joinedup run --scenario` does on
a fresh machine. Measured from outside the run: wall seconds, CPU seconds (user + system of the run and
every process it starts), peak memory (ru_maxrss of the largest process), and what it wrote: the
data-quality page and the whole site, in bytes; with the run's own seconds per stage, and the machine
(cores, processor, load average before and after: the machine is shared, so CPU seconds are the figure
that compares runs).

    python bench/scenario.py [--scenario nhs-england] [--inbox DIR] [--code ROOT] [--json FILE]

`--code ROOT` runs another checkout of joinedup (say, the commit before a change) with this
interpreter; `--inbox` reads the scenario's files from elsewhere (default: the scenario's own inbox).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stages import stage_seconds

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict:
    """The machine the benchmark ran on: cores, processor, memory."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "processor": model,
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
    }


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _summary(stdout: str) -> dict:
    """The run's JSON summary: the object starting on the first line that opens one (libraries may print
    a line of their own before or after it)."""
    start = stdout.find("\n{") + 1 if not stdout.startswith("{") else 0
    try:
        return json.JSONDecoder().raw_decode(stdout[start:])[0]
    except json.JSONDecodeError as error:
        raise SystemExit(f"no run summary in the output ({error}):\n{stdout[:3000]}") from None


def run_scenario(name: str, code: Path, inbox: Path | None, home: Path) -> dict:
    """Run the scenario once in a child process under `home`; return what was measured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    env |= {
        "JOINEDUP_HOME": str(home),
        "JOINEDUP_SCENARIOS_DIR": str(code / "scenarios"),
        "PYTHONPATH": str(code),
    }
    command = [
        sys.executable,
        "-c",
        "from pipelines.cli import app; app()",
        "run",
        "--scenario",
        name,
        "--json",
        "--no-progress",
    ]
    if inbox is not None:
        command += ["--inbox", str(inbox)]
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=code, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(
            f"the run failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    summary = _summary(done.stdout)
    site = home / "scenario-output" / name / "site"
    return {
        "scenario": name,
        "code": str(code),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
        "peak_memory_mib": round(after.ru_maxrss / 1024),
        "stage_seconds": {k: round(v, 1) for k, v in stage_seconds(summary["step_seconds"]).items()},
        "rows_received": sum(t["rows_received"] for t in summary["files"].values()),
        "data_quality_page_bytes": (site / "data-quality.html").stat().st_size,
        "site_bytes": _tree_bytes(site),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="nhs-england")
    parser.add_argument("--inbox", type=Path, help="read the scenario's files from here")
    parser.add_argument("--code", type=Path, default=PROJECT_ROOT, help="the joinedup checkout to run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="joinedup-scenario-bench-") as home:
        figures = run_scenario(args.scenario, args.code.resolve(), args.inbox, Path(home))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
