"""Ingest and validation on hand-made partner files: every row ends loaded or quarantined."""

from datetime import date

import duckdb
import polars as pl
import pytest
import xlsxwriter

from assets.contract import SUBMISSION_TYPES
from assets.ingest.files import RejectedFile, decode, parse_file_name
from assets.ingest.load import ingest_inbox
from assets.project_files import PROJECT_EXPECTATIONS_DIR, SQL_DIR
from assets.validate.accounting import accounting_gaps
from assets.validate.months import rules_fingerprint, stale_months
from assets.validate.submissions import validate_rows
from assets.warehouse import ensure_warehouse
from tests.conftest import settle
from tests.sql_fixtures import SEEDS, load_seed, load_seed_docs

HEADER = "partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_warehouse(connection)
    docs = load_seed_docs(SQL_DIR / "seeds")
    for name, rows in SEEDS.items():
        load_seed(
            connection, name, pl.DataFrame(rows, schema=list(docs[name].columns), orient="row"), docs[name]
        )
    yield connection
    connection.close()


def drop(inbox, kind, name, content: bytes):
    folder = inbox / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    settle(folder / name)


def run(con, inbox, kind="outcomes"):
    ingest_inbox(con, inbox, SUBMISSION_TYPES[kind], inbox.parent / "partners", "run-1")
    return validate_rows(con, SUBMISSION_TYPES[kind], "run-1", expectations_dir=PROJECT_EXPECTATIONS_DIR)


def quarantine(con):
    return con.execute(
        "select file_name, row_number, column_name, rule, value "
        "from audit.quarantine order by file_name, row_number, rule"
    ).fetchall()


def test_file_name_gives_partner_and_submission_date():
    assert parse_file_name("p1_20240215_jan.csv") == ("P1", date(2024, 2, 15), "csv")
    with pytest.raises(RejectedFile) as rejected:
        parse_file_name("outcomes for january.csv")
    assert rejected.value.rule == "file_name"


def test_cp1252_is_detected_and_read_faithfully():
    text = "comment\nCost £12 – “agreed”\n"
    assert decode(text.encode("cp1252")) == (text, "cp1252")
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf_8_sig")


def test_good_rows_load_and_bad_rows_are_quarantined_with_reasons(con, tmp_path):
    inbox = tmp_path / "inbox"
    body = (
        HEADER
        + "P1,S1,RATE,2024-01,30,40,,£12 – “fine”\n"  # line 2: loads
        + "P1,S1,RATE,2024-01,30,40,,£12 – “fine”\n"  # line 3: duplicate of line 2
        + "P1,S1,NOPE,2024-01,,,5,\n"  # line 4: unknown measure
        + "P1,S1,OUT,2024-01,,,-3,\n"  # line 5: negative count
        + "P1,S1,LOW,2024-01,60,50,,\n"  # line 6: numerator > denominator
        + "P1,S1,LOW,January,5,50,,\n"  # line 7: bad period
        + 'P1,S1,OUT,2024-02,,,"1,200",\n'  # line 8: thousands separator, loads
        + "P1,S1,OUT,2024-03,,,lots,\n"  # line 9: not a number
        + "P2,S1,OUT,2024-01,,,4,\n"  # line 10: someone else's row
        + "P1,S2,OUT,2024-01,,,4,\n"  # line 11: P1 is not in S2
        + "P1,S1,RATE,2024-02,,40,,\n"
    )  # line 12: rate without numerator
    drop(inbox, "outcomes", "P1_20240310.csv", body.encode("cp1252"))
    outcome = run(con, inbox)
    assert (outcome.rows_received, outcome.rows_loaded, outcome.rows_quarantined) == (11, 2, 9)
    assert quarantine(con) == [
        (
            "P1_20240310.csv",
            3,
            "partner_code, service_code, measure_code, period",
            "duplicate_key",
            "P1 | S1 | RATE | 2024-01-01",
        ),
        ("P1_20240310.csv", 4, "measure_code", "known_measure", "NOPE"),
        ("P1_20240310.csv", 4, "service_code, measure_code", "measure_in_service", "S1|NOPE"),
        ("P1_20240310.csv", 5, "value", "non_negative", "-3.0"),
        (
            "P1_20240310.csv",
            6,
            "denominator, numerator",
            "numerator_le_denominator",
            "denominator=50.0, numerator=60.0",
        ),
        ("P1_20240310.csv", 7, "period", "bad_period", "January"),
        ("P1_20240310.csv", 9, "value", "not_a_number", "lots"),
        (
            "P1_20240310.csv",
            10,
            "partner_code, file_partner_code",
            "partner_matches_file",
            "partner_code=P2, file_partner_code=P1",
        ),
        ("P1_20240310.csv", 11, "partner_code, service_code", "partner_in_service", "P1|S2"),
        ("P1_20240310.csv", 12, "numerator", "required", None),
    ]
    loaded = con.execute("select row_number, value, comment from validated.outcomes order by 1").fetchall()
    assert loaded == [(2, None, "£12 – “fine”"), (8, 1200.0, None)]
    log = con.execute(
        "select encoding, rows_received, rows_loaded, rows_quarantined, status from audit.load_log"
    ).fetchone()
    assert log == ("cp1252", 11, 2, 9, "validated")
    assert accounting_gaps(con).is_empty()


