"""Embedded versus lake: the first full run of one inbox three ways, each from nothing in fresh processes.

  1. embedded: `joinedup run`, the warehouse file published by a rename (the default);
  2. lake: the same run publishing to a DuckLake on PostgreSQL as well (JOINEDUP_LAKE);
  3. areas: `python -m pipelines.area_workers run --workers N`, the areas loaded and validated by one
     run of the `area_stage` job, one step per area, N step processes at once (Dagster's multiprocess
     executor), staged in the lake, then gathered, built and published once.
Prints per run the wall seconds, CPU seconds (user + system of every process) and the peak memory of
its largest process, for the areas each area step's and the build's wall and CPU seconds and peak
memory, and the machine's load average before and after; `--json` as JSON.
A throwaway PostgreSQL (pipelines/local_postgres.py) holds the lake's catalog and Dagster's instance.

    python bench/lake.py --scale medium                       # the medium demo (12 areas), generated
    python bench/lake.py --inbox-from /work/databench2/national-7 --workers 3   # copied with cp -a
    python bench/lake.py --inbox-from DIR --ways embedded areas                 # some of the three
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.instance import write_postgres_instance  # noqa: E402
from pipelines.local_postgres import LocalPostgres  # noqa: E402

STEP_LINE = re.compile(
    r"^step \S+ \((?P<area>.*)\): staged: .*, (?P<seconds>\d+) s, "
    r"(?P<cpu>\d+) CPU-s, peak (?P<peak>\d+) MiB$"
)
BUILD_LINE = re.compile(
    r"^build and publish: (?P<outcome>\w+) in (?P<seconds>\d+) s, "
    r"(?P<cpu>\d+) CPU-s, peak (?P<peak>\d+) MiB$"
)


def _environment(home: Path, extra: dict[str, str]) -> dict[str, str]:
    """Paths of one installation under `home` (the inbox, reference data and mappings beside it)."""
    return (
        {key: value for key, value in os.environ.items() if not key.startswith(("JOINEDUP_", "DAGSTER_"))}
        | {
            "JOINEDUP_HOME": str(home),
            "JOINEDUP_REFERENCE_DIR": str(home / "reference"),
            "JOINEDUP_PARTNERS_DIR": str(home / "partners"),
        }
        | extra
    )


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def _adopt_orphans() -> None:
    """Make this process the parent of its descendants' orphans (Linux), so that their CPU seconds are
    counted: the multiprocess executor's forkserver, whose children are the area steps, outlives the
    run's process and would otherwise be reaped by init, its figures lost."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)


def _measure(command: list[str], environment: dict[str, str], log: Path) -> dict:
    """Run a command to its end; return its wall and CPU seconds and the peak memory of its largest
    process (the command's and all its descendants', from wait4: orphans are this process's, by
    `_adopt_orphans`), exit status and output."""
    started = time.monotonic()
    with open(log.with_suffix(".out"), "w+") as out, open(log.with_suffix(".err"), "w+") as err:
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        while True:  # the orphans the command left: each waited for to its end
            try:
                _, _, usage = os.wait4(-1, 0)
            except ChildProcessError:
                break
            cpu, peak = cpu + usage.ru_utime + usage.ru_stime, max(peak, usage.ru_maxrss)
        out.seek(0), err.seek(0)
        return {
            "status": process.returncode,
            "wall_seconds": round(time.monotonic() - started, 1),
            "cpu_seconds": round(cpu, 1),
            "peak_mib": round(peak / 1024),
            "stdout": out.read(),
            "stderr": err.read(),
        }


def _processes(run: dict) -> list[dict]:
    """Return each area step's and the build's figures, from what `area_workers run` printed."""
    found = []
    for line in run["stdout"].splitlines():
        if match := STEP_LINE.match(line):
            found.append(
                {
                    "process": f"step of {match['area']}",
                    "status": 0,
                    "wall_seconds": int(match["seconds"]),
                    "cpu_seconds": int(match["cpu"]),
                    "peak_mib": int(match["peak"]),
                }
            )
        elif match := BUILD_LINE.match(line):
            found.append(
                {
                    "process": "gather, build and publish",
                    "status": int(match["outcome"] != "published"),
                    "wall_seconds": int(match["seconds"]),
                    "cpu_seconds": int(match["cpu"]),
                    "peak_mib": int(match["peak"]),
                }
            )
    return found


