"""The mapping language for official publications: period codes, conditions, targets for every service,
per-file submission days, and the run's warning when a type's files load nothing (issue 18, points 1-4)."""

from datetime import date, datetime

import polars as pl
import pytest

from assets.contract import SUBMISSION_TYPES
from assets.ingest.conditions import parse_condition
from assets.ingest.date_patterns import PatternError, compile_pattern
from assets.ingest.mapping import MappingError, parse_return_mapping
from assets.ingest.sheets import Sheet
from assets.ingest.spread import Service, covered, month_range
from assets.ingest.submitted import parse_submitted, submitted_day
from assets.validate.accounting import accounting_gaps
from assets.validate.periods import parse_period
from pipelines.run_summary import nothing_loaded
from tests.ingest_fixtures import drop, ingest_and_validate, rows, seeded_warehouse


@pytest.mark.parametrize(
    ("pattern", "written", "period"),
    [
        ("MSitAE-{MONTH}-{YEAR}", "MSitAE-APRIL-2024", "2024-04"),
        ("MSitAE-{MONTH}-{YEAR}", " msitae-Sept-2024 ", "2024-09"),
        ("{MON}-{YY}", "Mar-25", "2025-03"),
        ("P{YYYY}{MM}", "P202411", "2024-11"),
        ("{FY} Q{Q}", "2024-25 Q1", "Q1 2024/25"),
        ("{FY} Q{Q}", "2024/2025 Q4", "Q4 2024/25"),
        ("MSitAE-{MONTH}-{YEAR}", "MSitAE-APRIL-2024 revised", None),  # a cell must match whole
        ("MSitAE-{MONTH}-{YEAR}", "MSitAE-SMARCH-2024", None),  # not a month's name
        ("P{YYYY}{MM}", "P202413", None),
        ("{FY} Q{Q}", "2024-26 Q1", None),  # not one year to the next
    ],
)
def test_a_period_pattern_reads_a_code_as_the_contract_writes_the_period(pattern, written, period):
    assert compile_pattern(pattern).period(written) == period


def test_a_pattern_read_quarter_is_the_financial_quarter_and_a_file_name_need_only_contain_it():
    quarter = compile_pattern("{FY} Q{Q}").period("2024-25 Q1")
    assert parse_period(quarter)[:2] == (date(2024, 4, 1), "quarter")
    named = compile_pattern("AE-{MONTH}-{YYYY}")
    assert named.period("data/AE-April-2024-revised.csv", whole=False) == "2024-04"
    assert compile_pattern("published_{YYYY}-{MM}-{DD}", days=True).day(
        "x_published_2024-05-09.csv", whole=False
    ) == date(2024, 5, 9)


@pytest.mark.parametrize(
    ("pattern", "days"),
    [
        ("MSitAE-{MONTH}", False),
        ("{MONTH}-{YEAR}-{DD}", False),
        ("{MM}/{YYYY}", True),
        ("{MONTH}{MM}-{YEAR}", False),
        ("{WEEK}-{YEAR}", False),
    ],
)
def test_a_pattern_that_cannot_say_a_period_or_day_is_refused(pattern, days):
    with pytest.raises(PatternError):
        compile_pattern(pattern, days)


