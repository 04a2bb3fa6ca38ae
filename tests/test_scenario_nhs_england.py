"""The nhs-england scenario end to end, from the CLI, on a slice of the official files cut at test time.

The slice keeps the publications' own folders, names, layouts and bytes (CSV lines verbatim; the
workbook's Notes sheet and the Data rows of a few organisations): three trusts and a walk-in centre,
April 2017 to June 2018 of A&E; their staff (and a CCG's) in both workforce months; England, Derby,
Derbyshire and Poole in March and April 2019 of delayed transfers of care.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest
import python_calamine
import xlsxwriter

from assets.publish.quality import load_quality
from assets.validate.accounting import accounting_gaps
from pipelines.demo.submissions import sent_before_now

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
AE = "nhs_ae_attendances_2016_2019/ae_attendances.csv"
DTOC = "nhs_dtoc_local_authority_2011_2019/DToC_Days_Responsible_Organisation.csv"
STAFF = next(REAL.glob("nhs_hchs_staff_2017_2018/*.xlsx"), None) if REAL.is_dir() else None
TRUSTS = ("RF4", "R1H", "RW3")
WALK_IN = "RYX"  # minor injury units and walk-in centres only: no type 1 department
CCG = "00M"  # NHS South Tees CCG: has staff, but is not a partner of the scenario
AUTHORITIES = ('"England"', '"Derby"', '"Derbyshire"', '"Poole"')
MONTHS = ('"April 2019"', '"March 2019"')
OUTPUT = Path("scenario-output") / "nhs-england"

pytestmark = [
    pytest.mark.skipif(STAFF is None, reason=f"the official files are not at {REAL}"),
    pytest.mark.slow,
]  # the scenario run from the official files


def _copy_lines(relative: str, target: Path, keep) -> list[str]:
    """Copy the header and the lines `keep` accepts, byte for byte; return the data lines kept."""
    lines = (REAL / relative).read_bytes().decode("utf-8").splitlines(keepends=True)
    kept = [line for line in lines[1:] if keep(line)]
    (target / relative).parent.mkdir(parents=True, exist_ok=True)
    (target / relative).write_bytes("".join([lines[0], *kept]).encode("utf-8"))
    return kept


def _copy_workbook(target: Path, organisations: set[str]) -> list[list]:
    """Copy the Notes sheet and the Data rows of `organisations` into a workbook of the same name."""
    assert STAFF is not None  # the tests that copy it are skipped without the real data
    book = python_calamine.CalamineWorkbook.from_path(STAFF)
    notes = book.get_sheet_by_name("Notes").to_python()
    data = book.get_sheet_by_name("Data").to_python()
    kept = [row for row in data[1:] if row[1] in organisations]
    path = target / STAFF.relative_to(REAL)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = xlsxwriter.Workbook(str(path))
    for name, rows in (("Notes", notes), ("Data", [data[0], *kept])):
        sheet = out.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    out.close()
    return kept


def _in_ae_slice(line: str) -> bool:
    return line.split(",")[1] in (*TRUSTS, WALK_IN) and "2017-04-01" <= line[:10] <= "2018-06-01"


def _in_dtoc_slice(line: str) -> bool:
    return line.startswith(AUTHORITIES) and line.rstrip().endswith(MONTHS)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    home = tmp_path_factory.mktemp("nhs-england")
    inbox = home / "publications"
    ae, dtoc = _copy_lines(AE, inbox, _in_ae_slice), _copy_lines(DTOC, inbox, _in_dtoc_slice)
    staff = _copy_workbook(inbox, {*TRUSTS, CCG})
    sent_before_now(p for p in inbox.rglob("*") if p.is_file())
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    env["JOINEDUP_HOME"] = str(home)
    command = [
        str(Path(sys.executable).parent / "joinedup"),
        "run",
        "--scenario",
        "nhs-england",
        "--inbox",
        str(inbox),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(home / OUTPUT / "warehouse" / "joinedup.duckdb"), read_only=True)
    yield (
        con,
        {
            "ae": [line.split(",") for line in ae],
            "dtoc": list(csv.reader(dtoc)),
            "staff": staff,
            "site": home / OUTPUT / "site",
            "output": done.stdout,
        },
    )
    con.close()


def _rows(con, sql: str, parameters: list | None = None) -> list[tuple]:
    return con.execute(sql, parameters or []).fetchall()


def test_every_row_of_every_file_is_loaded_or_quarantined_with_its_reason(scenario):
    con, sliced = scenario
    type_1 = sum(1 for row in sliced["ae"] if row[2] == "1")
    other_types = len(sliced["ae"]) - type_1
    authority_months = len(sliced["dtoc"])
    groups = {(row[0], row[1], row[3]) for row in sliced["staff"]}
    ccg_groups = sum(1 for group in groups if group[1] == CCG)
    log = {
        (kind, name.split("/")[-1]): counts
        for kind, name, *counts in _rows(
            con,
            "select submission_type, file_name, rows_received, rows_loaded, rows_quarantined "
            "from audit.load_log where status = 'validated'",
        )
    }
    assert log == {
        # three contract rows (4-hour, attendances, admissions) per type 1 row; other departments out of scope
        ("outcomes", "ae_attendances.csv"): [3 * type_1 + other_types, 3 * type_1, other_types],
        ("targets", "ae_attendances.csv"): [type_1 + other_types, type_1, other_types],
        # one row per figure (NHS, social care, both); Poole's April 2019 figures are '-' (none given)
        ("outcomes", "DToC_Days_Responsible_Organisation.csv"): [
            3 * authority_months,
            3 * authority_months - 3,
            3,
        ],
        # nationalities summed per organisation, staff group and month; the CCG is not a partner
        ("workforce", STAFF.name): [len(groups), len(groups) - ccg_groups, ccg_groups],
    }
    assert accounting_gaps(con).is_empty()
    assert _rows(
        con,
        "select distinct rule, meaning like 'only type 1%' from audit.quarantine "
        "where submission_type = 'outcomes' and file_name like '%ae_attendances.csv'",
    ) == [("not_in_scope", True)]
    assert _rows(con, "select distinct value from audit.quarantine where rule = 'known_partner'") == [(CCG,)]
    # held back, and not judged as a partner's return (marts.partner_data_quality refers to dim_partner)
    assert _rows(con, "select count(*) from marts.partner_data_quality where partner_code = ?", [CCG]) == [
        (0,)
    ]
    poole = 2 + sliced["dtoc"].index(["Poole", "-", "-", "-", "April 2019"])  # the header is line 1
    assert _rows(
        con,
        "select sheet_name, row_number, rule from audit.quarantine "
        "where file_name like '%DToC%' order by sheet_name",
    ) == [("[Both]", poole, "required"), ("[NHS]", poole, "required"), ("[Social Care]", poole, "required")]


def test_a_trusts_four_hour_performance_is_the_published_figure(scenario):
    con, _ = scenario
    # ae_attendances.csv: 2018-03-01,RF4,1,21452.0,6495.0,5144.0 -> (21452 - 6495) / 21452 = 69.723 %
    assert _rows(
        con,
        "select numerator, denominator, actual, target, rag from marts.fct_measure_period "
        "where service_code = 'UEC-RF4' and measure_code = 'AE_4HR' "
        "and period = '2018-03-01'",
    ) == [(14957.0, 21452.0, pytest.approx(100 * 14957 / 21452), 95.0, "red")]
    assert _rows(
        con,
        "select measure_code, actual from marts.fct_measure_period "
        "where service_code = 'UEC-RF4' and period = '2018-03-01' "
        "and measure_code <> 'AE_4HR' order by 1",
    ) == [("AE_ADMISSIONS", 5144.0), ("AE_ATTENDANCES", 21452.0)]
    assert ("RF4", "AE_4HR") in _rows(
        con, "select accountable_partner_code, measure_code from marts.accountable_red_measures"
    )


def test_englands_delayed_days_are_the_published_national_figure(scenario):
    con, _ = scenario
    # DToC_Days_Responsible_Organisation.csv: "England","83023","35781","11969","April 2019"; the reason
    # file's England total for April 2019 is 130773 = 83023 + 35781 + 11969
    assert _rows(
        con,
        "select sum(actual) from marts.fct_measure_period "
        "where service_code = 'HD-E92000001' and period = '2019-04-01'",
    ) == [(130773.0,)]
    # kept as a reference of its own: it is more than the authorities' sum (it counts residents elsewhere)
    assert _rows(
        con, "select service_kind from seeds.joint_services where service_code = 'HD-E92000001'"
    ) == [("hospital_discharge_england",)]


def test_the_accountability_view_splits_delays_between_nhs_and_social_care(scenario):
    con, _ = scenario
    # "Derby","306","44","30","April 2019"
    assert _rows(
        con,
        "select measure_code, partner_code, accountable_partner_code, is_accountable, "
        "service_actual from marts.accountability "
        "where service_code = 'HD-E06000015' and period = '2019-04-01' order by 1",
    ) == [
        ("DTOC_BOTH", "E06000015", "E06000015", True, 30.0),
        ("DTOC_NHS", "E06000015-NHS", "E06000015-NHS", True, 306.0),
        ("DTOC_SOCIAL_CARE", "E06000015", "E06000015", True, 44.0),
    ]


def test_workforce_is_summed_over_nationality_and_its_sparse_months_are_counted(scenario):
    con, sliced = scenario
    nurses = defaultdict(float)
    for month, organisation, _, group, _, fte in sliced["staff"]:
        if organisation == "RF4" and group == "Nurses & health visitors":
            nurses[month] += fte
    assert _rows(
        con,
        "select period, contracted_fte from validated.workforce "
        "where partner_code = 'RF4' and staff_group_code = 'NURSES' order by period",
    ) == [
        (date(2017, 9, 1), pytest.approx(nurses["2017-SEP"])),
        (date(2018, 6, 1), pytest.approx(nurses["2018-JUN"])),
    ]
    # RF4 reported all 15 months of the slice; RW3 six, until it merged into R0A in October 2017
    assert _rows(
        con,
        "select service_code, months_with_outcomes, months_with_workforce "
        "from intermediate.int_service_workforce_coverage "
        "where service_code in ('UEC-RF4', 'UEC-RW3') order by 1",
    ) == [("UEC-RF4", 15, 2), ("UEC-RW3", 6, 1)]


def test_scorecards_render_for_real_trusts_and_authorities(scenario):
    _, sliced = scenario
    assert "Barking, Havering and Redbridge" in (sliced["site"] / "services" / "uec-rf4.html").read_text()
    assert "Derby hospital discharge" in (sliced["site"] / "services" / "hd-e06000015.html").read_text()
    assert "succeeded" in sliced["output"]


def test_official_publications_are_never_judged_late(scenario):
    con, _ = scenario
    # the publications came out long after the months they cover: read as partner returns, every one
    # would be past its deadline
    sent = _rows(con, "select min(submitted_on) from audit.load_log where mapping like 'sources/%'")[0][0]
    first = _rows(con, "select min(period) from validated.outcomes")[0][0]
    assert (sent - first).days > 60
    quality = load_quality(con)
    assert [row["late"] for row in quality.partners] == [0] * len(quality.partners)
    assert not [r for service in quality.services.values() for late in service.late.values() for r in late]


def test_only_the_returns_the_scenario_owes_are_overdue_and_publications_are_named(scenario):
    con, _ = scenario
    quality = load_quality(con)
    # scenario.yaml: outcomes and targets of the A&E trusts to March 2019, outcomes of the delayed
    # transfers to December 2019; the workforce snapshots and the finance no publication gives are owed
    # by nobody
    assert {r["submission_type"] for r in quality.overdue} <= {"outcomes", "targets"}
    assert max(r["period"] for r in quality.overdue) <= date(2019, 12, 1)
    assert max(r["period"] for r in quality.overdue if r["partner_code"] in TRUSTS) <= date(2019, 3, 1)
    assert sorted(
        (r["publication_name"], r["publisher"]) for r in quality.partners if r["partner_code"] is None
    ) == [
        ("A&E attendances and emergency admissions", "NHS England"),
        ("Delayed transfers of care by responsible organisation", "NHS England"),
        ("HCHS staff FTE by staff group and organisation", "NHS Digital"),
    ]
