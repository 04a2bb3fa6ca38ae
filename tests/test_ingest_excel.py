"""Excel returns: templates with title rows and merged headers, several sheets, text numbers, date serials."""

from datetime import datetime

import xlsxwriter

from assets.contract import SUBMISSION_TYPES
from assets.ingest.load import ingest_inbox
from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.validate.submissions import validate_rows
from tests.conftest import settle
from tests.ingest_fixtures import drop, ingest_and_validate, rows, seeded_warehouse


def workbook(path, build) -> None:
    """Write an XLSX with `build(book)` filling it, as sent before the run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    build(book)
    book.close()
    settle(path)


def test_template_with_title_rows_and_merged_headers(tmp_path):
    def build(book):
        sheet = book.add_worksheet("Return")
        sheet.write(0, 0, "Northshire Learning Trust: finance return")
        sheet.write(1, 0, "Please do not change the layout")
        sheet.merge_range(3, 0, 4, 0, "Partner code")  # merged down over two header rows
        sheet.merge_range(3, 1, 3, 2, "Who and when")  # a group over two columns
        sheet.write_row(4, 1, ["Service code", "Period"])
        sheet.merge_range(3, 3, 3, 4, "Costs")
        sheet.write_row(4, 3, ["Pay", "Non pay"])  # "Costs Pay" is the partner's header
        dated = book.add_format({"num_format": "mmm-yy"})
        sheet.write_row(5, 0, ["P3", "S2"])
        sheet.write_datetime(5, 2, datetime(2024, 1, 1), dated)
        sheet.write_row(5, 3, ["8,000.50", 2000])  # a number stored as text
        sheet.write_row(6, 0, ["P3", "S2", 45323, 7000, -1])  # period as a bare date serial

    workbook(tmp_path / "inbox" / "finance" / "P3_20240305.xlsx", build)
    drop(
        tmp_path,
        "partners",
        "P3.yaml",
        "partner_code: P3\nreturns:\n  finance:\n    columns:\n"
        "      Costs Pay: pay_cost\n      Costs Non pay: non_pay_cost\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path, "finance")
    assert (outcome.rows_received, outcome.rows_loaded) == (2, 1)
    assert rows(con, "select sheet_name, row_number, period, pay_cost from validated.finance") == [
        ("Return", 6, datetime(2024, 1, 1).date(), 8000.5)
    ]
    assert rows(
        con, "select file_name, sheet_name, row_number, column_name, rule, value from audit.quarantine"
    ) == [("P3_20240305.xlsx", "Return", 7, "non_pay_cost", "non_negative", "-1.0")]
    assert rows(con, "select period from raw.finance order by row_number") == [("2024-01-01",), ("45323",)]
    assert rows(con, "select sheets, mapping from audit.load_log") == [("Return", "P3.yaml")]


def test_one_sheet_per_month_takes_the_period_from_the_sheet_name(tmp_path):
    def build(book):
        book.add_worksheet("Notes").write(0, 0, "How to fill in this return")
        for month in ("Jan 2024", "Feb 2024"):
            sheet = book.add_worksheet(month)
            sheet.write_row(0, 0, ["partner_code", "service_code", "pay_cost", "non_pay_cost"])
            sheet.write_row(1, 0, ["P3", "S2", 100, 10])

    workbook(tmp_path / "inbox" / "finance" / "P3_20240305.xlsx", build)
    drop(
        tmp_path,
        "partners",
        "P3.yaml",
        "partner_code: P3\nreturns:\n  finance:\n    period_from_sheet_name: true\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path, "finance").rows_loaded == 2
    assert rows(con, "select sheet_name, row_number, period from validated.finance order by period") == [
        ("Jan 2024", 2, datetime(2024, 1, 1).date()),
        ("Feb 2024", 2, datetime(2024, 2, 1).date()),
    ]
    assert rows(con, "select sheets, message from audit.load_log") == [
        ("Jan 2024, Feb 2024", "sheet(s) not read: Notes")
    ]


def test_a_data_sheet_missing_a_column_rejects_the_file_naming_the_sheet(tmp_path):
    def build(book):
        good = book.add_worksheet("Jan 2024")
        good.write_row(0, 0, ["partner_code", "service_code", "period", "pay_cost", "non_pay_cost"])
        good.write_row(1, 0, ["P3", "S2", "2024-01", 100, 10])
        bad = book.add_worksheet("Feb 2024")
        bad.write_row(0, 0, ["partner_code", "service_code", "period", "pay_cost"])
        bad.write_row(1, 0, ["P3", "S2", "2024-02", 100])

    workbook(tmp_path / "inbox" / "finance" / "P3_20240305.xlsx", build)
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path, "finance")
    assert rows(con, "select rule, reason from audit.rejected_files") == [
        ("missing_columns", "sheet 'Feb 2024': missing column(s) non_pay_cost in the header on row 1")
    ]
    assert rows(con, "select status, rows_received, rows_quarantined from audit.load_log") == [
        ("rejected", 1, 1)
    ]


def test_a_workbook_of_several_returns_feeds_each_type_its_sheet(tmp_path):
    def build(book):
        outcomes = book.add_worksheet("Outcomes")
        outcomes.write_row(0, 0, list(SUBMISSION_TYPES["outcomes"].columns))
        outcomes.write_row(1, 0, ["P3", "S2", "OUT", "2024-01", None, None, 12, "ok"])
        finance = book.add_worksheet("Finance")
        finance.write_row(0, 0, list(SUBMISSION_TYPES["finance"].columns))
        finance.write_row(1, 0, ["P3", "S2", "2024-01", 100, 10])
        finance.write_row(2, 0, ["P3", "S2", "2024-02", 100, 10])

    workbook(tmp_path / "inbox" / "returns" / "P3_20240305_return.xlsx", build)
    workbook(
        tmp_path / "inbox" / "returns" / "P3_20240306_blank.xlsx",
        lambda book: book.add_worksheet("Cover").write(0, 0, "nothing here"),
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    for kind in SUBMISSION_TYPES.values():
        ingest_inbox(con, tmp_path / "inbox", kind, tmp_path / "partners", "run-1")
        validate_rows(con, kind, "run-1", expectations_dir=PROJECT_EXPECTATIONS_DIR)
    assert rows(
        con,
        "select submission_type, file_name, sheets, status, rows_loaded from audit.load_log order by 1, 2",
    ) == [
        ("finance", "P3_20240305_return.xlsx", "Finance", "validated", 2),
        ("outcomes", "P3_20240305_return.xlsx", "Outcomes", "validated", 1),
        ("targets", "P3_20240306_blank.xlsx", None, "rejected", 0),
    ]
    assert rows(con, "select rule from audit.rejected_files") == [("missing_columns",)]
    for kind in SUBMISSION_TYPES.values():  # a second pass reads nothing new
        assert ingest_inbox(con, tmp_path / "inbox", kind, tmp_path / "partners").files_loaded == []


def test_a_return_with_a_header_but_no_rows_gets_a_final_status(tmp_path):
    def build(book, outcome: list | None):
        book.add_worksheet("Targets").write_row(0, 0, list(SUBMISSION_TYPES["targets"].columns))
        outcomes = book.add_worksheet("Outcomes")
        outcomes.write_row(0, 0, list(SUBMISSION_TYPES["outcomes"].columns))
        if outcome:
            outcomes.write_row(1, 0, outcome)

    returns = tmp_path / "inbox" / "returns"
    workbook(
        returns / "P3_20240305_return.xlsx",
        lambda book: build(book, ["P3", "S2", "OUT", "2024-01", None, None, 12, "ok"]),
    )
    workbook(returns / "P3_20240306_headers.xlsx", lambda book: build(book, None))
    con = seeded_warehouse(tmp_path / "w.duckdb")
    for kind in SUBMISSION_TYPES.values():
        ingest_inbox(con, tmp_path / "inbox", kind, tmp_path / "partners", "run-1")
        validate_rows(con, kind, "run-1", expectations_dir=PROJECT_EXPECTATIONS_DIR)
    # the empty targets sheet beside outcomes is no file of targets; headers alone are rejected whole
    assert rows(
        con,
        "select submission_type, file_name, status, rows_received, rows_loaded "
        "from audit.load_log order by 1, 2",
    ) == [
        ("outcomes", "P3_20240305_return.xlsx", "validated", 1, 1),
        ("targets", "P3_20240306_headers.xlsx", "rejected", 0, 0),
    ]
    assert rows(con, "select rule, reason from audit.rejected_files") == [
        (
            "no_rows",
            "there is a header but no rows of figures under it; please send the file again with your figures",
        )
    ]


def test_a_csv_file_under_a_mapping_naming_sheets_is_rejected_for_its_missing_sheet(tmp_path):
    drop(tmp_path, "partners", "P3.yaml", "partner_code: P3\nreturns:\n  finance:\n    sheets: [Return]\n")
    drop(
        tmp_path / "inbox",
        "finance",
        "P3_20240305.csv",
        "partner_code,service_code,period,pay_cost,non_pay_cost\nP3,S2,2024-01,100,10\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path, "finance")  # a CSV has no sheet names: once a TypeError here
    assert rows(con, "select rule, reason from audit.rejected_files") == [
        ("missing_sheet", "the file has no sheet named Return (a CSV file has no sheets)")
    ]
