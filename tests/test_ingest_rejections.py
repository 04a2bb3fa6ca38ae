"""Whole files that cannot be read are rejected with a reason to act on; the run goes on; nothing twice."""

import io
import os
from datetime import date, timedelta

import pytest
import xlsxwriter

from assets.contract import SUBMISSION_TYPES
from assets.ingest.load import ingest_inbox
from assets.validate.accounting import accounting_gaps
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse

GOOD = OUTCOMES_HEADER + "P1,S1,OUT,2024-01,,,4,\n"


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Return").write_row(0, 0, list(SUBMISSION_TYPES["outcomes"].columns))
    book.close()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "rule", "says"),
    [
        ("P1_20240310.csv", b"", "empty_file", "the file is empty"),
        ("P1_20240310.csv", bytes(range(256)) * 4, "unreadable_file", "binary data"),
        (
            "P1_20240310.csv",
            (OUTCOMES_HEADER + 'P1,S1,OUT,2024-01,,,4,"cut of').encode(),
            "unreadable_file",
            "cut off",
        ),
        ("P1_20240310.xlsx", xlsx_bytes()[:600], "unreadable_file", "cut off in transfer"),
        ("P1_20240310.csv", xlsx_bytes(), "wrong_file_type", "rename it to .xlsx"),
        ("P1_20240310.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "wrong_file_type", ".xls"),
        ("P1_20240310.pdf", b"%PDF-1.4\n", "wrong_file_type", "this is a .pdf file"),
        ("P1_20240310.xlsx", b"%PDF-1.4\n", "wrong_file_type", "this is a PDF"),
        ("P9_20240310.csv", GOOD.encode(), "unknown_partner", "P9 (from the file name) is not a partner"),
        ("march figures.csv", GOOD.encode(), "file_name", "is not named <PARTNER_CODE>_<YYYYMMDD>"),
        ("P1_20241340.csv", GOOD.encode(), "file_name", "is not a date"),
        ("P1_20240310.csv", b"a,b\n1,2\n", "missing_columns", "no header row found"),
        ("P1_29990101.csv", GOOD.encode(), "submitted_in_future", "sent on 01 January 2999, after today"),
        ("P1_20240310.csv", OUTCOMES_HEADER.encode(), "no_rows", "a header but no rows of figures"),
        ("P1_20240310.xlsx", xlsx_bytes(), "no_rows", "a header but no rows of figures"),
        (
            "P1_20240310.csv",
            b"1," * (5 * 2**20),
            "unreadable_file",
            "line 1 is 10,485,760 characters long; lines may be at most 131,072 characters",
        ),
        (
            "P1_20240310.csv",
            OUTCOMES_HEADER.encode() + b"x" * 200_000 + b"\n",
            "unreadable_file",
            "line 2 is 200,000 characters long",
        ),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason_and_the_others_load(tmp_path, name, content, rule, says):
    drop(tmp_path / "inbox", "outcomes", name, content)
    drop(tmp_path / "inbox", "outcomes", "P2_20240311.csv", GOOD.replace("P1,S1", "P2,S1"))
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path)
    assert outcome.rows_loaded == 1  # the other partner's file still loads
    [(got_rule, reason)] = rows(con, "select rule, reason from audit.rejected_files")
    assert got_rule == rule and says in reason
    assert rows(con, "select status, rows_loaded from audit.load_log where file_name = ?", [name]) == [
        ("rejected", 0)
    ]
    assert accounting_gaps(con).is_empty()


def test_a_file_dated_tomorrow_is_allowed_for_time_zones_and_one_dated_later_is_rejected(tmp_path):
    today = date.today()
    tomorrow, later = (f"P{n}_{today + timedelta(days=n):%Y%m%d}.csv" for n in (1, 2))
    drop(tmp_path / "inbox", "outcomes", tomorrow, GOOD)
    drop(tmp_path / "inbox", "outcomes", later, GOOD.replace("P1,S1", "P2,S1"))
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path).rows_loaded == 1
    assert rows(con, "select file_name, rule from audit.rejected_files") == [(later, "submitted_in_future")]


