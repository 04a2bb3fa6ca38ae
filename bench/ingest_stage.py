"""The ingest stage alone: every submission type's files of a demo folder loaded into a fresh warehouse.

Runs each type's pass as the `raw` assets do (the reference tables loaded first), in a fresh process,
and prints per type and in all: wall seconds, CPU seconds (this process and its worker processes,
the fair figure on a shared machine), files and rows, then a digest of what was loaded (raw rows, load
log, quarantine, rejected files, the file catalogue; times and run ids left out), equal between two
versions of ingest that load the same things.

    python bench/ingest_stage.py DEMO_FOLDER [--repeat 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# (table, columns that change from run to run and are left out of the digest)
DIGESTED = {
    "audit.load_log": ("ingested_at", "validated_at", "run_id"),
    "audit.rejected_files": ("rejected_at", "run_id"),
    "audit.quarantine": ("quarantined_at", "run_id"),
    "audit.inbox_files": ("examined_at",),
}


def _cpu_seconds() -> float:
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _digest(con, table: str, leave_out: tuple[str, ...]) -> str:
    columns = [c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()]
    kept = ", ".join(f'"{c}"' for c in columns if c not in leave_out)
    rows = con.execute(f"select {kept} from {table} order by all").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _child(home: Path, database: Path) -> dict:
    import duckdb

    from assets.contract import SUBMISSION_TYPES
    from assets.ingest.load import ingest_inbox
    from assets.models.seeds import load_seed, seed_docs
    from assets.warehouse import ensure_warehouse

    con = duckdb.connect(str(database))
    ensure_warehouse(con)
    for name in seed_docs():
        load_seed(con, home / "reference", name, home / "partners")
    types = {}
    start_wall, start_cpu = time.perf_counter(), _cpu_seconds()
    for kind in SUBMISSION_TYPES.values():
        wall, cpu = time.perf_counter(), _cpu_seconds()
        summary = ingest_inbox(con, home / "inbox", kind, home / "partners", "bench")
        types[kind.name] = {
            "wall": time.perf_counter() - wall,
            "cpu_parent": _cpu_seconds() - cpu,
            "files": len(summary.files_loaded) + len(summary.files_rejected),
            "rows": summary.rows_received,
        }
    wall = time.perf_counter() - start_wall
    before_digests = _cpu_seconds()
    digests = {f"raw.{k}": _digest(con, f"raw.{k}", ("loaded_at",)) for k in SUBMISSION_TYPES}
    digests |= {table: _digest(con, table, leave_out) for table, leave_out in DIGESTED.items()}
    # CPU seconds outside the stage, taken off the process's whole (its workers' come in at its exit)
    outside = start_cpu + _cpu_seconds() - before_digests
    return {"types": types, "wall": wall, "outside_cpu": outside, "digests": digests}


def _measure(home: Path) -> dict:
    """Run the stage in a fresh process; return its figures, CPU seconds counting its workers'."""
    with tempfile.TemporaryDirectory(prefix="joinedup-ingest-") as scratch:
        env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            [sys.executable, __file__, str(home), "--child", str(Path(scratch) / "w.duckdb")],
            env=env,
            capture_output=True,
            text=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise SystemExit(out.stderr[-4000:])
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    # the child's whole CPU (its workers' included, reaped before it exits) less what was outside the stage
    total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    figures["cpu"] = total - figures.pop("outside_cpu")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path, help="a demo folder: inbox/, partners/, reference/")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.home, args.child)))
        return
    for _ in range(args.repeat):
        figures = _measure(args.home)
        for name, t in figures["types"].items():
            print(
                f"{name:<12}{t['files']:>8,} files{t['rows']:>9,} rows{t['wall']:>8.2f} s wall"
                f"{t['cpu_parent']:>8.2f} CPU-s in the pass's own process"
            )
        print(f"ingest: {figures['wall']:.2f} s wall, {figures['cpu']:.2f} CPU-s (workers included)")
        print(json.dumps(figures["digests"], sort_keys=True))


if __name__ == "__main__":
    main()
