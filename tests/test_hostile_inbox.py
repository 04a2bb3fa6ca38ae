"""Hostile and careless files in one inbox: each file's outcome, and the rule that explains it.

Every case is made at test time and dropped into one inbox with the others; one ingest and validation
per submission type then judges them all, as a nightly run would. The outcome of a file is one of
- `rejected`: the whole file is refused (`audit.rejected_files`, with its rule);
- `held back`: read, but every row quarantined (`audit.quarantine`, with the rules);
- `partly loaded`: the good rows loaded, the bad ones quarantined;
- `loaded`: every row loaded (the rules named are warnings, kept with the row);
- `skipped`: not a regular file inside the inbox (a link, a pipe, a folder): never opened, listed with
  the reason (`audit.rejected_files`, rule `not_a_file`);
- `waiting`: still being written (modified within the settle period): left for a later run, unread.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from assets.contract import SUBMISSION_TYPES
from assets.ingest.load import ingest_inbox
from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.validate.submissions import validate_rows
from tests.ingest_fixtures import HEADERS, drop, rows, seeded_warehouse

# one good row per type (P1 sends for S1, which started in January 2024)
GOOD = {
    "outcomes": "P1,S1,OUT,2024-01,,,4,\n",
    "targets": "P1,S1,RATE,2024-01,85,5\n",
    "workforce": "P1,S1,2024-01,NURSE,10,9,1,0,2,20,0,5,30000\n",
    "finance": "P1,S1,2024-01,5000,100\n",
}
SUBMITTED = {"outcomes": "20240310", "targets": "20231201", "workforce": "20240310", "finance": "20240310"}


@dataclass(frozen=True)
class Case:
    """A file, what the pipeline should make of it, and why."""

    name: str
    kind: str
    outcome: str
    rules: tuple[str, ...]
    body: str | bytes | None = None  # rows after the header (str), or the whole file (bytes)
    file_name: str | None = None  # default: P1_<date>_<name>.csv
    make: Callable[[Path, Path], None] | None = None  # makes (path, outside folder) when not a plain file

    def path_name(self) -> str:
        """Return the file's name in the inbox."""
        return self.file_name or f"P1_{SUBMITTED[self.kind]}_{self.name}.csv"

    def content(self) -> bytes:
        """Return the file's bytes."""
        if isinstance(self.body, bytes):
            return self.body
        # a good row, told apart from other cases' by its comment (equal bytes are a duplicate file)
        return (
            HEADERS[self.kind] + (f"P1,S1,OUT,2024-01,,,4,{self.name}\n" if self.body is None else self.body)
        ).encode()


def outcome_row(value: str, comment: str = "") -> str:
    """Return an outcomes row for OUT (a count) holding `value`, after a good row for another month."""
    return f"P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT,2024-01,,,{value},{comment}\n"


def figure(kind: str, column: str, value: str) -> str:
    """Return a good row of `kind` for February, then January's row with `column` set to `value`."""
    header = HEADERS[kind].strip().split(",")
    good = GOOD[kind].strip().split(",")
    february = ",".join("2024-02" if c == "period" else v for c, v in zip(header, good, strict=True))
    january = ",".join(value if c == column else v for c, v in zip(header, good, strict=True))
    return f"{february}\n{january}\n"


