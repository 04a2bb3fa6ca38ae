"""End-to-end benchmark: the medium demo through the nightly job, against a plain DuckDB load.

Prints, per stage, wall time and rows per second, the peak memory of each measured process, and the
ratio of the full run to a plain baseline measured in the same invocation: polars scanning every CSV
of the same inbox in the contract's own layout in one go (text columns, lossy UTF-8) into DuckDB
tables, with no encoding detection, validation, modelling or publishing.
Each measurement runs in its own subprocess so that peak memory (ru_maxrss) is its own.

    python bench/end_to_end.py [--scale medium] [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stages import stage_seconds


def _child_pipeline(home: Path) -> dict:
    from pipelines.run import run_nightly
    from tests.conftest import settings_for

    start = time.perf_counter()
    report = run_nightly(settings_for(home))
    seconds = time.perf_counter() - start
    stages = stage_seconds(report.step_seconds)
    return {"seconds": seconds, "success": report.success, "stages": stages,
            "rows": int(report.files["rows_received"].sum())}


def _child_baseline(home: Path) -> dict:
    import duckdb
    import polars as pl

    # the CSVs in the contract's own layout (partners' own layouts and the planted rejects left out)
    manifest = json.loads((home / "demo_truth.json").read_text())
    plain = [path for path, info in manifest["files"].items() if info["layout"] == "csv"]
    start = time.perf_counter()
    con = duckdb.connect()  # in memory: the baseline only loads
    rows = 0
    for folder in sorted((home / "inbox").iterdir()):
        files = [home / "inbox" / p for p in sorted(plain) if p.startswith(f"{folder.name}/")]
        if not files:
            continue
        frame = pl.scan_csv(files, infer_schema=False, encoding="utf8-lossy",
                            include_file_paths="file_name").collect()
        con.register("frame", frame.to_arrow())
        con.execute(f"create table {folder.name} as select * from frame")
        con.unregister("frame")
        rows += con.execute(f"select count(*) from {folder.name}").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def _measure(kind: str, home: Path) -> dict:
    """Run one measurement in a fresh interpreter and return its figures plus peak memory."""
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("DAGSTER_HOME", None)
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--home", str(home)],
                         env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{kind} measurement failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="folder to keep the run in (default: a temp dir)")
    parser.add_argument("--child", choices=["pipeline", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = (_child_pipeline if args.child == "pipeline" else _child_baseline)(args.home)
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return

    from pipelines.demo.submissions import generate_demo

    home = args.keep or Path(tempfile.mkdtemp(prefix="joinedup-bench-"))
    start = time.perf_counter()
    truth = generate_demo(home, scale=args.scale, seed=args.seed)
    generated = time.perf_counter() - start
    files = sum(truth["totals"]["files"].values())
    rows = sum(truth["totals"]["rows"].values())
    print(f"demo data ({args.scale}, seed {args.seed}): {files} files, {rows} rows "
          f"in {generated:.2f} s -> {home}")

    baseline = _measure("baseline", home)
    pipeline = _measure("pipeline", home)
    print(f"\n{'stage':<10}{'seconds':>10}{'rows/s':>12}")
    for stage in ("ingest", "validate", "models", "publish"):
        spent = pipeline["stages"].get(stage, 0.0)
        print(f"{stage:<10}{spent:>10.2f}{pipeline['rows'] / spent if spent else 0:>12,.0f}")
    print(f"{'full run':<10}{pipeline['seconds']:>10.2f}{pipeline['rows'] / pipeline['seconds']:>12,.0f}"
          f"   peak memory {pipeline['peak_rss_mb']:,.0f} MB   success={pipeline['success']}")
    print(f"{'baseline':<10}{baseline['seconds']:>10.2f}{baseline['rows'] / baseline['seconds']:>12,.0f}"
          f"   peak memory {baseline['peak_rss_mb']:,.0f} MB")
    print(f"  (baseline: plain polars scan of the contract-layout CSVs into DuckDB, {baseline['rows']} "
          "rows; XLSX files and partners' own CSV layouts not included)")
    print(f"ratio full run / baseline: {pipeline['seconds'] / baseline['seconds']:.1f}x;"
          f" validation is {100 * pipeline['stages'].get('validate', 0) / pipeline['seconds']:.0f} %"
          " of the full run")


if __name__ == "__main__":
    main()