@pytest.mark.parametrize(
    ("condition", "admitted", "refused"),
    [
        ("> 0", ["1", "0.5", "1,204"], ["0", "-3", "", "n/a", "x"]),
        (">= 5", ["5", "5.0", "12"], ["4.99", ""]),
        ("< 10", ["9", "-1"], ["10", "ten"]),
        ("= 1", ["1", "1.0", " 1 "], ["2", "one", ""]),
        ("A&E attendances Type 1", ["a&e attendances type 1"], ["A&E attendances Type 2"]),
        ("!= Total", ["Derby", ""], ["TOTAL", " total "]),
        ("in [1, 2]", ["1", "2.0"], ["3", ""]),
        ("not in [TOTAL, England]", ["Derby"], ["total", "ENGLAND"]),
        ("not blank", ["0", "-"], ["", "  "]),
        ("blank", ["", " "], ["0"]),
    ],
)
def test_a_condition_admits_the_cells_it_says(condition, admitted, refused):
    parsed = parse_condition(condition, "test")
    figure = {
        "1": 1.0,
        "0.5": 0.5,
        "1,204": 1204.0,
        "0": 0.0,
        "-3": -3.0,
        "5": 5.0,
        "5.0": 5.0,
        "12": 12.0,
        "4.99": 4.99,
        "9": 9.0,
        "-1": -1.0,
        "10": 10.0,
    }
    assert [c for c in admitted if not parsed.admits(c, figure.get(c))] == []
    assert [c for c in refused if parsed.admits(c, figure.get(c))] == []


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"filters": [{"column": "n", "condition": "> many", "reason": "r"}]}, "compares with a number"),
        ({"filters": [{"column": "n", "condition": "in 1, 2", "reason": "r"}]}, "list of values in brackets"),
        ({"filters": [{"column": "n", "condition": "> 0", "keep": [1], "reason": "r"}]}, "one of condition"),
        ({"period": {"from": "file_name"}}, "needs the pattern"),
        ({"period": {"from": "cell"}}, "period takes from"),
        ({"period": {"pattern": "{MONTH}"}}, "must name a month and a year"),
        ({"every_service": {"from": "From"}}, "every_service takes from and to"),
    ],
)
def test_a_wrong_condition_period_or_spread_says_what_is_wrong(spec, says):
    with pytest.raises(MappingError, match=says):
        parse_return_mapping(SUBMISSION_TYPES["targets"], spec, "m.yaml returns.targets")
    with pytest.raises(MappingError, match="targets only"):
        parse_return_mapping(SUBMISSION_TYPES["outcomes"], {"every_service": {"from": "a", "to": "b"}}, "m")


def test_a_range_of_months_reaches_the_services_of_its_kinds_that_report_the_measure_once_started():
    months, problem = month_range("April 2024", "Q4 2024/25", None)
    assert problem is None
    assert (months[0], months[-1], len(months)) == (date(2024, 4, 1), date(2025, 3, 1), 12)
    assert month_range("2025-03", "2024-04", None)[1] == "the range 2025-03 to 2024-04 ends before it starts"
    assert "is not a month" in (month_range("soon", "2024-04", None)[1] or "")
    services = (
        Service("A", "uec", "PA", date(2016, 4, 1), frozenset({"AE_4HR"})),
        Service("B", "uec", "PB", date(2024, 6, 1), frozenset({"AE_4HR"})),
        Service("C", "discharge", "PC", None, frozenset({"AE_4HR"})),
        Service("D", "uec", "PD", None, frozenset({"OTHER"})),
    )
    assert [s.code for s in covered(services, frozenset({"uec"}), "AE_4HR", date(2024, 5, 1))] == ["A"]
    assert [s.code for s in covered(services, frozenset(), "AE_4HR", date(2024, 6, 1))] == ["A", "B", "C"]


def test_each_file_gets_its_own_submission_day_from_its_name_its_modification_time_or_a_column():
    named = parse_submitted({"from": "file_name", "pattern": "published_{YYYY}-{MM}-{DD}"}, "s.yaml")
    assert submitted_day(named, "AE-April-2024_published_2024-05-09.csv", 0, [], None) == date(2024, 5, 9)
    modified = parse_submitted({"from": "modified"}, "s.yaml")
    noon = datetime(2025, 6, 26, 12).timestamp() * 1e9
    assert submitted_day(modified, "x.csv", int(noon), [], None) == date(2025, 6, 26)
    column = parse_submitted({"from": "column", "column": "Published"}, "s.yaml")
    sheet = Sheet(
        None, [["Org", "Published"], ["A", "2025-06-26"], ["B", "03/07/2025"], ["C", ""]], [1, 2, 3, 4]
    )
    assert submitted_day(column, "x.csv", 0, [sheet], "day_first") == date(2025, 7, 3)
    assert submitted_day(column, "x.csv", 0, [sheet], None) == date(2025, 6, 26)  # 03/07 is ambiguous
    assert parse_submitted(date(2019, 4, 11), "s.yaml").day == date(2019, 4, 11)
    with pytest.raises(Exception, match="none is there"):
        submitted_day(named, "AE-April-2024.csv", 0, [], None)
    with pytest.raises(MappingError, match="where each file's own is read"):
        parse_submitted({"from": "column"}, "s.yaml")


