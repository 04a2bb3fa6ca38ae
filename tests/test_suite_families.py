"""One case per family of submission rules: a hand-made file that breaks it, and one that passes."""

from dataclasses import dataclass

import polars as pl
import pytest

from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.validate.reference import PARAMETER_QUERIES
from assets.validate.suites import run_suite, suite_spec
from tests.ingest_fixtures import HEADERS, drop, ingest_and_validate, rows, seeded_warehouse

NURSES = "P1,S1,2024-01,NURSE,10,9,1,0,{sick},{available},0,5,30000\n"


@dataclass(frozen=True)
class Case:
    """A rule, the row (last in the file) that breaks it, and a file of the same shape that passes."""

    kind: str
    rule: str
    breaks: str
    passes: str
    severity: str = "critical"
    submitted: str = "20240310"
    partner: str = "P1"

    def file_name(self, number: int) -> str:
        """Return the name of this case's file (the partner and date come first, as the contract says)."""
        return f"{self.partner}_{self.submitted}_{number}.csv"


CASES = [
    Case("outcomes", "required", "P1,S1,RATE,2024-01,,40,,\n", "P1,S1,RATE,2024-01,30,40,,\n"),
    Case("outcomes", "not_a_number", "P1,S1,OUT,2024-01,,,lots,\n", 'P1,S1,OUT,2024-01,,,"1,200",\n'),
    Case("outcomes", "bad_period", "P1,S1,OUT,January,,,4,\n", "P1,S1,OUT,Jan-24,,,4,\n"),
    Case("outcomes", "known_partner", "PX,S1,OUT,2024-01,,,4,\n", "P1,S1,OUT,2024-01,,,4,\n"),
    Case("outcomes", "known_service", "P1,SX,OUT,2024-01,,,4,\n", "P1,S1,OUT,2024-01,,,4,\n"),
    Case("outcomes", "known_measure", "P1,S1,NOPE,2024-01,,,4,\n", "P1,S1,OUT,2024-01,,,4,\n"),
    Case("outcomes", "partner_matches_file", "P2,S1,OUT,2024-01,,,4,\n", "P1,S1,OUT,2024-01,,,4,\n"),
    Case("outcomes", "partner_in_service", "P1,S2,OUT,2024-01,,,4,\n", "P1,S1,OUT,2024-01,,,4,\n"),
    Case("outcomes", "non_negative", "P1,S1,OUT,2024-01,,,-3,\n", "P1,S1,OUT,2024-01,,,0,\n"),
    Case(
        "outcomes", "numerator_le_denominator", "P1,S1,LOW,2024-01,60,50,,\n", "P1,S1,LOW,2024-01,50,50,,\n"
    ),
    Case("outcomes", "period_in_future", "P1,S1,OUT,2024-04,,,4,\n", "P1,S1,OUT,2024-03,,,4,\n"),
    Case("outcomes", "period_in_service_life", "P1,S1,OUT,2023-12,,,4,\n", "P1,S1,OUT,2024-01,,,4,\n"),
    Case(
        "outcomes",
        "duplicate_key",
        "P1,S1,OUT,2024-01,,,4,\nP1,S1,OUT,2024-01,,,5,\n",
        "P1,S1,OUT,2024-01,,,4,\nP1,S1,OUT,2024-02,,,5,\n",
    ),
    # P2's rate may move 50 % of the larger month: 75 % -> 25 % moves 66.7 %, 75 % -> 87.5 % moves 14.3 %
    Case(
        "outcomes",
        "plausible_monthly_change",
        "P2,S1,RATE,2024-01,30,40,,\nP2,S1,RATE,2024-02,10,40,,\n",
        "P2,S1,RATE,2024-01,30,40,,\nP2,S1,RATE,2024-02,35,40,,\n",
        severity="warning",
        partner="P2",
    ),
    # absurd figures: above the partnership's ceilings (seeds.figure_ceilings), 1e309 is read as infinity
    Case("outcomes", "plausible_range", "P1,S1,OUT,2024-01,,,1e15,\n", "P1,S1,OUT,2024-01,,,900000,\n"),
    Case("outcomes", "plausible_range", "P1,S1,RATE,2024-01,30,1e309,,\n", "P1,S1,RATE,2024-01,30,1e6,,\n"),
    Case("outcomes", "plausible_range", "P1,S1,LOW,2024-01,1e308,1e308,,\n", "P1,S1,LOW,2024-01,0,1e7,,\n"),
    Case(
        "targets",
        "plausible_range",
        "P1,S1,OUT,2024-01,1e308,5\n",
        "P1,S1,OUT,2024-01,1e7,5\n",
        submitted="20231201",
    ),
    Case(
        "targets",
        "plausible_range",
        "P1,S1,OUT,2024-01,100,1e400\n",
        "P1,S1,OUT,2024-01,100,1e3\n",
        submitted="20231201",
    ),
    Case("outcomes", "not_a_number", "P1,S1,OUT,2024-01,,,inf,\n", "P1,S1,OUT,2024-01,,,-0,\n"),
    Case(
        "workforce",
        "plausible_range",
        "P1,S1,2024-01,NURSE,1,1,0,0,0,20,0,0,1e308\n",
        "P1,S1,2024-01,NURSE,1,1,0,0,0,20,0,0,1e9\n",
    ),
    Case(
        "workforce",
        "plausible_range",
        "P1,S1,2024-01,NURSE,1e15,1,0,0,0,20,0,0,2000\n",
        "P1,S1,2024-01,NURSE,100000,1,0,0,0,20,0,0,2000\n",
    ),
    Case("finance", "plausible_range", "P1,S1,2024-01,1e15,100\n", "P1,S1,2024-01,999999999,100\n"),
    Case(
        "targets",
        "percent_in_range",
        "P1,S1,RATE,2024-01,120,5\n",
        "P1,S1,RATE,2024-01,100,5\n",
        submitted="20231201",
    ),
    Case(
        "targets",
        "non_negative",
        "P1,S1,RATE,2024-01,85,-1\n",
        "P1,S1,RATE,2024-01,85,0\n",
        submitted="20231201",
    ),
    Case(
        "targets",
        "tolerance_given",
        "P1,S1,RATE,2024-01,85,\n",
        "P1,S1,RATE,2024-01,85,5\n",
        severity="warning",
        submitted="20231201",
    ),
    Case(
        "workforce",
        "known_staff_group",
        "P1,S1,2024-01,PORTER,1,1,0,0,0,20,0,0,2000\n",
        "P1,S1,2024-01,NURSE,1,1,0,0,0,20,0,0,2000\n",
    ),
    Case(
        "workforce",
        "sickness_le_available",
        NURSES.format(sick=30, available=20),
        NURSES.format(sick=20, available=20),
    ),
    Case(
        "workforce",
        "establishment_given",
        "P1,S1,2024-01,NURSE,0,0,0,0,0,0,0,0,0\n",
        "P1,S1,2024-01,NURSE,0,0,1,0,0,0,0,0,0\n",
        severity="warning",
    ),
    Case("finance", "required", "P1,S1,2024-01,5000,\n", "P1,S1,2024-01,5000,0\n"),
    Case("finance", "period_in_service_life", "P1,S1,2023-11,5000,100\n", "P1,S1,2024-01,5000,100\n"),
]


