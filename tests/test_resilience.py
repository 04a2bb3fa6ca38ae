"""A run never hurts analysts or yesterday's outputs: readers keep reading, a killed run changes nothing."""

import hashlib
import os
import signal
import subprocess
import sys
import time

import duckdb

from pipelines.demo.submissions import generate_demo
from pipelines.run import run_nightly
from pipelines.settings import PROJECT_ROOT
from tests.conftest import settings_for

LATE_FILE = ("partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"
             "NOR-ACUTE,NOR-HD,HD_DISCHARGES,2026-03,,,1,late correction\n")


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_readers_and_a_killed_run_leave_the_published_outputs_intact(tmp_path):
    generate_demo(tmp_path, scale="small", seed=3)
    settings = settings_for(tmp_path)
    assert run_nightly(settings).success
    published, index = digest(settings.warehouse), (settings.site_dir / "index.html").read_bytes()
    reader = duckdb.connect(str(settings.warehouse), read_only=True)
    (rows_before,) = reader.execute("select count(*) from raw.outcomes").fetchone()
    (tmp_path / "inbox" / "outcomes" / "NOR-ACUTE_20260420_late.csv").write_text(LATE_FILE)

    # a second run is killed (kill -9) once it has started writing the working database
    build_mtime = settings.build_database.stat().st_mtime_ns
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from pipelines.run import "
         "run_nightly; from tests.conftest import settings_for; run_nightly(settings_for(Path(sys.argv[1])))",
         str(tmp_path)], cwd=PROJECT_ROOT, env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT)})
    deadline = time.monotonic() + 60
    while settings.build_database.stat().st_mtime_ns == build_mtime and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert digest(settings.warehouse) == published
    assert (settings.site_dir / "index.html").read_bytes() == index
    assert reader.execute("select count(*) from raw.outcomes").fetchone() == (rows_before,)

    # the next run completes and publishes; the open reader still sees its version, a new one the new
    assert run_nightly(settings).success
    assert digest(settings.warehouse) != published
    assert reader.execute("select count(*) from raw.outcomes").fetchone() == (rows_before,)
    reader.close()
    with duckdb.connect(str(settings.warehouse), read_only=True) as fresh:
        assert fresh.execute("select count(*) from raw.outcomes").fetchone() == (rows_before + 1,)


def test_a_working_database_locked_by_another_process_is_waited_for(tmp_path):
    generate_demo(tmp_path, scale="small", seed=4)
    settings = settings_for(tmp_path)
    settings.build_database.parent.mkdir(parents=True)
    # another process holds the working database for 7 seconds (DuckDB allows one writer per file)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               "con = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
                               "time.sleep(7)", str(settings.build_database)], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "locked"
    report = run_nightly(settings)
    holder.wait()
    assert report.success
    assert settings.warehouse.exists()
