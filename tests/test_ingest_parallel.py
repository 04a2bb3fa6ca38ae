"""Files examined by worker processes load exactly as files read one by one in the pass's own process."""

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest
import xlsxwriter

from assets.contract import SUBMISSION_TYPES
from assets.ingest import examine
from assets.ingest.load import ingest_inbox
from tests.ingest_fixtures import HEADERS, drop, rows, seeded_warehouse

AUDIT = {
    "raw": "select * exclude (loaded_at) from raw.outcomes order by file_name, row_number",
    "load_log": "select * exclude (ingested_at, validated_at) from audit.load_log order by file_name",
    "rejected": "select * exclude (rejected_at) from audit.rejected_files order by file_name",
    "quarantine": "select * exclude (quarantined_at) from audit.quarantine order by file_name, row_number",
}


def _inbox(home) -> None:
    """Eleven good files, one from an unknown partner, one damaged, one a copy, and a workbook."""
    for day in range(1, 12):
        drop(
            home / "inbox",
            "outcomes",
            f"P{day % 2 + 1}_202403{day:02}.csv",
            HEADERS["outcomes"] + f"S1,M{day},2024-02,{day},{day * 10},\nS2,M{day},2024-02,{day},,\n",
        )
    drop(home / "inbox", "outcomes", "ZZ_20240312.csv", HEADERS["outcomes"] + "S1,M1,2024-02,1,2,\n")
    drop(home / "inbox", "outcomes", "P1_20240320.xlsx", b"PK\x03\x04 cut off in transfer")
    drop(
        home / "inbox",
        "outcomes",
        "P2_20240321.csv",
        (home / "inbox" / "outcomes" / "P1_20240302.csv").read_bytes(),
    )
    path = home / "inbox" / "outcomes" / "P2_20240322.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Outcomes")
    for r, line in enumerate([HEADERS["outcomes"].strip(), "S3,M9,2024-02,4,5,late"]):
        sheet.write_row(r, 0, line.split(","))
    book.close()
    drop(home / "inbox", "outcomes", path.name, path.read_bytes())


def _ingested(home, name: str) -> dict[str, list[tuple]]:
    con = seeded_warehouse(home / f"{name}.duckdb")
    summary = ingest_inbox(con, home / "inbox", SUBMISSION_TYPES["outcomes"], home / "partners", "run-1")
    found = {table: rows(con, sql) for table, sql in AUDIT.items()}
    con.close()
    return found | {
        "summary": [
            (
                sorted(summary.files_loaded),
                sorted(summary.files_rejected),
                summary.files_duplicate,
                summary.rows_received,
            )
        ]
    }


def test_worker_processes_load_what_one_process_loads(tmp_path, monkeypatch):
    _inbox(tmp_path)
    one_by_one = _ingested(tmp_path, "serial")
    monkeypatch.setattr(examine, "PARALLEL_FROM_WORKBOOKS", 1)
    monkeypatch.setattr(examine, "CHUNK_FILES", 2)
    monkeypatch.setattr(examine, "CHUNKS_AHEAD", 1)
    in_workers = _ingested(tmp_path, "parallel")
    assert examine._pool.cache_info().currsize == 1  # the workers did examine the files
    assert in_workers == one_by_one
    loaded, rejected, duplicate, received = one_by_one["summary"][0]
    assert (len(loaded), len(rejected), duplicate, received) == (12, 2, ["P2_20240321.csv"], 23)
    assert {r[4] for r in one_by_one["rejected"]} == {"unknown_partner", "unreadable_file", "duplicate_file"}


def test_a_worker_that_dies_fails_the_pass_and_the_retry_starts_new_workers(tmp_path, monkeypatch):
    _inbox(tmp_path)
    monkeypatch.setattr(examine, "PARALLEL_FROM_WORKBOOKS", 1)
    monkeypatch.setattr(examine, "CHUNK_FILES", 2)
    worker = examine._pool().submit(os.getpid).result()
    os.kill(worker, signal.SIGKILL)  # as the kernel does to a process out of memory
    con = seeded_warehouse(tmp_path / "warehouse.duckdb")
    with pytest.raises(BrokenProcessPool):
        ingest_inbox(con, tmp_path / "inbox", SUBMISSION_TYPES["outcomes"], tmp_path / "partners", "run-1")
    assert rows(con, "select count(*) from raw.outcomes") == [(0,)]  # nothing half-loaded
    summary = ingest_inbox(
        con, tmp_path / "inbox", SUBMISSION_TYPES["outcomes"], tmp_path / "partners", "run-2"
    )
    assert summary.rows_received == 23


def test_the_workers_get_the_pass_setup_once_in_a_file_and_each_chunk_only_its_files(tmp_path, monkeypatch):
    # at x10 scale the setup (3,000 services) cost 18 ms a chunk to send; a chunk now names the file
    _inbox(tmp_path)
    monkeypatch.setattr(examine, "PARALLEL_FROM_WORKBOOKS", 1)
    monkeypatch.setattr(examine, "CHUNK_FILES", 1)
    sent: list[tuple] = []
    pool = examine._pool()

    class Recording:
        def submit(self, task, *arguments):
            sent.append(arguments)
            return pool.submit(task, *arguments)

    monkeypatch.setattr(examine, "_pool", lambda: Recording())
    _ingested(tmp_path, "parallel")
    job_files = {job_file for job_file, _ in sent}
    assert len(sent) == 15 and len(job_files) == 1  # a chunk per file, one setup for the pass
    (job_file,) = job_files
    assert isinstance(job_file, str) and not os.path.exists(job_file)  # removed with the pass
    assert sum(len(files) for _, files in sent) == 2  # the workbooks; the pass read the other files
