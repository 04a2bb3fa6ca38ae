"""Only regular files inside the inbox, left alone for the settle period, are read; the rest are named."""

import os
import signal
import time
from contextlib import contextmanager

import pytest

from assets.contract import SUBMISSION_TYPES
from assets.ingest.catalog import Stamp
from assets.ingest.inbox import SETTLE_SECONDS, read_unchanged
from assets.ingest.load import ingest_inbox
from assets.validate.accounting import accounting_gaps
from pipelines.demo.submissions import generate_demo
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse

NINE_ROWS = OUTCOMES_HEADER + "".join(f"P1,S1,OUT,2024-0{m},,,4,\n" for m in range(1, 10))
GOOD = OUTCOMES_HEADER + "P2,S1,OUT,2024-01,,,4,\n"
OUTCOMES = SUBMISSION_TYPES["outcomes"]


@contextmanager
def never_blocks(seconds: int = 20):
    """Fail, rather than hang the suite, if something opens a named pipe and waits for a writer."""

    def interrupt(*_):
        raise TimeoutError("ingest blocked (a named pipe was opened)")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def skipped(con) -> list[tuple]:
    return rows(con, "select file_name, rule, reason from audit.rejected_files order by file_name")


def make_link_to_passwd(folder):
    os.symlink("/etc/passwd", folder / "P1_20240310.csv")


def make_link_outside(folder):
    outside = folder.parent.parent / "elsewhere"
    outside.mkdir()
    (outside / "figures.csv").write_text(NINE_ROWS)
    os.symlink(outside / "figures.csv", folder / "P1_20240310.csv")


def make_link_inside(folder):
    (folder.parent / "kept").mkdir()
    (folder.parent / "kept" / "figures.csv").write_text(NINE_ROWS)
    os.symlink(folder.parent / "kept" / "figures.csv", folder / "P1_20240310.csv")


def make_fifo(folder):
    os.mkfifo(folder / "P1_20240310.csv")


def make_folder(folder):
    (folder / "P1_20240310.csv").mkdir()
    (folder / "P1_20240310.csv" / "inside.csv").write_text(NINE_ROWS)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (make_link_to_passwd, "a link, not a file: links are not followed"),
        (make_link_outside, "a link, not a file"),
        (make_link_inside, "a link, not a file"),
        (make_fifo, "a named pipe, not a file"),
        (make_folder, "a folder, not a file"),
    ],
)
def test_links_pipes_and_folders_named_like_files_are_skipped_with_the_reason(tmp_path, make, says):
    folder = tmp_path / "inbox" / "outcomes"
    drop(tmp_path / "inbox", "outcomes", "P2_20240311.csv", GOOD)
    make(folder)
    con = seeded_warehouse(tmp_path / "w.duckdb")
    with never_blocks():
        outcome = ingest_and_validate(con, tmp_path)
    assert outcome.rows_loaded == 1  # the other partner's file still loads
    [(name, rule, reason)] = skipped(con)
    assert (name, rule) == ("P1_20240310.csv", "not_a_file") and says in reason
    assert rows(con, "select file_name from raw.outcomes") == [("P2_20240311.csv",)]
    assert rows(con, "select file_name from audit.load_log") == [("P2_20240311.csv",)]
    assert accounting_gaps(con).is_empty()
    # the next run neither reads it nor lists it again
    with never_blocks():
        summary = ingest_inbox(con, tmp_path / "inbox", OUTCOMES, tmp_path / "partners")
    assert (summary.files_skipped, summary.files_loaded, len(skipped(con))) == ([], [], 1)


