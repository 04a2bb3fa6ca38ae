"""A second scenario, end to end: small official-style publications configured by one mapping each (issue 18).

The files are written here in the shapes NHS England publishes: monthly A&E by provider with the month
as a code (`MSitAE-APRIL-2024`), a TOTAL row and a provider with no type 1 department, one file per
month named with its publication day (June's saved as a PDF under a .csv name, so rejected whole); and
the four-hour standard as one national row (`0.78`, a range of months, no service). The scenario is a
folder of its own (seeds cut from nhs-england's, two mappings, `scenario.yaml` declaring that the trusts
owe outcomes and targets to March 2025 and nothing else) run once through `joinedup run --scenario`.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.project_files import PROJECT_ROOT
from assets.validate.accounting import accounting_gaps
from assets.validate.overdue import overdue_returns
from pipelines.inbox_report import inbox_report

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own

NAME = "ae-small"
TRUSTS = {"R1H", "RF4"}
SERVICES = {f"UEC-{t}" for t in TRUSTS}
HEADER = (
    "Period,Org Code,Parent Org,Org name,A&E attendances Type 1,A&E attendances Type 2,"
    "Attendances over 4hrs Type 1,Emergency admissions via A&E - Type 1\n"
)
# month code, (R1H attendances, breaches, admissions), (RF4 ...): 4-hour = 1 - breaches / attendances
MONTHS = {
    "AE-by-provider-April-2024_published_2024-05-09.csv": (
        "MSitAE-APRIL-2024",
        (20000, 6000, 5000),
        (11000, 2200, 3100),
    ),
    "AE-by-provider-May-2024_published_2024-06-13.csv": (
        "MSitAE-MAY-2024",
        (21000, 4200, 5200),
        (11500, 2875, 3300),
    ),
}
# named like the monthly files, so the A&E mapping claims it, but a PDF: rejected before a row is read
REJECTED = "ae/AE-by-provider-June-2024_published_2024-07-11.csv"
AE_MAPPING = """\
name: A&E attendances and emergency admissions by provider, monthly
publisher: NHS England
files: ["ae/AE-by-provider-*.csv"]
submitted_on: {from: file_name, pattern: "published_{YYYY}-{MM}-{DD}"}
returns:
  outcomes:
    period: {pattern: "MSitAE-{MONTH}-{YEAR}"}
    columns: {Period: period, Org Code: partner_code}
    values: {service_code: "UEC-{partner_code}"}
    blank: [comment]
    filters:
      - {column: A&E attendances Type 1, condition: "> 0", reason: the trust has no type 1 department}
      - {column: Org Code, condition: "not in [TOTAL]", reason: England's total is not a trust}
    figures:
      - label: 4-hour
        values: {measure_code: AE_4HR}
        formulas: {numerator: "{A&E attendances Type 1} - {Attendances over 4hrs Type 1}"}
        columns: {A&E attendances Type 1: denominator}
        blank: [value]
      - label: attendances
        values: {measure_code: AE_ATTENDANCES}
        columns: {A&E attendances Type 1: value}
        blank: [numerator, denominator]
      - label: admissions
        values: {measure_code: AE_ADMISSIONS}
        columns: {Emergency admissions via A&E - Type 1: value}
        blank: [numerator, denominator]
"""
STANDARD_MAPPING = """\
name: The A&E four-hour standard
publisher: NHS England
files: ["standards/ae_four_hour_standard.csv"]
submitted_on: {from: modified}
returns:
  targets:
    columns: {Measure: measure_code, Target: target_value}
    blank: [tolerance]
    percent: fraction
    every_service: {kinds: [urgent_emergency_care], from: From, to: To}
"""
STANDARD_SENT = datetime(2024, 3, 28, 12)
SCENARIO = """\
name: Small A&E publications
inbox: inbox
# the trusts owe their A&E figures and the standard, monthly to March 2025; no workforce, no finance
returns_owed:
  - {returns: [outcomes, targets], service_kinds: [urgent_emergency_care], until: 2025-03}
"""


def _seeds(target: Path) -> None:
    """Copy nhs-england's reference data, cut to two trusts and their urgent and emergency care services,
    which start in April 2024 with the publications."""
    target.mkdir(parents=True)
    for path in sorted((PROJECT_ROOT / "scenarios" / "nhs-england" / "seeds").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as source:
            reader = csv.DictReader(source)
            kept = [
                row | ({"start_period": "2024-04-01"} if "start_period" in row else {})
                for row in reader
                if row.get("partner_code", next(iter(TRUSTS))) in TRUSTS
                and row.get("service_code", next(iter(SERVICES))) in SERVICES
            ]
        with (target / path.name).open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, reader.fieldnames or [])
            writer.writeheader()
            writer.writerows(kept)


def _publications(inbox: Path) -> None:
    (inbox / "ae").mkdir(parents=True)
    for name, (code, r1h, rf4) in MONTHS.items():
        total = [a + b for a, b in zip(r1h, rf4, strict=True)]
        (inbox / "ae" / name).write_text(
            HEADER
            + "".join(
                f"{code},{org},NHS ENGLAND LONDON,{org} NAME,{att},0,{breaches},{admissions}\n"
                for org, (att, breaches, admissions) in (
                    ("TOTAL", total),
                    ("R1H", r1h),
                    ("RF4", rf4),
                    ("RYX", (0, 0, 0)),
                )
            ).replace("TOTAL,NHS ENGLAND LONDON,TOTAL NAME", "TOTAL,TOTAL,TOTAL")
        )
    (inbox / REJECTED).write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    (inbox / "standards").mkdir()
    standard = inbox / "standards" / "ae_four_hour_standard.csv"
    standard.write_text(
        "Standard,Measure,Target,From,To\nA&E four-hour standard (type 1),AE_4HR,0.78,April 2024,March 2025\n"
    )
    sent = STANDARD_SENT.timestamp()
    for path in inbox.rglob("*.csv"):
        os.utime(path, (sent, sent))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    home = tmp_path_factory.mktemp("publications")
    folder = home / "scenarios" / NAME
    _seeds(folder / "seeds")
    (folder / "mappings" / "sources").mkdir(parents=True)
    (folder / "mappings" / "sources" / "ae_monthly.yaml").write_text(AE_MAPPING)
    (folder / "mappings" / "sources" / "four_hour_standard.yaml").write_text(STANDARD_MAPPING)
    (folder / "scenario.yaml").write_text(SCENARIO)
    _publications(folder / "inbox")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    env |= {"JOINEDUP_HOME": str(home), "JOINEDUP_SCENARIOS_DIR": str(home / "scenarios")}
    started_on = date.today()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "joinedup"), "run", "--scenario", NAME, "--json", "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    warehouse = home / "scenario-output" / NAME / "warehouse" / "joinedup.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    # the days the run published on: two when it went past midnight
    published_on = sorted({started_on, date.today()})
    yield (
        con,
        json.loads(done.stdout)
        | {"site": home / "scenario-output" / NAME / "site", "published_on": published_on},
    )
    con.close()


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_every_row_is_loaded_or_held_back_with_the_filters_condition_in_the_reason(scenario):
    con, summary = scenario
    # per monthly file: 4 source rows; R1H and RF4 give 3 contract rows each; TOTAL and RYX are left out;
    # June's PDF is rejected unread. The one national row gives the standard to 2 services x 12 months.
    assert summary["files"] == {
        "outcomes": {
            "files": 3,
            "files_rejected": 1,
            "rows_received": 16,
            "rows_loaded": 12,
            "rows_quarantined": 4,
        },
        "targets": {
            "files": 1,
            "files_rejected": 0,
            "rows_received": 24,
            "rows_loaded": 24,
            "rows_quarantined": 0,
        },
    }
    assert summary["warnings"] == [] and summary["success"] is True
    assert _rows(
        con,
        "select distinct column_name, rule, value, meaning from audit.quarantine "
        "where submission_type = 'outcomes' order by 3",
    ) == [
        (
            "A&E attendances Type 1",
            "not_in_scope",
            "0",
            "the trust has no type 1 department (in scope: A&E attendances Type 1 > 0)",
        ),
        (
            "Org Code",
            "not_in_scope",
            "TOTAL",
            "England's total is not a trust (in scope: Org Code not in [TOTAL])",
        ),
    ]
    assert accounting_gaps(con).is_empty()


def test_the_month_written_as_a_code_is_read_and_each_file_has_its_own_submission_day(scenario):
    con, _ = scenario
    assert _rows(
        con, "select file_name, submitted_on from audit.load_log where status <> 'rejected' order by 1"
    ) == [
        ("ae/AE-by-provider-April-2024_published_2024-05-09.csv", date(2024, 5, 9)),
        ("ae/AE-by-provider-May-2024_published_2024-06-13.csv", date(2024, 6, 13)),
        ("standards/ae_four_hour_standard.csv", STANDARD_SENT.date()),
    ]
    assert _rows(con, "select distinct file_name, period from validated.outcomes order by 2") == [
        ("ae/AE-by-provider-April-2024_published_2024-05-09.csv", date(2024, 4, 1)),
        ("ae/AE-by-provider-May-2024_published_2024-06-13.csv", date(2024, 5, 1)),
    ]


def test_the_national_standard_is_every_trusts_target_for_each_month_of_its_range(scenario):
    con, _ = scenario
    assert _rows(
        con,
        "select service_code, partner_code, count(*), min(period), max(period), "
        "min(target_value), max(target_value) from validated.targets "
        "group by all order by 1",
    ) == [
        ("UEC-R1H", "R1H", 12, date(2024, 4, 1), date(2025, 3, 1), 78.0, 78.0),
        ("UEC-RF4", "RF4", 12, date(2024, 4, 1), date(2025, 3, 1), 78.0, 78.0),
    ]
    # R1H April: (20000 - 6000) / 20000 = 70 %; RF4 April: (11000 - 2200) / 11000 = 80 %;
    # R1H May: (21000 - 4200) / 21000 = 80 %; RF4 May: (11500 - 2875) / 11500 = 75 %; all against 78 %
    assert _rows(
        con,
        "select service_code, period, round(actual, 6), target, rag "
        "from marts.fct_measure_period where measure_code = 'AE_4HR' and actual is not null "
        "order by 1, 2",
    ) == [
        ("UEC-R1H", date(2024, 4, 1), 70.0, 78.0, "red"),
        ("UEC-R1H", date(2024, 5, 1), 80.0, 78.0, "green"),
        ("UEC-RF4", date(2024, 4, 1), 80.0, 78.0, "green"),
        ("UEC-RF4", date(2024, 5, 1), 75.0, 78.0, "red"),
    ]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_only_the_returns_the_scenario_declares_owed_are_overdue_one_line_per_partner_and_kind(scenario):
    con, summary = scenario
    overdue = overdue_returns(con, date.today())
    # outcomes came for April and May 2024 only: June 2024 to March 2025, the last month owed, are
    # overdue for both trusts; every target came (the standard covers April 2024 to March 2025), and
    # workforce and finance are owed by nobody
    assert overdue.group_by("partner_code", "submission_type").agg(
        pl.len(),
        pl.col("period").min().alias("first"),
        pl.col("period").max().alias("last"),
        pl.col("returns_missing").sum(),
    ).sort("partner_code").rows() == [
        ("R1H", "outcomes", 10, date(2024, 6, 1), date(2025, 3, 1), 10),
        ("RF4", "outcomes", 10, date(2024, 6, 1), date(2025, 3, 1), 10),
    ]
    page = (summary["site"] / "data-quality.html").read_text("utf-8")
    table = page.split('id="overdue-returns"')[1].split("</table>")[0]
    lines = [_text(r) for r in re.findall(r"<tr data-partner=\"\w+\">(.*?)</tr>", table, re.S)]
    # June's outcomes were due on 19 July 2024, the 15th working day after 30 June (no bank holiday in
    # the scenario's reference data)
    assert lines in [
        [
            f"{name} {code} outcomes 10 10 June 2024 19 July 2024 {(day - date(2024, 7, 19)).days:,} "
            "March 2025 10 months June 2024 to March 2025"
            for code, name in (
                ("R1H", "Barts Health NHS Trust"),
                ("RF4", "Barking, Havering and Redbridge University Hospitals NHS Trust"),
            )
        ]
        for day in summary["published_on"]
    ]
    every_month = pl.read_csv(summary["site"] / "data-quality-overdue.csv")
    assert every_month.height == 20 and set(every_month["submission_type"]) == {"outcomes"}


def test_the_data_quality_page_stays_small(scenario):
    _, summary = scenario
    size = (summary["site"] / "data-quality.html").stat().st_size
    print(f"data-quality page of the small scenario: {size:,} bytes")
    assert size < 1_000_000


def test_publications_are_named_with_their_publisher_not_as_unknown_partners(scenario):
    con, summary = scenario
    page = (summary["site"] / "data-quality.html").read_text("utf-8")
    returns = _text(page.split('id="partners-heading"')[1].split("</table>")[0])
    assert (
        "A&amp;E attendances and emergency admissions by provider, monthly publication by NHS England"
        in returns
    )
    assert "The A&amp;E four-hour standard publication by NHS England" in returns
    assert "Not a known partner" not in returns and "no partner code" not in returns
    report = inbox_report(con).splitlines()
    titles = [line for line, under in zip(report, report[1:], strict=False) if under and set(under) == {"="}]
    assert titles == [
        "A&E attendances and emergency admissions by provider, monthly (publication by NHS England)",
        "The A&E four-hour standard (publication by NHS England)",
    ]


def test_a_rejected_publication_file_is_named_under_its_publication_not_as_no_ones(scenario):
    con, summary = scenario
    assert _rows(con, "select file_name, partner_code, rule, mapping from audit.rejected_files") == [
        (REJECTED, None, "wrong_file_type", "sources/ae_monthly.yaml")
    ]
    report = inbox_report(con)
    assert "could not tell the partner" not in report
    section = report.split(
        "A&E attendances and emergency admissions by provider, monthly (publication by NHS England)"
    )[1].split("\n\n")[0]
    # its two monthly files read (4 source rows each: 3 loaded per trust, TOTAL and RYX held back), June's not
    assert "2 file(s) read: 16 row(s) received, 12 loaded, 4 held back; 1 file(s) not read." in section
    assert (
        f"  outcomes/{REJECTED}: this is a PDF; please send the figures as a CSV file or an Excel .xlsx "
        "workbook [wrong_file_type]" in section
    )
    page = (summary["site"] / "data-quality.html").read_text("utf-8")
    # the returns table counts it under the publication: files, rejected, rows received, loaded,
    # quarantined, late
    returns = page.split('id="partners-heading"')[1].split("</table>")[0]
    assert [_text(r) for r in re.findall(r'<tr data-partner="">(.*?)</tr>', returns, re.S)] == [
        "A&amp;E attendances and emergency admissions by provider, monthly publication by NHS England — "
        "3 1 16 12 4 0",
        "The A&amp;E four-hour standard publication by NHS England — 1 0 24 24 0 0",
    ]
    turned_away = [
        _text(r)
        for r in re.findall(
            r"<tr>(.*?)</tr>",
            page.split('id="rejected-heading"')[1].split("</table>")[0].split("<tbody>")[1],
            re.S,
        )
    ]
    assert turned_away == [
        f"{REJECTED} outcomes A&amp;E attendances and emergency admissions by provider, "
        "monthly publication by NHS England this is a PDF; please send the figures as a "
        "CSV file or an Excel .xlsx workbook"
    ]
