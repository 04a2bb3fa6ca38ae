"""A small partnership for the scorecard site, built by the real SQL models, SPC and association assets.

Kind K: S1 (a nasty name; partners P1, with a nasty name, and P3) and S2 (P2), January 2024 to
December 2025. S1's rate falls 0.5 points for each point of vacancy rate (so the association page
has a finding), is rebased in March 2025 (10 points after it: too few for limits), and in December
2025 only P1 reported it (data incomplete), in a resubmission (restated). One S1 row was
quarantined. S2's last quarter of outcomes came late; its LOW is red every month. Kind J: S3,
three months of one count, with no cost, workforce or target.
"""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb

from assets.association.assets import workforce_outcome_association_asset
from assets.forecast.assets import measure_forecast_asset
from assets.models.spc_assets import measure_spc_asset
from tests.conftest import model_resources
from tests.sql_fixtures import build_warehouse, outcome

NASTY = '<script>alert(1)</script> & "quotes"'
S1_NAME = f"Sunny {NASTY}"
P1_NAME = f"{NASTY} Trust"
BAD_FILE = "<img src=x onerror=alert(1)>.csv"
MONTHS = [date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 25)]
LATEST = MONTHS[-1]
REBASE = date(2025, 3, 1)

SEEDS: dict[str, list[tuple]] = {
    "service_kinds": [("K", "Kind K"), ("J", "Kind J")],
    "joint_services": [
        ("S1", S1_NAME, "K", "Area A", "2024-01-01", "P1"),
        ("S2", "Second service", "K", "Area B", "2024-01-01", "P2"),
        ("S3", "Third service", "J", "Area A", "2025-10-01", "P2"),
    ],
    "partners": [
        ("P1", P1_NAME, "NHS", "Area A"),
        ("P2", "Council", "local authority", "Area B"),
        ("P3", "Charity", "voluntary", "Area A"),
    ],
    "service_partners": [
        ("S1", "P1", "lead"),
        ("S1", "P3", "contributor"),
        ("S2", "P2", "lead"),
        ("S3", "P2", "lead"),
    ],
    "measures": [
        ("OUT", "Output", "K", "count", "count", "higher_is_better", "activity", True, "d"),
        ("RATE", "Rate", "K", "percent", "rate", "higher_is_better", "outcome", False, "d"),
        ("LOW", "Low", "K", "percent", "rate", "lower_is_better", "quality_of_effort", False, "d"),
        ("CNT", "Count", "J", "count", "count", "higher_is_better", "activity", True, "d"),
    ],
    "service_measures": [
        ("S1", "OUT", "P1"),
        ("S1", "RATE", "P1"),
        ("S1", "LOW", "P3"),
        ("S2", "OUT", "P2"),
        ("S2", "RATE", "P2"),
        ("S2", "LOW", "P2"),
        ("S3", "CNT", "P2"),
    ],
    "staff_groups": [("NURSE", "Nurse", "nursing"), ("CARE_WORKER", "Care <b>worker</b>", "social care")],
    "measure_rules": [
        ("OUT", "year_to_date", 1.0),
        ("RATE", "month", 2.0),
        ("LOW", "month", 1.0),
        ("CNT", "month", 1.0),
    ],
    "annual_targets": [],
    "spc_rebases": [("S1", "RATE", REBASE.isoformat(), "New model")],
    "staff_allocations": [],
    # every partner owes every type, every month
    "returns_owed": [
        (kind, None, None, None, None) for kind in ("targets", "outcomes", "workforce", "finance")
    ],
}


def s1_vacant(m: int) -> float:
    """P1 nurses' vacant FTE in S1 in month m (1-24)."""
    return float(1 + (m * 3) % 7)


def s2_vacant(m: int) -> float:
    """P2 nurses' vacant FTE in S2 in month m."""
    return float((m * 5) % 6)


def s1_vacancy_rate(m: int) -> float:
    """S1's vacancy rate: P1 nurses 9 FTE + vacant, P3 nurses 6 FTE, P3 care workers 3 FTE."""
    return 100 * s1_vacant(m) / (18 + s1_vacant(m))


def s1_rate(m: int) -> float:
    """S1's rate in month m: 80 less half a point per point of vacancy, and a little noise."""
    return 80 - 0.5 * s1_vacancy_rate(m) + ((m * 7) % 5 - 2) * 0.1


def s2_rate(m: int) -> float:
    """S2's rate in month m."""
    return 76 - 0.5 * 100 * s2_vacant(m) / (8 + s2_vacant(m)) + ((m * 3) % 5 - 2) * 0.1