CSV_HEADER = HEADERS["outcomes"]
CASES = [
    # --- whole files that cannot be read as a return ---
    Case("empty", "outcomes", "rejected", ("empty_file",), b""),
    Case("blank_lines_only", "outcomes", "rejected", ("empty_file",), b"\n\n  \r\n"),
    Case("pdf_named_csv", "outcomes", "rejected", ("wrong_file_type",), b"%PDF-1.7\n1 0 obj\n"),
    Case("pdf", "outcomes", "rejected", ("wrong_file_type",), b"%PDF-1.7\n", "P1_20240310_report.pdf"),
    Case(
        "xls_named_xlsx",
        "outcomes",
        "rejected",
        ("wrong_file_type",),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
        "P1_20240310_old.xlsx",
    ),
    Case("zip_named_csv", "outcomes", "rejected", ("wrong_file_type",), b"PK\x03\x04" + bytes(100)),
    Case(
        "text_named_xlsx",
        "outcomes",
        "rejected",
        ("wrong_file_type",),
        (CSV_HEADER + GOOD["outcomes"]).encode(),
        "P1_20240310_text.xlsx",
    ),
    Case(
        "broken_workbook",
        "outcomes",
        "rejected",
        ("unreadable_file",),
        b"PK\x03\x04" + b"\x14\x00" * 50,
        "P1_20240310_broken.xlsx",
    ),
    Case("binary_in_csv", "outcomes", "rejected", ("unreadable_file",), b"\x00\x01\x02\x03" * 100),
    Case(
        "executable_named_csv",
        "outcomes",
        "rejected",
        ("unreadable_file",),
        b"\x7fELF\x02\x01\x01\x00" + bytes(64),
    ),
    Case("no_date_in_name", "outcomes", "rejected", ("file_name",), None, "P1_march.csv"),
    Case("impossible_date_in_name", "outcomes", "rejected", ("file_name",), None, "P1_20241340.csv"),
    Case("no_partner_in_name", "outcomes", "rejected", ("file_name",), None, "_20240310.csv"),
    Case(
        "unknown_partner_in_name", "outcomes", "rejected", ("unknown_partner",), None, "PX_20240310_who.csv"
    ),
    Case("text_file", "outcomes", "rejected", ("wrong_file_type",), b"hello", "P1_20240310_notes.txt"),
    Case(
        "missing_columns",
        "outcomes",
        "rejected",
        ("missing_columns",),
        b"partner_code,service_code,period\nP1,S1,2024-01\n",
    ),
    Case(
        "workforce_sent_as_outcomes",
        "outcomes",
        "rejected",
        ("missing_columns",),
        (HEADERS["workforce"] + GOOD["workforce"]).encode(),
    ),
    Case("no_header", "outcomes", "rejected", ("missing_columns",), GOOD["outcomes"].encode()),
    Case(
        "same_bytes_twice",
        "outcomes",
        "rejected",
        ("duplicate_file",),
        (CSV_HEADER + "P1,S1,OUT,2024-03,,,9,copy\n").encode(),
        "P1_20240311_copy_b.csv",
    ),
    Case("dated_2999", "outcomes", "rejected", ("submitted_in_future",), None, "P1_29990101_future.csv"),
    Case("header_only", "outcomes", "rejected", ("no_rows",), CSV_HEADER.encode()),
    Case(
        "ten_megabyte_line",
        "outcomes",
        "rejected",
        ("unreadable_file",),
        (CSV_HEADER + "P1,S1,OUT,2024-01,,,4," + "x" * 10_000_000 + "\n").encode(),
    ),
    # --- encodings and layouts partners really send ---
    Case(
        "utf16",
        "outcomes",
        "loaded",
        (),
        codecs.BOM_UTF16_LE + (CSV_HEADER + GOOD["outcomes"]).encode("utf-16-le"),
    ),
    Case("utf8_bom", "outcomes", "loaded", (), codecs.BOM_UTF8 + (CSV_HEADER + GOOD["outcomes"]).encode()),
    Case(
        "cp1252_pound",
        "finance",
        "loaded",
        (),
        (HEADERS["finance"] + 'P1,S1,2024-01,"£5,000",£100\n').encode("cp1252"),
    ),
    Case("crlf", "outcomes", "loaded", (), (CSV_HEADER + GOOD["outcomes"]).replace("\n", "\r\n").encode()),
    Case(
        "columns_reordered",
        "outcomes",
        "loaded",
        (),
        b"period,value,measure_code,service_code,partner_code,numerator,denominator,comment\n"
        b"2024-01,4,OUT,S1,P1,,,\n",
    ),
    Case(
        "header_case_and_spaces",
        "outcomes",
        "loaded",
        (),
        (
            " Partner Code , SERVICE_CODE,Measure code,Period,Numerator,Denominator,Value,Comment\n"
            + GOOD["outcomes"]
        ).encode(),
    ),
    Case(
        "extra_columns",
        "outcomes",
        "loaded",
        (),
        (CSV_HEADER.strip() + ",secret_notes\n" + GOOD["outcomes"].strip() + ",ignore me\n").encode(),
    ),
    Case(
        "trailing_blank_lines", "outcomes", "loaded", (), (CSV_HEADER + GOOD["outcomes"] + "\n\n\n").encode()
    ),
    Case(
        "quoted_newline_in_comment", "outcomes", "loaded", (), 'P1,S1,OUT,2024-01,,,4,"line one\nline two"\n'
    ),
    # --- partner text that must stay data: formulas, markup, SQL ---
    Case(
        "formula_hyperlink",
        "outcomes",
        "loaded",
        (),
        outcome_row("4", '"=HYPERLINK(""http://evil.example"",""click"")"'),
    ),
    Case("formula_cmd", "outcomes", "loaded", (), outcome_row("4", "+cmd|' /C calc'!A0")),
    Case("formula_at_sum", "outcomes", "loaded", (), outcome_row("4", "@SUM(1+1)*cmd|' /C calc'!A0")),
    Case("formula_minus", "outcomes", "loaded", (), outcome_row("4", "-2+3+cmd|' /C calc'!A0")),
    Case("formula_tab", "outcomes", "loaded", (), outcome_row("4", '"\t=1+1"')),
    Case("script_in_comment", "outcomes", "loaded", (), outcome_row("4", "<script>alert(1)</script>")),
    Case("rtl_override_in_comment", "outcomes", "loaded", (), outcome_row("4", "good\u202edab")),
    Case("long_comment", "outcomes", "loaded", (), outcome_row("4", "x" * 100_000)),
    Case(
        "sql_in_service_code",
        "outcomes",
        "partly loaded",
        ("known_service", "measure_in_service", "partner_in_service"),
        'P1,S1,OUT,2024-02,,,5,\nP1,"S1\'; drop table validated.outcomes; --",OUT,2024-01,,,4,\n',
    ),
    Case(
        "sql_in_measure_code",
        "outcomes",
        "partly loaded",
        ("known_measure", "measure_in_service"),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,\"OUT' or '1'='1\",2024-01,,,4,\n",
    ),
    Case(
        "script_in_partner_code",
        "outcomes",
        "partly loaded",
        ("known_partner", "partner_in_service", "partner_matches_file"),
        "P1,S1,OUT,2024-02,,,5,\n<script>alert(1)</script>,S1,OUT,2024-01,,,4,\n",
    ),
    # --- absurd and impossible figures ---
    Case("count_1e15", "outcomes", "partly loaded", ("plausible_range",), outcome_row("1e15")),
    Case("count_1e308", "outcomes", "partly loaded", ("plausible_range",), outcome_row("1e308")),
    Case(
        "count_overflows_to_infinity", "outcomes", "partly loaded", ("plausible_range",), outcome_row("1e309")
    ),
    Case("count_minus_infinity", "outcomes", "partly loaded", ("non_negative",), outcome_row("-1e309")),
    Case("count_inf_word", "outcomes", "partly loaded", ("not_a_number",), outcome_row("inf")),
    Case("count_nan_word", "outcomes", "partly loaded", ("not_a_number",), outcome_row("NaN")),
    Case("count_minus_zero", "outcomes", "loaded", (), outcome_row("-0")),
    Case("count_negative", "outcomes", "partly loaded", ("non_negative",), outcome_row("-3")),
    Case("count_hex", "outcomes", "partly loaded", ("not_a_number",), outcome_row("0x10")),
    Case("count_decimal_comma", "outcomes", "partly loaded", ("not_a_number",), outcome_row('"4,5"')),
    Case("count_suppressed", "outcomes", "loaded", (), outcome_row("*")),
    Case("count_blank", "outcomes", "partly loaded", ("required",), outcome_row("")),
    Case(
        "rate_numerator_above_denominator",
        "outcomes",
        "partly loaded",
        ("numerator_le_denominator",),
        "P1,S1,RATE,2024-02,3,4,,\nP1,S1,RATE,2024-01,5,4,,\n",
    ),
    Case(
        "rate_denominator_1e308",
        "outcomes",
        "partly loaded",
        ("plausible_range",),
        "P1,S1,RATE,2024-02,3,4,,\nP1,S1,RATE,2024-01,3,1e308,,\n",
    ),
    Case(
        "target_1e308",
        "targets",
        "partly loaded",
        ("plausible_range",),
        figure("targets", "target_value", "1e308").replace("RATE", "OUT"),
    ),
    Case(
        "target_infinite_tolerance",
        "targets",
        "partly loaded",
        ("plausible_range",),
        figure("targets", "tolerance", "1e999").replace("RATE", "OUT"),
    ),
    Case(
        "percent_target_above_100",
        "targets",
        "partly loaded",
        ("percent_in_range",),
        figure("targets", "target_value", "120"),
    ),
    Case(
        "percent_target_as_fraction",
        "targets",
        "loaded",
        ("percent_as_fraction",),
        "P1,S1,RATE,2024-01,0.85,0.05\nP1,S1,RATE,2024-02,0.9,0.05\n",
    ),
    Case(
        "negative_tolerance",
        "targets",
        "partly loaded",
        ("non_negative", "percent_in_range"),
        figure("targets", "tolerance", "-1"),
    ),
    Case(
        "pay_bill_1e308",
        "workforce",
        "partly loaded",
        ("plausible_range",),
        figure("workforce", "pay_bill", "1e308"),
    ),
    Case(
        "headcount_1e15",
        "workforce",
        "partly loaded",
        ("plausible_range",),
        figure("workforce", "headcount", "1e15"),
    ),
    Case(
        "agency_fte_infinite",
        "workforce",
        "partly loaded",
        ("plausible_range",),
        figure("workforce", "agency_fte", "1e400"),
    ),
    Case(
        "sickness_above_available",
        "workforce",
        "partly loaded",
        ("sickness_le_available",),
        figure("workforce", "sickness_days_lost", "99"),
    ),
    Case(
        "negative_leavers",
        "workforce",
        "partly loaded",
        ("non_negative",),
        figure("workforce", "leavers", "-2"),
    ),
    Case(
        "unknown_staff_group",
        "workforce",
        "partly loaded",
        ("known_staff_group",),
        figure("workforce", "staff_group_code", "PORTER"),
    ),
    Case(
        "pay_cost_1e15",
        "finance",
        "partly loaded",
        ("plausible_range",),
        figure("finance", "pay_cost", "1e15"),
    ),
    Case(
        "pay_cost_in_brackets",
        "finance",
        "partly loaded",
        ("non_negative",),
        figure("finance", "pay_cost", "(250)"),
    ),
    Case(
        "pay_cost_as_words",
        "finance",
        "partly loaded",
        ("not_a_number",),
        figure("finance", "pay_cost", "five thousand"),
    ),
    Case("pay_cost_pounds_and_commas", "finance", "loaded", (), figure("finance", "pay_cost", '"£1,234.50"')),
    Case(
        "non_pay_cost_missing",
        "finance",
        "partly loaded",
        ("required",),
        figure("finance", "non_pay_cost", ""),
    ),
    # --- keys, periods and partners that do not fit ---
    Case(
        "period_in_2999",
        "outcomes",
        "partly loaded",
        ("period_in_future",),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT,2999-01,,,4,\n",
    ),
    Case(
        "period_after_submission",
        "outcomes",
        "partly loaded",
        ("period_in_future",),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT,2024-04,,,4,\n",
    ),
    Case(
        "period_before_service",
        "outcomes",
        "partly loaded",
        ("period_in_service_life",),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT,2023-12,,,4,\n",
    ),
    Case(
        "period_month_13",
        "outcomes",
        "partly loaded",
        ("bad_period",),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT,2024-13,,,4,\n",
    ),
    Case(
        "period_nonsense",
        "outcomes",
        "partly loaded",
        ("bad_period",),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT,Smarch 2024,,,4,\n",
    ),
    Case(
        "period_blank",
        "outcomes",
        "partly loaded",
        ("required",),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT,,,,4,\n",
    ),
    Case(
        "duplicate_key",
        "outcomes",
        "partly loaded",
        ("duplicate_key",),
        "P1,S1,OUT,2024-01,,,4,\nP1,S1,OUT,2024-01,,,5,\n",
    ),
    Case(
        "another_partners_row",
        "outcomes",
        "partly loaded",
        ("partner_matches_file",),
        "P1,S1,OUT,2024-02,,,5,\nP2,S1,OUT,2024-01,,,4,\n",
    ),
    Case(
        "partner_not_in_service",
        "outcomes",
        "partly loaded",
        ("partner_in_service",),
        "P1,S1,OUT,2024-02,,,5,\nP1,S2,OUT,2024-01,,,4,\n",
    ),
    Case(
        "unknown_measure",
        "outcomes",
        "partly loaded",
        ("known_measure", "measure_in_service"),
        "P1,S1,OUT,2024-02,,,5,\nP1,S1,NOPE,2024-01,,,4,\n",
    ),
    Case(
        "every_row_bad",
        "outcomes",
        "held back",
        ("non_negative",),
        "P1,S1,OUT,2024-01,,,-1,\nP1,S1,OUT,2024-02,,,-2,\n",
    ),
    Case("too_many_fields", "outcomes", "loaded", (), "P1,S1,OUT,2024-01,,,4,,surplus,cells\n"),
    Case("too_few_fields", "outcomes", "partly loaded", ("required",), "P1,S1,OUT,2024-02,,,5,\nP1,S1,OUT\n"),
]


