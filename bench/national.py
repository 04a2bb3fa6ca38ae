"""National benchmark: the nightly job at national scale, against a plain script, in one invocation.

On the national demo (100 partnership areas, 300 joint services, one file per partner, type and
month) and its backlog shape (one file per partner and type holding every month), each measurement
in a fresh process of its own (peak memory, its own high-water mark, is its own):
  1. plain script: bench/plain_script.py on the monthly inbox (bulk reads, row checks in SQL,
     per-service-month marts), the baseline the data stages are compared with;
  2. full run: the first load of the monthly inbox, the last two months' files held back;
  3. incremental, a month: the next night, after the first of them arrives (February's figures, sent
     in March: the forecasts' models are kept, and only filtered again);
  4. incremental, a quarter's end: the night after, when the last month's arrive (March's: every
     forecast's model is estimated again on the quarter, assets/forecast/schedule.py);
  5. nothing new: the night after that, no file added: what every night costs before a new file is
     read (the start, Dagster's runs, the marts judged against the date, a publication carrying its
     pages over), the floor under each incremental night's share of the full run;
  6. backlog: the first load of the backlog inbox (and the plain script on it);
  7. compaction: the working database after the quarter's end copied into a compact file
     (assets/compaction.py, as a run's end does once the file has grown enough), against a plain copy of
     the file (what each publication does).
Prints per run: seconds, CPU seconds, rows per second, peak memory, seconds per stage, and the ratios
asked of it: the data stages (ingest, validate, models) to the plain script, each incremental run to the
full run. CPU seconds are the measurement's whole process tree (its interpreter's start-up, the ingest
workers and the Data Docs builder included): on a shared machine they vary less than the wall time.
The runs keep their history in the embedded Dagster instance as `make run` does (its SQLite files in
the copy's `dagster_home/`, pipelines/instance.py), the full run and the next night's in the same one.

    python bench/national.py [--scale national] [--data DIR] [--seed 7]

`--scale x10` runs 1,000 areas (and no backlog); `--data DIR` keeps the generated inboxes there and
reuses them next time (each measured run works on a fresh copy).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stages import stage_seconds

from pipelines.peak_memory import peak_mib

DATA_STAGES = ("ingest", "validate", "models")
STAGES = (*DATA_STAGES, "publish")
# files submitted from this month on are held back from the first load: the last month's returns
LAST_MONTH_SENT = "202604"
# and from this one, the returns of the month before (a month that ends no quarter)
MONTH_BEFORE_SENT = "202603"


def _child_run(home: Path) -> dict:
    import duckdb

    from assets.query import one_row
    from pipelines.run import run_nightly
    from tests.conftest import settings_for

    settings = settings_for(home)
    start = time.perf_counter()
    report = run_nightly(settings)
    seconds = time.perf_counter() - start
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (validated,) = one_row(
            con.execute(
                "select coalesce(sum(rows_validated), 0) from audit.validation_runs "
                "where run_id = ? and target_table like 'raw.%'",
                [report.run_id],
            )
        )
        (pages,) = one_row(con.execute("select count(*) from marts.dim_joint_service"))
    return {
        "seconds": seconds,
        "success": report.success,
        "stages": stage_seconds(report.step_seconds),
        "rows_received": int(report.files["rows_received"].sum() or 0),
        "files": int(report.files["files"].sum() or 0),
        "rows_validated": int(validated),
        "service_pages": int(pages),
        "failed": [s.step for s in report.failed_steps],
    }


def _child_compact(home: Path) -> dict:
    from assets.compaction import compact_if_grown
    from tests.conftest import settings_for

    working = settings_for(home).build_database
    start = time.perf_counter()
    shutil.copyfile(working, home / "plain-copy.duckdb")
    copy_seconds = time.perf_counter() - start
    (home / "plain-copy.duckdb").unlink()
    compact_if_grown(working, {})  # the first measurement, if no run has made it
    start = time.perf_counter()
    done = compact_if_grown(working, {}, growth=0)  # whatever its size
    assert done is not None
    return {
        "seconds": time.perf_counter() - start,
        "copy_seconds": copy_seconds,
        "bytes_before": done.bytes_before,
        "bytes_after": done.bytes_after,
    }


def _child_plain(home: Path) -> dict:
    from plain_script import run

    return run(home)


CHILDREN = {"run": _child_run, "plain": _child_plain, "compact": _child_compact}


def _measure(kind: str, home: Path) -> dict:
    """Run one measurement in a fresh interpreter and return its figures plus peak memory; a run keeps
    its history in the installation's embedded Dagster instance (`home/dagster_home`)."""
    environment = {"DAGSTER_HOME": str(_embedded_instance(home))} if kind == "run" else None
    return run_child(__file__, ["--child", kind, "--home", str(home)], environment)


