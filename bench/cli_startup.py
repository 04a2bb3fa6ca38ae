"""How long the `joinedup` command takes to answer, against opening the warehouse from a bare Python.

Times, each in a fresh process and interleaved so that a busy machine slows all three alike:
  1. `joinedup --help`;
  2. `joinedup sql "select 1"` on a small warehouse (read-only, locked, printed as a table);
  3. the baseline: `python -c "import duckdb; duckdb.connect(path, read_only=True).execute('select 1')"`.
Prints the median wall time of each (after one unmeasured warm-up run), its ratio to the baseline,
whether it is under the target of 0.5 s, and the median CPU time (user + system), which a busy machine
changes less than the wall time.

    python bench/cli_startup.py [--runs 15] [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.5
BIN = Path(sys.executable).parent


def _small_warehouse(folder: Path) -> Path:
    """Write a warehouse with one small mart, as `joinedup sql` expects to find one."""
    import duckdb

    path = folder / "joinedup.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_partner as select 'P' || range as partner_code, "
            "'Partner ' || range as partner_name from range(100)"
        )
    return path


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _seconds(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Return the wall and CPU time of one run of `command`, which must succeed."""
    start, cpu = time.perf_counter(), _cpu_seconds()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each command")
    parser.add_argument("--warehouse", type=Path, help="a warehouse to query (default: a small one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        warehouse = (args.warehouse or _small_warehouse(Path(scratch))).resolve()
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
        env["JOINEDUP_WAREHOUSE"] = str(warehouse)
        commands = {
            "joinedup --help": [str(BIN / "joinedup"), "--help"],
            'joinedup sql "select 1"': [str(BIN / "joinedup"), "sql", "select 1"],
            "baseline: python, duckdb, select 1": [
                sys.executable,
                "-c",
                "import duckdb, sys; "
                "duckdb.connect(sys.argv[1], read_only=True).execute('select 1').fetchall()",
                str(warehouse),
            ],
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for run in range(args.runs + 1):
            for name, command in commands.items():
                seconds = _seconds(command, env)
                if run:  # the first round warms the file cache and is not counted
                    times[name].append(seconds)
    wall = {name: statistics.median(w for w, _ in spent) for name, spent in times.items()}
    cpu = {name: statistics.median(c for _, c in spent) for name, spent in times.items()}
    baseline = wall["baseline: python, duckdb, select 1"]
    print(
        f"joinedup start-up, median of {args.runs} runs each ({os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"  {'command':<36} {'seconds':>8} {'x baseline':>11}  {f'under {TARGET_SECONDS} s':<11} "
        f"{'CPU seconds':>11}"
    )
    for name, median in wall.items():
        print(
            f"  {name:<36} {median:>8.3f} {median / baseline:>10.2f}x  "
            f"{'yes' if median < TARGET_SECONDS else 'NO':<11} {cpu[name]:>11.3f}"
        )


if __name__ == "__main__":
    main()
