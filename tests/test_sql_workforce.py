"""Workforce rollups, shared-staff allocation, pay parity and accountability on hand-worked figures.

Service W1 (partners LA, NHS, VCS) and W2 (VCS), kind K, January 2024:
- LA social workers: headcount 10, FTE 10, vacant 2, pay bill £35,000 a month (£42,000 a year per FTE)
- NHS social workers: headcount 6, FTE 5, pay bill £20,000 (£48,000)
- NHS nurses: headcount 4, FTE 4, pay bill £12,000 (£36,000) - a group too small to show
- VCS care workers reported under W1, headcount and FTE 10, pay bill £20,000, working 60 % in W1
  and 40 % in W2 (seeds.staff_allocations)
Outcomes: RATE (accountable NHS) LA 30/40 + NHS 30/60 in November 2023 (60 %, green against 50),
LA 10/40 + NHS 10/60 in December (20 %, red) and LA 30/40 + NHS 10/60 in January (40 %, red);
OUT 500 a month from LA in W1, 100 from VCS in W2 in January.
"""

from datetime import date

import pytest

from tests.sql_fixtures import build_warehouse, outcome

NOV, DEC, JAN = date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1)
SEEDS: dict[str, list[tuple]] = {
    "service_kinds": [("K", "Kind K")],
    "joint_services": [
        ("W1", "Service W1", "K", "Area", "2023-11-01", "NHS"),
        ("W2", "Service W2", "K", "Area", "2023-11-01", "VCS"),
    ],
    "partners": [
        ("LA", "Council", "local authority", "Area"),
        ("NHS", "Trust", "NHS", "Area"),
        ("VCS", "Charity", "voluntary", "Area"),
    ],
    "service_partners": [
        ("W1", "LA", "contributor"),
        ("W1", "NHS", "lead"),
        ("W1", "VCS", "contributor"),
        ("W2", "VCS", "lead"),
    ],
    "measures": [
        ("OUT", "Output", "K", "count", "count", "higher_is_better", "activity", True, "d"),
        ("RATE", "Rate", "K", "percent", "rate", "higher_is_better", "outcome", False, "d"),
    ],
    "service_measures": [("W1", "OUT", "LA"), ("W1", "RATE", "NHS"), ("W2", "OUT", "VCS")],
    "staff_groups": [
        ("SOCIAL_WORKER", "Social worker", "social work"),
        ("NURSE", "Nurse", "nursing"),
        ("CARE_WORKER", "Care worker", "social care"),
    ],
    "measure_rules": [],
    "annual_targets": [],
    "spc_rebases": [],
    "staff_allocations": [("VCS", "CARE_WORKER", "W1", "W1", 0.6), ("VCS", "CARE_WORKER", "W1", "W2", 0.4)],
}


def staff(partner, group, headcount, fte, vacant, pay_bill) -> dict:
    return dict(
        partner_code=partner,
        service_code="W1",
        staff_group_code=group,
        period=JAN,
        headcount=headcount,
        contracted_fte=fte,
        vacant_fte=vacant,
        leavers=0.0,
        sickness_days_lost=0.0,
        available_days=20.0 * fte,
        agency_fte=0.0,
        training_hours=0.0,
        pay_bill=pay_bill,
    )