def _embedded_instance(home: Path) -> Path:
    """The installation's Dagster instance as `make run` writes it, written the first time."""
    from pipelines.instance import INSTANCE_FILE, sqlite_instance, write_instance

    dagster_home = home / "dagster_home"
    if not (dagster_home / INSTANCE_FILE).exists():
        write_instance(dagster_home, sqlite_instance(dagster_home))
    return dagster_home


def run_child(script: str, arguments: list[str], environment: dict[str, str] | None = None) -> dict:
    """Run a benchmark script's child in a fresh interpreter (the project on its path, no Dagster
    instance but the one `environment` names, if any); return the JSON of its last line of output, with
    `cpu_seconds`: the CPU time of the child and every process it started and waited for."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env |= {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)} | (environment or {})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, script, *arguments], env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{out.stderr[-4000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return json.loads(out.stdout.strip().splitlines()[-1]) | {"cpu_seconds": cpu}


def _generated(data: Path, scale: str, seed: int) -> Path:
    """Return a folder holding the demo of this scale, generating it the first time."""
    from pipelines.demo.submissions import generate_demo

    folder = data / f"{scale}-{seed}"
    if not (folder / "demo_truth.json").exists():
        shutil.rmtree(folder, ignore_errors=True)
        start = time.perf_counter()
        truth = generate_demo(folder, scale=scale, seed=seed)
        print(
            f"generated {scale}: {sum(truth['totals']['files'].values()):,} files, "
            f"{sum(truth['totals']['rows'].values()):,} rows in {time.perf_counter() - start:.0f} s"
        )
    return folder


def _copy(source: Path, scratch: Path) -> Path:
    """A new tree of the demo's folders whose files are hard links to the demo's (copies across file
    systems): a run only reads them, and linking x10's 775,000 files takes seconds, copying minutes."""
    home = scratch / source.name
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(source, home, copy_function=_link_or_copy)
    return home


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def _hold_back(home: Path, sent_from: str = LAST_MONTH_SENT) -> Path:
    """Move the files sent from month `sent_from` (YYYYMM) on out of the inbox; return where they wait."""
    waiting = home / f"sent-from-{sent_from}"
    for path in sorted((home / "inbox").rglob("*_*.*")):
        sent = path.name.split("_")[1][:6]
        if sent.isdigit() and sent >= sent_from:
            target = waiting / path.relative_to(home / "inbox")
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
    return waiting


def _deliver(waiting: Path, inbox: Path) -> int:
    from pipelines.demo.submissions import sent_before_now

    files = [p for p in waiting.rglob("*") if p.is_file()]
    for path in files:
        target = inbox / path.relative_to(waiting)
        path.rename(target)
    sent_before_now(inbox / p.relative_to(waiting) for p in files)  # arrived, and settled
    return len(files)


def _row(name: str, run: dict, rows: int) -> str:
    stages = run.get("stages", {})
    return (
        f"{name:<26}{run['seconds']:>9.2f}{run['cpu_seconds']:>9.2f}"
        f"{rows:>10,}{rows / run['seconds']:>10,.0f}{run['peak_rss_mb']:>9,.0f}"
        + "".join(f"{stages.get(s, 0.0):>9.2f}" for s in STAGES)
        + ("" if run.get("success", True) else f"   FAILED {run.get('failed')}")
    )