def _link_to(target: str) -> Callable[[Path, Path], None]:
    def make(path: Path, outside: Path) -> None:
        path.symlink_to(target.format(outside=outside, inbox=path.parent))

    return make


def _outside_file(path: Path, outside: Path) -> None:
    (outside / "elsewhere.csv").write_text(CSV_HEADER + "P1,S1,OUT,2024-01,,,4,from outside\n")
    path.symlink_to(outside / "elsewhere.csv")


def _fresh(path: Path, outside: Path) -> None:
    path.write_text(CSV_HEADER + "P1,S1,OUT,2024-01,,,4,still being written\n")  # modified just now


INBOX_CASES = [
    Case(
        "link_to_passwd",
        "outcomes",
        "skipped",
        ("not_a_file",),
        file_name="P1_20240310_passwd.csv",
        make=_link_to("/etc/passwd"),
    ),
    Case(
        "link_to_csv_outside",
        "outcomes",
        "skipped",
        ("not_a_file",),
        file_name="P1_20240310_out.csv",
        make=_outside_file,
    ),
    Case(
        "link_to_csv_inside",
        "outcomes",
        "skipped",
        ("not_a_file",),
        file_name="P1_20240310_in.csv",
        make=_link_to("{inbox}/P1_20240311_copy_a.csv"),
    ),
    Case(
        "dangling_link",
        "outcomes",
        "skipped",
        ("not_a_file",),
        file_name="P1_20240310_gone.csv",
        make=_link_to("{outside}/no-such-file.csv"),
    ),
    Case(
        "named_pipe",
        "outcomes",
        "skipped",
        ("not_a_file",),
        file_name="P1_20240310_pipe.csv",
        make=lambda path, outside: os.mkfifo(path),
    ),
    Case(
        "folder_named_like_a_file",
        "outcomes",
        "skipped",
        ("not_a_file",),
        file_name="P1_20240310_folder.csv",
        make=lambda path, outside: path.mkdir(),
    ),
    Case("still_being_written", "outcomes", "waiting", (), file_name="P1_20240310_fresh.csv", make=_fresh),
]
# the first of two files with the same bytes (the second, "same_bytes_twice", is rejected)
FIRST_COPY = Case(
    "copy_a",
    "outcomes",
    "loaded",
    (),
    (CSV_HEADER + "P1,S1,OUT,2024-03,,,9,copy\n").encode(),
    "P1_20240311_copy_a.csv",
)
ALL_CASES = [FIRST_COPY, *CASES, *INBOX_CASES]