def test_rerun_on_the_same_files_adds_nothing(con, tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, "outcomes", "P1_20240310.csv", (HEADER + "P1,S1,OUT,2024-01,,,4,\n").encode())
    run(con, inbox)
    again = run(con, inbox)
    assert again.rows_received == 0
    assert con.execute("select count(*) from validated.outcomes").fetchone() == (1,)
    assert con.execute("select count(*) from audit.load_log").fetchone() == (1,)


def test_unreadable_files_are_rejected_whole(con, tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, "outcomes", "notes.csv", HEADER.encode())
    drop(inbox, "outcomes", "P1_20240310.csv", b"partner_code,service_code,period\nP1,S1,2024-01\n")
    drop(inbox, "outcomes", "P1_20240311.xlsx", b"this is not a workbook")
    run(con, inbox)
    assert quarantine(con) == []
    assert con.execute("select file_name, rule from audit.rejected_files order by 1").fetchall() == [
        ("P1_20240310.csv", "missing_columns"),
        ("P1_20240311.xlsx", "wrong_file_type"),
        ("notes.csv", "file_name"),
    ]
    statuses = con.execute(
        "select file_name, status, rows_received, rows_quarantined from audit.load_log order by file_name"
    ).fetchall()
    assert statuses == [
        ("P1_20240310.csv", "rejected", 1, 1),
        ("P1_20240311.xlsx", "rejected", None, None),
        ("notes.csv", "rejected", None, None),
    ]
    assert accounting_gaps(con).is_empty()


def test_xlsx_submission_loads_with_excel_row_numbers(con, tmp_path):
    folder = tmp_path / "inbox" / "finance"
    folder.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(folder / "P3_20240305.xlsx"))
    sheet = book.add_worksheet("finance")
    for r, values in enumerate(
        [
            ("partner_code", "service_code", "period", "pay_cost", "non_pay_cost"),
            ("P3", "S2", "2024-01", 8000, 2000),
            ("P3", "S2", "2024-02", "7,500", -1),
        ]
    ):
        sheet.write_row(r, 0, values)
    book.close()
    settle(folder / "P3_20240305.xlsx")
    outcome = run(con, tmp_path / "inbox", "finance")
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 1)
    assert quarantine(con) == [("P3_20240305.xlsx", 3, "non_pay_cost", "non_negative", "-1.0")]
    assert con.execute("select pay_cost from validated.finance").fetchone() == (8000.0,)


def test_future_periods_are_quarantined_but_targets_may_be_set_ahead(con, tmp_path):
    inbox = tmp_path / "inbox"
    drop(
        inbox,
        "outcomes",
        "P1_20240210.csv",
        (HEADER + "P1,S1,OUT,2024-02,,,4,\n" + "P1,S1,OUT,2024-03,,,4,\n").encode(),
    )
    outcome = run(con, inbox)
    assert [(r, rule) for _, r, _, rule, _ in quarantine(con)] == [(3, "period_in_future")]
    assert outcome.rows_loaded == 1
    drop(
        inbox,
        "targets",
        "P1_20240110.csv",
        (
            b"partner_code,service_code,measure_code,period,target_value,tolerance\n"
            b"P1,S1,RATE,2024-02,85,\n"
            b"P1,S1,RATE,2025-03,85,5\n"
        ),
    )
    targets = run(con, inbox, "targets")
    assert targets.rows_loaded == 2
    warnings = con.execute("select row_number, rule from audit.warnings").fetchall()
    assert warnings == [(2, "tolerance_given")]


def test_validating_a_month_again_applies_todays_reference_data_to_that_month_only(con, tmp_path):
    inbox = tmp_path / "inbox"
    drop(
        inbox,
        "outcomes",
        "P1_20240310.csv",
        (HEADER + "P1,S1,OUT,2024-01,,,4,\n" + "P1,S1,OUT,2024-02,,,5,\n").encode(),
    )
    kind = SUBMISSION_TYPES["outcomes"]
    run(con, inbox)
    january = (date(2024, 1, 1), date(2024, 2, 1))

    def state():
        return (
            con.execute("select strftime(period, '%Y-%m') from validated.outcomes order by 1").fetchall(),
            quarantine(con),
            stale_months(con, kind, rules_fingerprint(con, kind, PROJECT_EXPECTATIONS_DIR)),
            con.execute("select rows_loaded, rows_quarantined from audit.load_log").fetchone(),
        )

    assert state() == ([("2024-01",), ("2024-02",)], [], [], (2, 0))
    # P1 is taken off S1: January, validated again, is held back; February stands as it was, under
    # the older reference data, and says so
    con.execute(
        "create temp table taken as select * from seeds.service_partners "
        "where partner_code = 'P1' and service_code = 'S1'"
    )
    con.execute("delete from seeds.service_partners where partner_code = 'P1' and service_code = 'S1'")
    validate_rows(con, kind, "run-2", january, expectations_dir=PROJECT_EXPECTATIONS_DIR)
    assert state() == (
        [("2024-02",)],
        [("P1_20240310.csv", 2, "partner_code, service_code", "partner_in_service", "P1|S1")],
        [date(2024, 2, 1)],
        (1, 1),
    )
    # put back, January is loaded again when it is validated again, and nothing is left behind
    con.execute("insert into seeds.service_partners select * from taken")
    assert stale_months(con, kind, rules_fingerprint(con, kind, PROJECT_EXPECTATIONS_DIR)) == [
        date(2024, 1, 1)
    ]
    validate_rows(con, kind, "run-3", january, expectations_dir=PROJECT_EXPECTATIONS_DIR)
    assert state() == ([("2024-01",), ("2024-02",)], [], [], (2, 0))
    assert accounting_gaps(con).is_empty()