def test_a_run_that_loads_no_row_of_a_type_its_files_were_sent_for_says_so():
    files = pl.DataFrame(
        {
            "submission_type": ["outcomes", "targets", "workforce"],
            "files": [12, 1, 2],
            "files_rejected": [0, 1, 0],
            "rows_received": [4383, None, 10],
            "rows_loaded": [0, 0, 10],
            "rows_quarantined": [4383, None, 0],
        }
    )
    assert nothing_loaded(files) == [
        "no outcomes row was loaded: 12 file(s) sent 4383 row(s); 4383 were quarantined and 0 file(s) "
        "rejected (the rules they broke are listed above)",
        "no targets row was loaded: 1 file(s) sent 0 row(s); 0 were quarantined and 1 file(s) rejected "
        "(the rules they broke are listed above)",
    ]


CODED = """\
name: A&E by provider
files: ["ae/*.csv"]
submitted_on: 2024-06-13
returns:
  outcomes:
    columns: {Org: partner_code, Attendances: value}
    values: {service_code: S1, measure_code: OUT}
    blank: [numerator, denominator, comment]
"""


def test_a_constant_period_is_checked_against_the_files_own_period_column(tmp_path):
    drop(
        tmp_path / "partners",
        "sources",
        "ae.yaml",
        CODED.replace(
            "measure_code: OUT}",
            "measure_code: OUT, period: '2024-04'}\n    period: {pattern: 'MSitAE-{MONTH}-{YEAR}'}",
        ),
    )
    drop(
        tmp_path / "inbox",
        "ae",
        "april.csv",
        "Period,Org,Attendances\nMSitAE-APRIL-2024,P1,12\nMSitAE-MAY-2024,P1,13\nApril,P1,14\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path)
    assert rows(con, "select row_number, period, value from validated.outcomes order by 1") == [
        (2, date(2024, 4, 1), 12.0)
    ]
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 0)  # the others held back at ingest
    held = "select row_number, column_name, rule, value, meaning from audit.quarantine order by 1"
    assert rows(con, held) == [
        (
            3,
            "Period",
            "period_mismatch",
            "MSitAE-MAY-2024",
            "the mapping gives the period 2024-04, but the file's period column says MSitAE-MAY-2024",
        ),
        (
            4,
            "Period",
            "period_mismatch",
            "April",
            "the mapping gives the period 2024-04, but the file's period column says April, which is not a "
            "period we can read, so the two cannot be checked (the mapping's period pattern or codes can say "
            "how the file writes it)",
        ),
    ]
    assert accounting_gaps(con).is_empty()


def test_a_period_code_column_a_period_table_and_a_period_in_the_file_name_are_read(tmp_path):
    drop(
        tmp_path / "partners",
        "sources",
        "ae.yaml",
        CODED.replace(
            "columns: {", "period: {pattern: 'MSitAE-{MONTH}-{YEAR}', codes: {YTD: 2024-05}}\n    columns: {"
        ),
    )
    drop(
        tmp_path / "inbox",
        "ae",
        "a.csv",
        "Period,Org,Attendances\nMSitAE-APRIL-2024,P1,12\nYTD,P1,3\nTOTAL,P1,15\n",
    )
    drop(
        tmp_path / "partners",
        "sources",
        "named.yaml",
        CODED.replace('"ae/*.csv"', '"named/*.csv"').replace(
            "columns: {", "period: {from: file_name, pattern: '{MON}-{YYYY}'}\n    columns: {"
        ),
    )
    drop(tmp_path / "inbox", "named", "AE-Jun-2024.csv", "Org,Attendances\nP1,7\n")
    drop(tmp_path / "inbox", "named", "AE-2024.csv", "Org,Attendances\nP1,8\n")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    assert rows(con, "select file_name, period, value from validated.outcomes order by 2") == [
        ("ae/a.csv", date(2024, 4, 1), 12.0),
        ("ae/a.csv", date(2024, 5, 1), 3.0),
        ("named/AE-Jun-2024.csv", date(2024, 6, 1), 7.0),
    ]
    held = "select file_name, column_name, rule, value, meaning from audit.quarantine order by 1"
    assert rows(con, held) == [
        (
            "ae/a.csv",
            "Period",
            "bad_period",
            "TOTAL",
            "TOTAL is not a period written as the pattern MSitAE-{MONTH}-{YEAR} or the mapping's table of "
            "period codes",
        ),
        (
            "named/AE-2024.csv",
            "(file name)",
            "bad_period",
            "AE-2024.csv",
            "AE-2024.csv is not a period written as the pattern {MON}-{YYYY}",
        ),
    ]
    assert accounting_gaps(con).is_empty()