def _outcomes() -> list[dict]:
    rows = []
    for m, period in enumerate(MONTHS, start=1):
        latest = period == LATEST
        if latest:  # P1 resubmitted December; P3 did not report it
            rows += [
                outcome(
                    "P1", "S1", "RATE", period, 10.0, 100.0, file="p1_dec", submitted_on=date(2026, 1, 5)
                ),
                outcome(
                    "P1",
                    "S1",
                    "RATE",
                    period,
                    s1_rate(m),
                    100.0,
                    file="p1_dec_resub",
                    submitted_on=date(2026, 1, 12),
                ),
            ]
        else:
            rows += [
                outcome("P1", "S1", "RATE", period, s1_rate(m), 100.0),
                outcome("P3", "S1", "RATE", period, s1_rate(m) / 2, 50.0),
            ]
        s2_file = {"file": "s2_q3", "submitted_on": date(2026, 2, 20)} if m > 21 else {}
        rows += [
            outcome("P3", "S1", "LOW", period, 10.0 + m % 3, 100.0),
            outcome("P1", "S1", "OUT", period, value=100.0 + m),
            outcome("P3", "S1", "OUT", period, value=20.0),
            outcome("P2", "S2", "RATE", period, s2_rate(m), 100.0, **s2_file),
            outcome("P2", "S2", "LOW", period, 15.0, 100.0, **s2_file),  # red: 15 > 12 + 2
            outcome("P2", "S2", "OUT", period, value=150.0, **s2_file),
        ]
    rows += [outcome("P2", "S3", "CNT", period, value=40.0 + 2 * i) for i, period in enumerate(MONTHS[-3:])]
    return rows


def _targets() -> list[dict]:
    rows = []
    for period in MONTHS:
        for service, partner in (("S1", "P1"), ("S2", "P2")):
            rows += [
                dict(
                    partner_code=partner,
                    service_code=service,
                    measure_code="RATE",
                    period=period,
                    target_value=70.0,
                    tolerance=5.0,
                ),
                dict(
                    partner_code=partner,
                    service_code=service,
                    measure_code="LOW",
                    period=period,
                    target_value=12.0,
                    tolerance=2.0,
                ),
                dict(
                    partner_code=partner,
                    service_code=service,
                    measure_code="OUT",
                    period=period,
                    target_value=110.0 if service == "S1" else 140.0,
                    tolerance=5.0,
                ),
            ]
    return rows


def _finance() -> list[dict]:
    return [
        dict(partner_code=partner, service_code=service, period=period, pay_cost=pay, non_pay_cost=non_pay)
        for period in MONTHS
        for partner, service, pay, non_pay in (
            ("P1", "S1", 9000.0, 1000.0),
            ("P3", "S1", 2000.0, 0.0),
            ("P2", "S2", 12000.0, 1000.0),
        )
    ]


def _staff(partner, service, group, period, headcount, fte, vacant, pay_per_fte) -> dict:
    # sickness and agency vary a little: a staffing measure constant within a service cannot be
    # told apart from the service itself by the fixed-effects regression
    return dict(
        partner_code=partner,
        service_code=service,
        staff_group_code=group,
        period=period,
        headcount=headcount,
        contracted_fte=fte,
        vacant_fte=vacant,
        leavers=0.0,
        sickness_days_lost=4.0 + period.month % 3,
        available_days=200.0,
        agency_fte=float(period.month % 2),
        training_hours=10.0,
        pay_bill=fte * pay_per_fte,
    )


def _workforce() -> list[dict]:
    rows = []
    for m, period in enumerate(MONTHS, start=1):
        rows += [
            _staff("P1", "S1", "NURSE", period, 10.0, 9.0, s1_vacant(m), 3000.0),
            _staff("P3", "S1", "NURSE", period, 6.0, 6.0, 0.0, 2500.0),
            _staff("P3", "S1", "CARE_WORKER", period, 3.0, 3.0, 0.0, 2000.0),
            _staff("P2", "S2", "NURSE", period, 8.0, 8.0, s2_vacant(m), 2800.0),
        ]
    return rows