def _data_seconds(run: dict) -> float:
    return sum(run["stages"].get(s, 0.0) for s in DATA_STAGES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=["national", "x10", "medium"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="folder to keep the generated demos in for next time")
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = CHILDREN[args.child](args.home)
        figures["peak_rss_mb"] = peak_mib()
        print(json.dumps(figures))
        return

    data = args.data or Path(tempfile.mkdtemp(prefix="joinedup-bench-data-"))
    scratch = Path(tempfile.mkdtemp(prefix="joinedup-bench-"))
    monthly = _generated(data, args.scale, args.seed)
    backlog = _generated(data, "backlog", args.seed) if args.scale == "national" else None

    home = _copy(monthly, scratch)
    last_month = _hold_back(home, LAST_MONTH_SENT)
    month_before = _hold_back(home, MONTH_BEFORE_SENT)
    runs = {"plain script": _measure("plain", monthly), "full run": _measure("run", home)}
    delivered = {"incremental: a month": _deliver(month_before, home / "inbox")}
    runs["incremental: a month"] = _measure("run", home)
    delivered["incremental: quarter end"] = _deliver(last_month, home / "inbox")
    runs["incremental: quarter end"] = _measure("run", home)
    runs["nothing new"] = _measure("run", home)
    compaction = _measure("compact", home)
    if backlog is not None:
        runs["backlog: plain script"] = _measure("plain", backlog)
        runs["backlog: full run"] = _measure("run", _copy(backlog, scratch))
    shutil.rmtree(scratch, ignore_errors=True)

    print(
        f"\n{args.scale}: {runs['full run']['files']:,} files in the first load; the next night "
        f"{delivered['incremental: a month']:,} more (February's figures), the night after "
        f"{delivered['incremental: quarter end']:,} (March's, a quarter's end); "
        f"{runs['full run']['service_pages']} service pages"
    )
    print(
        f"{'run':<26}{'seconds':>9}{'CPU s':>9}{'rows':>10}{'rows/s':>10}{'peak MB':>9}"
        + "".join(f"{s:>9}" for s in STAGES)
    )
    for name, run in runs.items():
        rows = run["rows"] if "plain" in name else run["rows_received"]
        print(_row(name, run, rows))
    print("  rows: rows read (plain script: contract-layout CSVs only) or received (runs: every file)")
    full, plain = runs["full run"], runs["plain script"]
    print(
        f"data stages (ingest + validate + models) / plain script: "
        f"{_data_seconds(full) / plain['seconds']:.2f}x (full run)"
    )
    if backlog is not None:
        ratio = _data_seconds(runs["backlog: full run"]) / runs["backlog: plain script"]["seconds"]
        print(f"  backlog: {ratio:.2f}x")
    floor = runs["nothing new"]["seconds"]
    print(f"nothing new / full run: {100 * floor / full['seconds']:.1f} % of the time (every night's floor)")
    for night in delivered:
        print(
            f"{night} / full run: {100 * runs[night]['seconds'] / full['seconds']:.1f} % of the time, "
            f"{runs[night]['rows_validated']:,} of {full['rows_validated']:,} rows validated; "
            f"{100 * (runs[night]['seconds'] - floor) / full['seconds']:.1f} % above the floor"
        )
    print(
        f"compaction of the working database after the quarter's end: "
        f"{compaction['bytes_before'] / 1e6:,.1f} MB to {compaction['bytes_after'] / 1e6:,.1f} MB in "
        f"{compaction['seconds']:.2f} s, peak {compaction['peak_rss_mb']:,.0f} MB; a plain copy of the file "
        f"{compaction['copy_seconds']:.2f} s ({compaction['seconds'] / compaction['copy_seconds']:.0f}x)"
    )


if __name__ == "__main__":
    main()