def _copy(source: Path, target: Path) -> None:
    """Copy an inbox folder (inbox/, reference/, partners/) keeping modification times (cp -a)."""
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)


WAYS = ("embedded", "lake", "areas")


def bench(source: Path, work: Path, workers: int, ways: tuple[str, ...] = WAYS) -> dict:
    """Run the ways chosen (all three by default) on copies of `source`; return their figures."""
    postgres = LocalPostgres(work / "postgres")
    postgres.start()
    try:
        lake_url = f"ducklake:postgres:{postgres.create_database('lake')}"
        postgres.create_database("dagster")
        instance = write_postgres_instance(work / "dagster_home", postgres.url("dagster")).parent
        joinedup = str(Path(sys.executable).parent / "joinedup")
        # the data path for whichever run attaches the lake first (it creates the catalog)
        lake = {
            "JOINEDUP_LAKE": lake_url,
            "JOINEDUP_LAKE_DATA": str(work / "lake-data"),
            "DAGSTER_HOME": str(instance),
        }
        one = lake | {"JOINEDUP_LAKE_SCHEMA": "one"}
        commands = {
            "embedded": ([joinedup, "run", "--no-progress"], {}),
            "lake": ([joinedup, "run", "--no-progress"], one),
            "areas": (
                [sys.executable, "-m", "pipelines.area_workers", "run", "--workers", str(workers)],
                lake | {"JOINEDUP_LAKE_SCHEMA": "areas"},
            ),
        }
        for name in ways:
            _copy(source, work / name)
        _adopt_orphans()  # after PostgreSQL started: its server is not this process's to wait for
        load_before = os.getloadavg()
        runs = {}
        for name in ways:
            command, extra = commands[name]
            runs[name] = _measure(command, _environment(work / name, extra), work / name)
        if "areas" in runs:
            runs["areas"]["processes"] = _processes(runs["areas"])
        load_after = os.getloadavg()
    finally:
        postgres.stop()
    for run in runs.values():
        if run["status"]:
            print(run["stdout"][-2000:], run["stderr"][-4000:], file=sys.stderr)
        del run["stdout"], run["stderr"]
    return {
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_before": [round(x, 1) for x in load_before],
            "load_after": [round(x, 1) for x in load_after],
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        },
    }


def _print(figures: dict, files: int) -> None:
    machine = figures["machine"]
    print(
        f"{files} inbox files; {machine['cpus']} CPUs, load {machine['load_before']} before, "
        f"{machine['load_after']} after ({machine['date']})"
    )
    print(f"{'run':<34}{'status':>7}{'wall s':>9}{'CPU s':>9}{'peak MiB':>10}")
    for name, run in figures["runs"].items():
        print(
            f"{name:<34}{run['status']:>7}{run['wall_seconds']:>9}{run['cpu_seconds']:>9}{run['peak_mib']:>10}"
        )
        for process in run.get("processes", []):
            print(
                f"  {process['process']:<32}{process['status']:>7}{process['wall_seconds']:>9}"
                f"{process['cpu_seconds']:>9}"
                f"{process['peak_mib']:>10}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", help="demo to generate when no --inbox-from [medium]")
    parser.add_argument("--inbox-from", type=Path, help="a folder holding inbox/, reference/, partners/")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--ways", nargs="+", choices=WAYS, default=list(WAYS), help="the runs to measure [all three]"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="joinedup-bench-lake-"))
    work.chmod(0o755)  # as root the PostgreSQL server runs as nobody, who must reach its folder
    try:
        source = args.inbox_from
        if source is None:
            from pipelines.demo.submissions import generate_demo

            source = work / "source"
            generate_demo(source, scale=args.scale, seed=7)
        files = sum(1 for path in (source / "inbox").rglob("*") if path.is_file())
        figures = bench(source.resolve(), work, args.workers, tuple(args.ways))
        print(json.dumps(figures, indent=2)) if args.json else _print(figures, files)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