def test_same_content_under_a_new_name_is_noticed_once_and_not_loaded_twice(tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, "outcomes", "P1_20240310.csv", GOOD)
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    drop(inbox, "outcomes", "P1_20240312_again.csv", GOOD)
    for _ in range(2):
        summary = ingest_inbox(con, inbox, SUBMISSION_TYPES["outcomes"], tmp_path / "partners")
    # the second pass reads neither file: both were examined before and are unchanged
    assert summary.files_loaded == [] and summary.files_unchanged == 2
    assert summary.files_already_loaded == 0
    # touched (same bytes, newer modification time): read again, and known by its hash
    path = inbox / "outcomes" / "P1_20240310.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    summary = ingest_inbox(con, inbox, SUBMISSION_TYPES["outcomes"], tmp_path / "partners")
    assert (summary.files_already_loaded, summary.files_unchanged, summary.files_duplicate) == (1, 1, [])
    assert rows(con, "select file_name, rule, same_as_file_name from audit.rejected_files") == [
        ("P1_20240312_again.csv", "duplicate_file", "P1_20240310.csv")
    ]
    assert rows(con, "select count(*) from raw.outcomes") == [(1,)]


def test_a_resubmission_supersedes_in_staging_and_the_old_figures_stay(tmp_path):
    from assets.models.build import build_model
    from assets.models.project import build_order, load_models
    from assets.project_files import SQL_DIR

    inbox = tmp_path / "inbox"
    drop(
        inbox,
        "outcomes",
        "P1_20240210.csv",
        OUTCOMES_HEADER + "P1,S1,RATE,2024-01,20,40,,\n" + "P1,S1,OUT,2024-01,,,7,\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    drop(
        inbox,
        "outcomes",
        "P1_20240220_resub.csv",
        OUTCOMES_HEADER + "P1,S1,RATE,2024-01,30,40,,\n" + "P1,S1,OUT,2024-01,,,7,\n",
    )
    ingest_and_validate(con, tmp_path)
    staging = [m for m in build_order(load_models(SQL_DIR)) if m.layer == "staging"]
    for model in staging:
        build_model(con, model)
    assert rows(
        con,
        "select measure_code, numerator, value, file_name, is_restated from staging.stg_outcomes order by 1",
    ) == [
        ("OUT", None, 7.0, "P1_20240220_resub.csv", False),
        ("RATE", 30.0, None, "P1_20240220_resub.csv", True),
    ]
    assert rows(
        con,
        "select numerator, file_name, superseded_by, is_current "
        "from staging.stg_outcomes_history where measure_code = 'RATE' "
        "order by loaded_at, submitted_on",
    ) == [
        (20.0, "P1_20240210.csv", "P1_20240220_resub.csv", False),
        (30.0, "P1_20240220_resub.csv", None, True),
    ]


def test_appending_in_batches_loads_and_catalogues_what_one_batch_would(tmp_path, monkeypatch):
    from assets.ingest import load

    inbox = tmp_path / "inbox"
    for day in (10, 11, 12):
        drop(inbox, "outcomes", f"P1_202403{day}.csv", OUTCOMES_HEADER + f"P1,S1,OUT,2024-0{day - 9},,,4,\n")
    drop(inbox, "outcomes", "P1_20240313.pdf", "%PDF-1.4")
    found = {}
    for flush in (load.FLUSH_ROWS, 1):
        monkeypatch.setattr(load, "FLUSH_ROWS", flush)
        con = seeded_warehouse(tmp_path / f"w{flush}.duckdb")
        ingest_inbox(con, inbox, SUBMISSION_TYPES["outcomes"], tmp_path / "partners")
        found[flush] = [
            rows(con, "select file_name, row_number, period from raw.outcomes order by all"),
            rows(con, "select file_name, status from audit.load_log order by all"),
            rows(con, "select file_name, bytes from audit.inbox_files order by all"),
        ]
    assert found[1] == found[load.FLUSH_ROWS]
    assert len(found[1][0]) == 3 and len(found[1][2]) == 4