def test_a_linked_type_folder_is_not_read_and_temporary_and_plain_folders_are_left_alone(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    drop(elsewhere, "outcomes", "P1_20240310.csv", NINE_ROWS)
    (tmp_path / "inbox").mkdir()
    os.symlink(elsewhere / "outcomes", tmp_path / "inbox" / "outcomes")
    drop(tmp_path / "inbox", "targets", ".P1_20240310.csv.part", "partner_code\n")  # being renamed in
    (tmp_path / "inbox" / "targets" / "archive").mkdir()
    con = seeded_warehouse(tmp_path / "w.duckdb")
    for kind in ("targets", "outcomes"):
        ingest_and_validate(con, tmp_path, kind)
    assert rows(con, "select submission_type, file_name, rule from audit.rejected_files") == [
        ("outcomes", "outcomes", "not_a_file")
    ]
    assert rows(con, "select count(*) from raw.outcomes") == [(0,)]
    assert rows(con, "select count(*) from audit.load_log") == [(0,)]


PUBLICATION = """\
name: Monthly output statistics
files: ["stats/*/output_*.csv"]
submitted_on: 2024-03-10
returns:
  outcomes:
    columns: {Org: partner_code, Month: period, Count: value}
    values: {service_code: S1, measure_code: OUT}
    blank: [numerator, denominator, comment]
"""


def test_a_publication_is_read_only_from_regular_files_inside_the_inbox(tmp_path):
    drop(tmp_path / "partners", "sources", "output.yaml", PUBLICATION)
    drop(tmp_path / "inbox" / "stats", "2024", "output_jan.csv", "Org,Month,Count\nP1,2024-01,12\n")
    drop(tmp_path / "elsewhere", "2023", "output_dec.csv", "Org,Month,Count\nP1,2023-12,9\n")
    os.symlink(tmp_path / "elsewhere" / "2023", tmp_path / "inbox" / "stats" / "2023")
    os.symlink("/etc/passwd", tmp_path / "inbox" / "stats" / "2024" / "output_feb.csv")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path).rows_loaded == 1
    assert [(n, r, reason.split(",")[0]) for n, r, reason in skipped(con)] == [
        ("stats/2023/output_dec.csv", "not_a_file", "outside the inbox (reached through a linked folder)"),
        ("stats/2024/output_feb.csv", "not_a_file", "a link"),
    ]


def test_a_file_changed_after_it_was_listed_is_not_read(tmp_path):
    path = tmp_path / "P1_20240310.csv"
    path.write_text(GOOD)
    stamp = Stamp.of(path)
    assert read_unchanged(str(path), stamp) == GOOD.encode()
    with path.open("a") as still_written:
        still_written.write("P2,S1,OUT,2024-02,,,4,\n")
    assert read_unchanged(str(path), stamp) is None
    path.unlink()
    os.symlink("/etc/passwd", path)
    assert read_unchanged(str(path), stamp) is None
    path.unlink()
    os.mkfifo(path)
    with never_blocks():
        assert read_unchanged(str(path), Stamp.of(path)) is None


def test_a_file_still_being_written_waits_for_the_next_run(tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, "outcomes", "P2_20240311.csv", GOOD)
    arriving = inbox / "outcomes" / "P1_20240310.csv"
    arriving.write_text(NINE_ROWS[:60])  # the first rows of a copy still running
    con = seeded_warehouse(tmp_path / "w.duckdb")
    summary = ingest_inbox(con, inbox, OUTCOMES, tmp_path / "partners")
    assert summary.files_loaded == ["P2_20240311.csv"]
    assert summary.files_waiting == ["outcomes/P1_20240310.csv"]
    # not read, and not catalogued as examined: the next run reads it whole
    assert rows(con, "select file_name from audit.inbox_files") == [("P2_20240311.csv",)]
    arriving.write_text(NINE_ROWS)
    done = time.time() - SETTLE_SECONDS - 1
    os.utime(arriving, (done, done))
    summary = ingest_inbox(con, inbox, OUTCOMES, tmp_path / "partners")
    assert (summary.files_loaded, summary.files_waiting) == (["P1_20240310.csv"], [])
    assert summary.rows_received == 9


def test_a_generated_demo_is_read_at_once(tmp_path):
    generate_demo(tmp_path, scale="small", seed=7)
    settled_by = (time.time() - SETTLE_SECONDS) * 10**9
    assert all(p.stat().st_mtime_ns <= settled_by for p in (tmp_path / "inbox").rglob("*") if p.is_file())
