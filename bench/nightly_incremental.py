"""Incremental benchmark: the nightly run after one partner's resubmission, against a full run.

On the medium demo, in the same invocation and each in its own subprocess (so that peak memory,
its own high-water mark, is its own):
  1. first load: an empty warehouse, every month of the inbox due;
  2. incremental: one partner resubmits one month of outcomes; the run validates only that month;
  3. full run: the same warehouse with every month validated again (a backfill of all months), which
     is what each nightly run would cost without monthly partitions;
  4. nothing due: no new files; the marts are rebuilt and published without validating any month.
Prints time, rows validated (and per second), peak memory, time per stage, and the ratio of the full
run to the incremental one.

    python bench/nightly_incremental.py [--scale medium] [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stages import stage_seconds

from pipelines.peak_memory import peak_mib

RUNS = ("first load", "incremental", "full run", "nothing due")


def _child(home: Path, months: list[str] | None) -> dict:
    import duckdb

    from assets.query import one_row
    from pipelines.run import run_nightly
    from tests.conftest import settings_for

    settings = settings_for(home)
    start = time.perf_counter()
    report = run_nightly(settings, months)
    seconds = time.perf_counter() - start
    stages = stage_seconds(report.step_seconds)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (validated,) = one_row(
            con.execute(
                "select coalesce(sum(rows_validated), 0) from audit.validation_runs "
                "where run_id = ? and target_table like 'raw.%'",
                [report.run_id],
            )
        )
    return {
        "seconds": seconds,
        "success": report.success,
        "stages": stages,
        "months": report.months,
        "rows_validated": int(validated),
    }


def _measure(home: Path, months: list[str] | None = None) -> dict:
    """Run the nightly job in a fresh interpreter and return its figures plus peak memory."""
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("DAGSTER_HOME", None)
    command = [sys.executable, __file__, "--child", "--home", str(home)]
    if months is not None:
        command += ["--months", ",".join(months)]
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"measurement failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _months(run: dict) -> str:
    months = run["months"]
    return f"{months[0]}..{months[-1]}" if months else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="folder to keep the run in (default: a temp dir)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--months", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = _child(args.home, args.months.split(",") if args.months else None)
        figures["peak_rss_mb"] = peak_mib()
        print(json.dumps(figures))
        return

    from pipelines.demo.resubmission import write_resubmission
    from pipelines.demo.submissions import generate_demo

    home = args.keep or Path(tempfile.mkdtemp(prefix="joinedup-bench-"))
    truth = generate_demo(home, scale=args.scale, seed=args.seed)
    print(
        f"demo data ({args.scale}, seed {args.seed}): {sum(truth['totals']['files'].values())} files, "
        f"{sum(truth['totals']['rows'].values())} rows -> {home}"
    )

    runs = {"first load": _measure(home)}
    resubmitted = write_resubmission(home / "inbox")
    print(
        f"resubmission: {resubmitted.path.name} restates {resubmitted.measure_code} "
        f"({resubmitted.service_code}) for {resubmitted.month}: numerator "
        f"{resubmitted.numerator_before} -> {resubmitted.numerator_after}"
    )
    runs["incremental"] = _measure(home)
    first, last = runs["first load"]["months"][0], runs["first load"]["months"][-1]
    runs["full run"] = _measure(home, [first, last])
    runs["nothing due"] = _measure(home)

    print(
        f"\n{'run':<13}{'months':>18}{'seconds':>9}{'rows validated':>16}{'rows/s':>9}{'peak MB':>9}"
        f"{'ingest':>8}{'validate':>9}{'models':>8}{'publish':>9}"
    )
    for name in RUNS:
        run = runs[name]
        stages = run["stages"]
        rate = run["rows_validated"] / stages["validate"] if stages.get("validate") else 0
        print(
            f"{name:<13}{_months(run):>18}{run['seconds']:>9.2f}{run['rows_validated']:>16,}"
            f"{rate:>9,.0f}{run['peak_rss_mb']:>9,.0f}"
            + "".join(
                f"{stages.get(s, 0.0):>{w}.2f}"
                for s, w in (("ingest", 8), ("validate", 9), ("models", 8), ("publish", 9))
            )
            + ("" if run["success"] else "   FAILED")
        )
    print("  (rows/s: rows validated per second of the validate stage, which includes the mart checks)")
    full, incremental = runs["full run"], runs["incremental"]
    validate = full["stages"].get("validate", 0) / incremental["stages"].get("validate", 1)
    print(
        f"ratio full run / incremental: {full['seconds'] / incremental['seconds']:.2f}x in time, "
        f"{full['rows_validated'] / max(incremental['rows_validated'], 1):.0f}x in rows validated; "
        f"validate stage {validate:.1f}x"
    )


if __name__ == "__main__":
    main()