@pytest.fixture(scope="module")
def flagged(tmp_path_factory) -> dict[tuple[str, str], list[tuple]]:
    """Validate every case's breaking files in one warehouse per type and its passing files in another;
    return (breaks or passes, file name) -> its findings as (row, rule, severity)."""
    found: dict[tuple[str, str], list[tuple]] = {}
    for kind in HEADERS:
        for side in ("breaks", "passes"):
            home = tmp_path_factory.mktemp(f"{kind}_{side}")
            con = seeded_warehouse(home / "w.duckdb")
            for number, case in enumerate(CASES):
                if case.kind == kind:
                    drop(home / "inbox", kind, case.file_name(number), HEADERS[kind] + getattr(case, side))
            ingest_and_validate(con, home, kind)
            for file_name, *finding in rows(
                con,
                "select file_name, row_number, rule, 'critical' from audit.quarantine union all "
                "select file_name, row_number, rule, 'warning' from audit.warnings",
            ):
                found.setdefault((side, file_name), []).append(tuple(finding))
            con.close()
    return found


@pytest.mark.parametrize("number", range(len(CASES)), ids=[f"{c.kind}-{c.rule}" for c in CASES])
def test_a_file_breaking_the_rule_is_flagged_and_one_keeping_it_is_not(flagged, number):
    case = CASES[number]
    last_row = case.breaks.count("\n") + 1
    assert (last_row, case.rule, case.severity) in flagged.get(("breaks", case.file_name(number)), [])
    assert flagged.get(("passes", case.file_name(number)), []) == []


def test_a_figure_read_as_text_breaks_the_type_rule_that_guards_loaded_rows():
    """Typing cannot give text to a number column, so a typed frame is checked directly."""
    frame = pl.DataFrame(
        {
            "row_id": [0],
            "partner_code": ["P1"],
            "service_code": ["S1"],
            "period": ["2024-01"],
            "pay_cost": ["5000"],
            "non_pay_cost": [1.0],
        }
    )
    no_codes: dict[str, object] = dict.fromkeys(PARAMETER_QUERIES, []) | {
        f"ceiling_finance_{c}": 1e9 for c in ("pay_cost", "non_pay_cost")
    }
    typed = [
        r
        for r in run_suite(
            frame, suite_spec(PROJECT_EXPECTATIONS_DIR, "submission_finance"), no_codes
        ).findings.iter_rows(named=True)
        if r["rule"] == "typed"
    ]
    assert {(r["column_name"], r["severity"]) for r in typed} == {
        ("pay_cost", "critical"),
        ("period", "critical"),
    }