WORKFORCE = [
    staff("LA", "SOCIAL_WORKER", 10.0, 10.0, 2.0, 35000.0),
    staff("NHS", "SOCIAL_WORKER", 6.0, 5.0, 0.0, 20000.0),
    staff("NHS", "NURSE", 4.0, 4.0, 0.0, 12000.0),
    staff("VCS", "CARE_WORKER", 10.0, 10.0, 0.0, 20000.0),
]
OUTCOMES = [
    outcome("LA", "W1", "RATE", NOV, 30.0, 40.0),
    outcome("NHS", "W1", "RATE", NOV, 30.0, 60.0),
    outcome("LA", "W1", "RATE", DEC, 10.0, 40.0),
    outcome("NHS", "W1", "RATE", DEC, 10.0, 60.0),
    outcome("LA", "W1", "RATE", JAN, 30.0, 40.0),
    outcome("NHS", "W1", "RATE", JAN, 10.0, 60.0),
    *[outcome("LA", "W1", "OUT", m, value=500.0) for m in (NOV, DEC, JAN)],
    outcome("VCS", "W2", "OUT", JAN, value=100.0),
]
TARGETS = [
    dict(
        partner_code="NHS", service_code="W1", measure_code="RATE", period=m, target_value=50.0, tolerance=0.0
    )
    for m in (NOV, DEC, JAN)
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = build_warehouse(
        tmp_path_factory.mktemp("workforce") / "w.duckdb",
        SEEDS,
        {"outcomes": OUTCOMES, "targets": TARGETS, "workforce": WORKFORCE},
    )
    yield connection
    connection.close()


def rows(con, sql, params=()):
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def test_shared_staff_are_allocated_and_add_back_up(con):
    care = rows(
        con,
        "select service_code, headcount, contracted_fte, pay_bill "
        "from intermediate.int_workforce_allocated where staff_group_code = 'CARE_WORKER' "
        "order by service_code",
    )
    assert care == [
        {"service_code": "W1", "headcount": 6.0, "contracted_fte": 6.0, "pay_bill": 12000.0},
        {"service_code": "W2", "headcount": 4.0, "contracted_fte": 4.0, "pay_bill": 8000.0},
    ]
    (total,) = con.execute(
        "select sum(contracted_fte) from intermediate.int_workforce_allocated where partner_code = 'VCS'"
    ).fetchone()
    assert total == 10.0  # what the employer reported


def test_service_and_partnership_rollups(con):
    (w1,) = rows(con, "select * from marts.fct_workforce_service_period where service_code = 'W1'")
    # FTE 10 + 5 + 4 + 6 = 25; vacancy 2 / (25 + 2); staff per 1,000 units 1,000 × 25 / 500
    assert w1["contracted_fte"] == pytest.approx(25.0)
    assert w1["vacancy_rate"] == pytest.approx(100 * 2 / 27)
    assert w1["staff_per_1000_units"] == pytest.approx(50.0)
    # pay: 12 × (35,000 + 20,000 + 12,000 + 12,000) / 25
    assert w1["mean_annual_pay_per_fte"] == pytest.approx(12 * 79000 / 25)
    (w2,) = rows(con, "select * from marts.fct_workforce_service_period where service_code = 'W2'")
    assert w2["staff_per_1000_units"] == pytest.approx(40.0)  # 1,000 × 4 / 100
    (area,) = rows(con, "select * from marts.fct_workforce_partnership_period")
    assert (area["contracted_fte"], area["vacancy_rate"]) == (pytest.approx(29.0), pytest.approx(200 / 31))


def test_pay_gap_between_employers_of_the_same_staff_group(con):
    (gap,) = rows(
        con, "select * from marts.pay_parity where comparison = 'same staff group, different employers'"
    )
    assert (gap["service_code"], gap["staff_group_code"]) == ("W1", "SOCIAL_WORKER")
    assert (gap["higher_paid"], gap["lower_paid"]) == ("NHS", "LA")
    assert (gap["higher_pay_per_fte"], gap["lower_pay_per_fte"]) == (48000.0, 42000.0)
    assert gap["gap_pounds"] == 6000.0
    assert gap["gap_pct"] == pytest.approx(100 * 6000 / 42000)
    assert (gap["fte_affected"], gap["is_suppressed"]) == (10.0, False)


def test_pay_spread_across_professions_with_small_groups_suppressed(con):
    pairs = {
        (r["higher_paid"], r["lower_paid"]): r
        for r in rows(con, "select * from marts.pay_parity where comparison = 'different professions'")
    }
    assert set(pairs) == {
        ("social work", "nursing"),
        ("social work", "social care"),
        ("nursing", "social care"),
    }
    # social work: 12 × 55,000 / 15 = 44,000; social care (the W1 share): 12 × 12,000 / 6 = 24,000
    work_care = pairs[("social work", "social care")]
    assert (work_care["gap_pounds"], work_care["fte_affected"]) == (20000.0, 6.0)
    assert work_care["gap_pct"] == pytest.approx(100 * 20000 / 24000)
    for pair in (("social work", "nursing"), ("nursing", "social care")):  # 4 nurses
        assert pairs[pair]["is_suppressed"] is True
        assert pairs[pair]["gap_pounds"] is None and pairs[pair]["higher_pay_per_fte"] is None


def test_accountability_shares_and_partner_results(con):
    by_partner = {
        r["partner_code"]: r
        for r in rows(
            con, "select * from marts.accountability where measure_code = 'RATE' and period = ?", (JAN,)
        )
    }
    nhs, la = by_partner["NHS"], by_partner["LA"]
    assert (nhs["is_accountable"], la["is_accountable"]) == (True, False)
    assert (la["share_of_denominator"], nhs["share_of_denominator"]) == (40.0, 60.0)
    assert (la["share_of_numerator"], nhs["share_of_numerator"]) == (75.0, 25.0)
    assert (la["partner_rate"], la["partner_attainment_pct"]) == (75.0, 150.0)
    assert nhs["partner_rate"] == pytest.approx(100 / 6)
    assert nhs["partner_attainment_pct"] == pytest.approx(100 * (100 / 6) / 50)
    assert (nhs["service_actual"], nhs["service_rag"]) == (40.0, "red")
    (out,) = rows(
        con,
        "select * from marts.accountability where measure_code = 'OUT' "
        "and service_code = 'W1' and period = ?",
        (JAN,),
    )
    assert (out["share_of_value"], out["partner_rate"]) == (100.0, None)


def test_red_list_per_accountable_partner(con):
    # two months of a series are too few for SPC limits: no variation, no assurance
    assert rows(con, "select * from marts.accountable_red_measures") == [
        {
            "service_code": "W1",
            "service_name": "Service W1",
            "measure_code": "RATE",
            "measure_name": "Rate",
            "accountable_partner_code": "NHS",
            "accountable_partner_name": "Trust",
            "months_red": 2,
            "red_since": DEC,
            "latest_period": JAN,
            "latest_actual": 40.0,
            "latest_target": 50.0,
            "variation": None,
            "assurance": None,
        }
    ]
