"""Sensor and schedule benchmark: what the inbox sensor and the nightly schedule cost at scale.

On the national demo (or x10: 1,000 areas) after its first load, the last month's files held back as
in bench/national.py, each evaluation in a fresh process of its own (its peak memory is its own):
  1. the inbox sensor with nothing new: the cursor the first load's files leave, no file newer;
  2. the inbox sensor once the last month's files have arrived (they are read ahead for their months);
  3. the nightly schedule then: the months due found from the files the warehouse does not know.
Prints per evaluation: seconds, share of Dagster's sensor timeout, peak memory, the new files and
months of the run requested, and the cursor's size, which must not grow with the files held. The
code location is loaded before the clock starts: a sensor is evaluated in a loaded location.

    python bench/sensor.py [--scale national|x10] [--data DIR] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from national import _copy, _deliver, _generated, _hold_back, _measure, run_child

from pipelines.peak_memory import peak_mib
from tests.conftest import environment_for

# Dagster's default limit on one sensor evaluation (DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS)
SENSOR_TIMEOUT_SECONDS = 60


def _request_figures(request) -> dict:
    from assets.partitions import RANGE_END_TAG, RANGE_START_TAG

    return {
        "new_files": int(request.tags["joinedup/new_files"]),
        "months": f"{request.tags.get(RANGE_START_TAG)} to {request.tags.get(RANGE_END_TAG)}",
    }


def _child_evaluation(kind: str, cursor: str | None) -> dict:
    """Evaluate the inbox sensor (from `cursor`) or the nightly schedule once, in this process."""
    import dagster as dg

    from pipelines.automation import inbox_sensor, nightly_schedule
    from pipelines.definitions import build_definitions
    from pipelines.settings import Settings

    repository = build_definitions(Settings.from_env()).get_repository_def()
    start = time.perf_counter()
    if kind == "sensor":
        tick = inbox_sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor, repository_def=repository))
        requests, cursor = list(tick.run_requests or []), tick.cursor
    else:
        context = dg.build_schedule_context(repository_def=repository)
        requests = list(nightly_schedule.evaluate_tick(context).run_requests or [])
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "runs": [_request_figures(r) for r in requests],
        "cursor_bytes": len(cursor or "") if kind == "sensor" else None,
    }


def _evaluate(kind: str, home: Path, cursor: str | None = None) -> dict:
    """Evaluate in a fresh interpreter whose settings point under `home`; return figures and peak memory."""
    return run_child(__file__, ["--child", kind, "--cursor", cursor or ""], environment_for(home))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=["national", "x10", "medium"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="folder to keep the generated demos in for next time")
    parser.add_argument("--child", choices=["sensor", "schedule"], help=argparse.SUPPRESS)
    parser.add_argument("--cursor", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = _child_evaluation(args.child, args.cursor or None)
        figures["peak_rss_mb"] = peak_mib()
        print(json.dumps(figures))
        return

    data = args.data or Path(tempfile.mkdtemp(prefix="joinedup-bench-data-"))
    scratch = Path(tempfile.mkdtemp(prefix="joinedup-bench-"))
    home = _copy(_generated(data, args.scale, args.seed), scratch)
    waiting = _hold_back(home)
    first = _measure("run", home)
    held = [path.stat().st_mtime_ns for path in (home / "inbox").rglob("*") if path.is_file()]
    # what the sensor keeps once it has handed the first load's files to a run
    cursor = json.dumps({"newest_ns": max(held)})
    evaluations = {"sensor, nothing new": _evaluate("sensor", home, cursor)}
    arrived = _deliver(waiting, home / "inbox")
    evaluations["sensor, month arrived"] = _evaluate("sensor", home, cursor)
    evaluations["schedule, month arrived"] = _evaluate("schedule", home)
    shutil.rmtree(scratch, ignore_errors=True)

    print(
        f"\n{args.scale}: {len(held):,} files in the inbox after the first load ({first['seconds']:.0f} s), "
        f"{arrived:,} more arrived (the last month's); Dagster's sensor timeout {SENSOR_TIMEOUT_SECONDS} s"
    )
    print(f"{'evaluation':<26}{'seconds':>9}{'timeout':>9}{'peak MB':>9}{'cursor B':>10}  run requested")
    for name, figures in evaluations.items():
        runs = "; ".join(f"{r['new_files']:,} new files, months {r['months']}" for r in figures["runs"])
        cursor_bytes = figures["cursor_bytes"]
        print(
            f"{name:<26}{figures['seconds']:>9.2f}"
            f"{100 * figures['seconds'] / SENSOR_TIMEOUT_SECONDS:>8.0f}%{figures['peak_rss_mb']:>9,.0f}"
            f"{'' if cursor_bytes is None else cursor_bytes:>10}  {runs or 'none'}"
        )


if __name__ == "__main__":
    main()