def _audit(con: duckdb.DuckDBPyConnection) -> None:
    """One quarantined S1 row in P1's file, P2's late file in the load log, one rejected file."""
    at = datetime(2026, 2, 21)
    con.execute(
        "insert into raw.outcomes (partner_code, service_code, measure_code, period, numerator, "
        "denominator, file_hash, file_name, row_number, file_partner_code, submitted_on, loaded_at) "
        "values ('P1', 's1 ', 'rate', '2025-11', '<script>alert(1)</script>', '100', 'p1_bad', "
        "'p1_bad.csv', 7, 'P1', '2025-12-10', ?)",
        [at],
    )
    con.execute(
        "insert into audit.quarantine (file_hash, file_name, submission_type, row_number, column_name, "
        "rule, value, meaning, quarantined_at) values ('p1_bad', 'p1_bad.csv', 'outcomes', 7, "
        "'numerator', 'numeric', '<script>alert(1)</script>', 'must be a number', ?)",
        [at],
    )
    con.executemany(
        "insert into audit.load_log (file_hash, submission_type, file_name, partner_code, submitted_on, "
        "rows_received, rows_loaded, rows_quarantined, status, ingested_at) "
        "values (?, 'outcomes', ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("p1_bad", "p1_bad.csv", "P1", date(2025, 12, 10), 1, 0, 1, "validated", at),
            ("s2_q3", "s2_q3.csv", "P2", date(2026, 2, 20), 9, 9, 0, "validated", at),
            ("bad", BAD_FILE, "P3", date(2026, 2, 1), None, None, None, "rejected", at),
        ],
    )
    con.execute(
        "insert into audit.rejected_files (file_hash, submission_type, file_name, partner_code, rule, "
        "reason, rejected_at) values ('bad', 'outcomes', ?, 'P3', 'unreadable_file', "
        "'the file holds binary data', ?)",
        [BAD_FILE, at],
    )


def build_site_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """Return a connection to the partnership's warehouse, every mart built as the nightly job builds it."""
    # the audit is written before the models, as ingest writes it: lateness is judged from the load log
    con = build_warehouse(
        path,
        SEEDS,
        {"outcomes": _outcomes(), "targets": _targets(), "finance": _finance(), "workforce": _workforce()},
        _audit,
    )
    con.close()
    result = dg.materialize(
        [measure_spc_asset(), workforce_outcome_association_asset(), measure_forecast_asset()],
        resources=model_resources(path),
    )
    assert result.success
    return duckdb.connect(str(path))


class _Tiles(HTMLParser):
    """Collects each headline tile's fields: text and data-value, by measure code."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: dict[str, dict[str, str]] = {}
        self.measure: str | None = None
        self.field: str | None = None
        self.depth = 0  # open elements inside the current field

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article" and "data-measure" in attrs:
            self.measure = attrs["data-measure"]
            self.tiles[self.measure] = {}
        elif self.field is not None:
            self.depth += 1
        elif self.measure is not None and "data-field" in attrs:
            self.field = attrs["data-field"]
            self.tiles[self.measure][self.field] = ""
            if "data-value" in attrs:
                self.tiles[self.measure][self.field + "_value"] = attrs["data-value"]

    def handle_endtag(self, tag):
        if self.field is not None:
            assert self.measure is not None  # a field is opened only inside a measure's tile
            if self.depth == 0:
                self.tiles[self.measure][self.field] = " ".join(self.tiles[self.measure][self.field].split())
                self.field = None
            else:
                self.depth -= 1
        elif tag == "article":
            self.measure = None

    def handle_data(self, data):
        if self.field is not None:
            assert self.measure is not None
            self.tiles[self.measure][self.field] += data


def page_tiles(html: str) -> dict[str, dict[str, str]]:
    """Each headline tile of a service page by measure code: every data-field's text and data-value."""
    parser = _Tiles()
    parser.feed(html)
    return parser.tiles


TILES_SQL = """
    select f.measure_code, f.assessed_actual, f.assessed_target, f.rag, m.unit, p.partner_name,
           s.variation, s.assurance
    from marts.fct_measure_period as f
    join marts.dim_measure as m using (measure_code)
    left join marts.dim_partner as p on p.partner_code = f.accountable_partner_code
    left join marts.measure_spc_status as s using (service_code, measure_code)
    where f.service_code = $code
      and f.period = (select max(period) from marts.fct_measure_period where service_code = $code)
"""


def expected_tiles(con: duckdb.DuckDBPyConnection, service_code: str) -> dict[str, dict[str, str]]:
    """What each headline tile of a service must say, worked out from the marts alone."""

    def figure(value: float | None, unit: str) -> str:
        if value is None:
            return "—"
        return {"percent": f"{value:,.1f}%", "rate_per_1000": f"{value:,.1f} per 1,000"}.get(
            unit, f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
        )

    tiles = {}
    for measure, actual, target, rag, unit, partner, variation, assurance in con.execute(
        TILES_SQL, {"code": service_code}
    ).fetchall():
        tiles[measure] = {
            "actual": figure(actual, unit),
            "target": figure(target, unit),
            "actual_value": "" if actual is None else repr(round(actual, 9)),
            "rag": rag[:1].upper() + rag[1:],
            "variation": (variation or "no limits yet").capitalize().replace("cause ", "cause: "),
            "assurance": (assurance or "not assessed").capitalize(),
            "accountable": partner,
        }
    return tiles