def _outcome(con, case: Case, waiting: set[str]) -> tuple[str, tuple[str, ...]]:
    name = case.path_name()
    if name in waiting:
        return "waiting", ()
    rejected = rows(con, "select rule from audit.rejected_files where file_name = ?", [name])
    if rejected:
        rules = tuple(sorted({r for (r,) in rejected}))
        return ("skipped" if rules == ("not_a_file",) else "rejected"), rules
    logged = rows(con, "select rows_loaded, rows_quarantined from audit.load_log where file_name = ?", [name])
    if not logged:
        return "not read", ()
    ((loaded, held),) = logged
    quarantined = {r for (r,) in rows(con, "select rule from audit.quarantine where file_name = ?", [name])}
    warned = {r for (r,) in rows(con, "select rule from audit.warnings where file_name = ?", [name])}
    if held == 0:
        return "loaded", tuple(sorted(warned))
    return ("held back" if loaded == 0 else "partly loaded"), tuple(sorted(quarantined))


@pytest.fixture(scope="module")
def judged(tmp_path_factory) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Drop every case into one inbox, ingest and validate each type once; return each case's outcome."""
    home = tmp_path_factory.mktemp("hostile")
    outside = tmp_path_factory.mktemp("outside")
    for case in ALL_CASES:
        if case.make:
            (home / "inbox" / case.kind).mkdir(parents=True, exist_ok=True)
            case.make(home / "inbox" / case.kind / case.path_name(), outside)
        else:
            drop(home / "inbox", case.kind, case.path_name(), case.content())
    con = seeded_warehouse(home / "w.duckdb")
    waiting: set[str] = set()
    for kind in HEADERS:
        summary = ingest_inbox(con, home / "inbox", SUBMISSION_TYPES[kind], home / "partners", "run-1")
        waiting |= {Path(p).name for p in summary.files_waiting}
        validate_rows(con, SUBMISSION_TYPES[kind], "run-1", expectations_dir=PROJECT_EXPECTATIONS_DIR)
    outcomes = {case.name: _outcome(con, case, waiting) for case in ALL_CASES}
    con.close()
    return outcomes


def test_the_corpus_is_large_and_names_each_case_once():
    assert len(ALL_CASES) >= 80
    assert len({c.name for c in ALL_CASES}) == len(ALL_CASES)
    assert len({(c.kind, c.path_name()) for c in ALL_CASES}) == len(ALL_CASES)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_each_hostile_file_meets_its_expected_outcome(judged, case: Case):
    assert judged[case.name] == (case.outcome, tuple(sorted(case.rules)))
