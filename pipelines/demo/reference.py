"""Reference data for the demo partnerships: services, partners, measures and staff groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays
import polars as pl

NAMED_AREAS = [
    "Northshire",
    "Eastborough",
    "Westmere",
    "Southdale",
    "Midford",
    "Highcombe",
    "Lowfield",
    "Riverton",
    "Oakbury",
    "Ashgate",
    "Elmstead",
    "Kingsbridge",
]
# National demos go past the named areas: more names are made as stem + ending (40 x 25 = 1,000).
_STEMS = [
    "Amber",
    "Birch",
    "Cedar",
    "Dunham",
    "Ember",
    "Fairly",
    "Glen",
    "Hazel",
    "Ivy",
    "Juniper",
    "Kestrel",
    "Larch",
    "Maple",
    "Nether",
    "Orchard",
    "Pine",
    "Quarry",
    "Rowan",
    "Sallow",
    "Thorn",
    "Upton",
    "Vale",
    "Willow",
    "Yarrow",
    "Alder",
    "Bramble",
    "Clover",
    "Dale",
    "Fern",
    "Gorse",
    "Heath",
    "Iron",
    "Kings",
    "Linden",
    "Moss",
    "Norton",
    "Oxley",
    "Poplar",
    "Redmoor",
    "Sedge",
]
_ENDINGS = [
    "ford",
    "ham",
    "ton",
    "bury",
    "field",
    "wick",
    "ley",
    "stow",
    "by",
    "combe",
    "dale",
    "gate",
    "holm",
    "mere",
    "port",
    "shaw",
    "thorpe",
    "well",
    "worth",
    "brook",
    "cliffe",
    "den",
    "ing",
    "minster",
    "yard",
]
AREA_NAMES = NAMED_AREAS + [f"{stem}{ending}" for stem in _STEMS for ending in _ENDINGS]

SERVICE_KINDS = {
    "HD": ("hospital_discharge", "Hospital discharge and reablement"),
    "EH": ("early_help", "Children's early help"),
    "CMH": ("community_mental_health", "Community mental health"),
}

# (suffix, name template, sector)
PARTNER_TYPES = [
    ("ACUTE", "{area} Hospitals NHS Foundation Trust", "NHS"),
    ("MHT", "{area} Community and Mental Health NHS Trust", "NHS"),
    ("LA", "{area} Council", "local authority"),
    ("EDU", "{area} Learning Trust", "education"),
    ("VCS", "{area} Carers and Families Charity", "voluntary"),
    ("PRV", "{area} Home Care Ltd", "private"),
]

# service kind -> [(partner suffix, role)]; the first one leads.
SERVICE_MEMBERS = {
    "HD": [("ACUTE", "lead"), ("LA", "contributor"), ("PRV", "contributor"), ("VCS", "contributor")],
    "EH": [("LA", "lead"), ("EDU", "contributor"), ("VCS", "contributor"), ("MHT", "contributor")],
    "CMH": [("MHT", "lead"), ("LA", "contributor"), ("VCS", "contributor")],
}


@dataclass(frozen=True)
class Measure:
    code: str
    kind: str
    name: str
    unit: str
    value_type: str
    direction: str
    category: str
    is_output_unit: bool
    accountable: str
    description: str


MEASURES = [
    Measure(
        "HD_DISCHARGES",
        "HD",
        "People discharged with support",
        "count",
        "count",
        "higher_is_better",
        "activity",
        True,
        "ACUTE",
        "People discharged from hospital with a reablement or care package in the month.",
    ),
    Measure(
        "HD_SAME_DAY",
        "HD",
        "Discharged on the day they were ready",
        "percent",
        "rate",
        "higher_is_better",
        "quality_of_effort",
        False,
        "ACUTE",
        "Share of discharges that took place on the day the person was medically ready.",
    ),
    Measure(
        "HD_HOME_91",
        "HD",
        "Still at home 91 days after discharge",
        "percent",
        "rate",
        "higher_is_better",
        "outcome",
        False,
        "LA",
        "Share of people discharged to reablement who are still at home 91 days later.",
    ),
    Measure(
        "HD_READMIT_30",
        "HD",
        "Readmitted within 30 days",
        "percent",
        "rate",
        "lower_is_better",
        "outcome",
        False,
        "ACUTE",
        "Share of discharged people readmitted as an emergency within 30 days.",
    ),
    Measure(
        "EH_CASES",
        "EH",
        "Early help cases opened",
        "count",
        "count",
        "higher_is_better",
        "activity",
        True,
        "LA",
        "Families whose early help case was opened in the month.",
    ),
    Measure(
        "EH_ASSESS_15D",
        "EH",
        "Assessments completed within 15 working days",
        "percent",
        "rate",
        "higher_is_better",
        "quality_of_effort",
        False,
        "LA",
        "Share of early help assessments completed within 15 working days of referral.",
    ),
    Measure(
        "EH_NEEDS_MET",
        "EH",
        "Cases closed with needs met",
        "percent",
        "rate",
        "higher_is_better",
        "outcome",
        False,
        "LA",
        "Share of closed cases where the family's identified needs were met.",
    ),
    Measure(
        "EH_REREFER_12M",
        "EH",
        "Re-referred within 12 months",
        "percent",
        "rate",
        "lower_is_better",
        "outcome",
        False,
        "EDU",
        "Share of closed cases re-referred to early help or social care within 12 months.",
    ),
    Measure(
        "CMH_CONTACTS",
        "CMH",
        "Community mental health contacts",
        "count",
        "count",
        "higher_is_better",
        "activity",
        True,
        "MHT",
        "Face-to-face and video contacts with people on the community caseload.",
    ),
    Measure(
        "CMH_SEEN_28D",
        "CMH",
        "Seen within 28 days of referral",
        "percent",
        "rate",
        "higher_is_better",
        "quality_of_effort",
        False,
        "MHT",
        "Share of new referrals seen for a first appointment within 28 days.",
    ),
    Measure(
        "CMH_IMPROVED",
        "CMH",
        "Reliable improvement",
        "percent",
        "rate",
        "higher_is_better",
        "outcome",
        False,
        "MHT",
        "Share of people finishing treatment with a reliable improvement in their outcome score.",
    ),
    Measure(
        "CMH_CRISIS",
        "CMH",
        "Crisis presentations per 1,000 on caseload",
        "rate_per_1000",
        "rate",
        "lower_is_better",
        "outcome",
        False,
        "LA",
        "Crisis presentations per 1,000 people on the community caseload.",
    ),
]

STAFF_GROUPS = [
    ("SOCIAL_WORKER", "Social worker", "social work"),
    ("NURSE", "Nurse", "nursing"),
    ("CARE_WORKER", "Care worker", "social care"),
    ("AHP", "Allied health professional", "allied health"),
    ("DOCTOR", "Doctor", "medical"),
    ("TEACHER", "Teacher", "education"),
    ("FAMILY_WORKER", "Family support worker", "social care"),
    ("ADMIN", "Administrative staff", "administration"),
]

# How the partnership judges a measure (default: each month on its own) and its weight in the
# effectiveness index (default 1).
JUDGED_ON = {
    "HD_DISCHARGES": "year_to_date",
    "CMH_CONTACTS": "year_to_date",
    "EH_CASES": "year_to_date",
    "HD_READMIT_30": "rolling_12_months",
    "EH_REREFER_12M": "rolling_12_months",
}
OUTCOME_WEIGHT = 2.0

# (area index, service kind, measure, first month of the new process, reason)
REBASES = [(2, "HD", "HD_SAME_DAY", "2025-04-01", "Discharge-to-assess model introduced")]

# (area index, service kind, measure, first month of the financial year, year-end target, tolerance):
# targets agreed as a year-end figure only; the monthly trajectory is interpolated from a baseline.
ANNUAL_TARGETS = [(1, "CMH", "CMH_IMPROVED", "2025-04-01", 80.0, 3.0)]

# (area index, partner suffix, staff group, service kind reported under, {service kind: share}):
# staff an employer reports under one service who work across several.
STAFF_ALLOCATIONS = [(1, "VCS", "CARE_WORKER", "HD", {"HD": 0.7, "EH": 0.3})]

FIRST_PERIOD = "2023-04-01"
MONTHS = 36

# The largest plausible change of one partner's monthly figure from the month before, as a percentage
# of the larger of the two (the demo's month-to-month noise stays well inside these bounds).
PLAUSIBLE_MONTHLY_CHANGE_PCT = {
    "HD_DISCHARGES": 70.0,
    "HD_SAME_DAY": 25.0,
    "HD_HOME_91": 25.0,
    "HD_READMIT_30": 40.0,
    "EH_CASES": 70.0,
    "EH_ASSESS_15D": 30.0,
    "EH_NEEDS_MET": 25.0,
    "EH_REREFER_12M": 35.0,
    "CMH_CONTACTS": 70.0,
    "CMH_SEEN_28D": 25.0,
    "CMH_IMPROVED": 25.0,
    "CMH_CRISIS": 45.0,
}
# The largest figure a partner may plausibly send in one row, per submission type and column (counts,
# days, hours, FTE and pounds in one month); a larger one (1e15, 1e308, infinity) is quarantined.
FIGURE_CEILINGS = [
    ("outcomes", "numerator", 10_000_000),
    ("outcomes", "denominator", 10_000_000),
    ("outcomes", "value", 10_000_000),
    ("targets", "target_value", 10_000_000),
    ("targets", "tolerance", 10_000_000),
    ("workforce", "headcount", 100_000),
    ("workforce", "contracted_fte", 100_000),
    ("workforce", "vacant_fte", 100_000),
    ("workforce", "leavers", 100_000),
    ("workforce", "sickness_days_lost", 3_000_000),
    ("workforce", "available_days", 3_000_000),
    ("workforce", "agency_fte", 100_000),
    ("workforce", "training_hours", 10_000_000),
    ("workforce", "pay_bill", 1_000_000_000),
    ("finance", "pay_cost", 1_000_000_000),
    ("finance", "non_pay_cost", 1_000_000_000),
]
# Working days after the end of the month by which a month's return is due; a month's target is due
# by the end of that month at the latest.
SUBMISSION_DEADLINES = {"targets": 0, "outcomes": 15, "workforce": 15, "finance": 15}
# Every partner owes each of these returns, every month, for the services it takes part in.
RETURNS_OWED = tuple(SUBMISSION_DEADLINES)
# England's bank holidays are kept for the years the demo covers and the two after it.
BANK_HOLIDAY_YEARS = range(2023, 2029)


def area_code(area: str) -> str:
    """Return the code used as prefix for an area's partners and services.

    The named areas take three letters (NOR); made names take the stem's three and the ending's
    (AMBFOR), unique over all 1,000."""
    if area in NAMED_AREAS:
        return area[:3].upper()
    stem = next(s for s in _STEMS if area.startswith(s))
    return (stem[:3] + area[len(stem) :][:3]).upper()


def build_reference(areas: int) -> dict[str, pl.DataFrame]:
    """Return the reference tables (seed name -> frame) for the first `areas` demo areas."""
    if not 1 <= areas <= len(AREA_NAMES):
        raise ValueError(f"areas must be between 1 and {len(AREA_NAMES)}, got {areas}")
    partners, services, members, service_measures, rebases, annual, allocations = ([] for _ in range(7))
    for area in AREA_NAMES[:areas]:
        code = area_code(area)
        for suffix, name, sector in PARTNER_TYPES:
            partners.append((f"{code}-{suffix}", name.format(area=area), sector, area))
        for kind, (kind_code, kind_name) in SERVICE_KINDS.items():
            service = f"{code}-{kind}"
            lead = f"{code}-{SERVICE_MEMBERS[kind][0][0]}"
            services.append((service, f"{area} {kind_name.lower()}", kind_code, area, FIRST_PERIOD, lead))
            members += [(service, f"{code}-{s}", role) for s, role in SERVICE_MEMBERS[kind]]
            service_measures += [
                (service, m.code, f"{code}-{m.accountable}") for m in MEASURES if m.kind == kind
            ]
        rebases += [
            (f"{code}-{kind}", measure, period, reason)
            for index, kind, measure, period, reason in REBASES
            if AREA_NAMES[index] == area
        ]
        allocations += [
            (f"{code}-{suffix}", group, f"{code}-{home}", f"{code}-{kind}", share)
            for index, suffix, group, home, shares in STAFF_ALLOCATIONS
            if AREA_NAMES[index] == area
            for kind, share in shares.items()
        ]
        annual += [
            (f"{code}-{kind}", measure, year_start, target, tolerance)
            for index, kind, measure, year_start, target, tolerance in ANNUAL_TARGETS
            if AREA_NAMES[index] == area
        ]
    return {
        "service_kinds": pl.DataFrame(
            [(c, n) for c, n in SERVICE_KINDS.values()],
            schema=["service_kind", "service_kind_name"],
            orient="row",
        ),
        "joint_services": pl.DataFrame(
            services,
            orient="row",
            schema=[
                "service_code",
                "service_name",
                "service_kind",
                "partnership_area",
                "start_period",
                "lead_partner_code",
            ],
        ),
        "partners": pl.DataFrame(
            partners, orient="row", schema=["partner_code", "partner_name", "sector", "partnership_area"]
        ),
        "service_partners": pl.DataFrame(
            members, orient="row", schema=["service_code", "partner_code", "role"]
        ),
        "measures": pl.DataFrame(
            [
                (
                    m.code,
                    m.name,
                    SERVICE_KINDS[m.kind][0],
                    m.unit,
                    m.value_type,
                    m.direction,
                    m.category,
                    m.is_output_unit,
                    m.description,
                )
                for m in MEASURES
            ],
            orient="row",
            schema=[
                "measure_code",
                "measure_name",
                "service_kind",
                "unit",
                "value_type",
                "direction",
                "category",
                "is_output_unit",
                "description",
            ],
        ),
        "service_measures": pl.DataFrame(
            service_measures,
            orient="row",
            schema=["service_code", "measure_code", "accountable_partner_code"],
        ),
        "measure_rules": pl.DataFrame(
            [
                (m.code, JUDGED_ON.get(m.code, "month"), OUTCOME_WEIGHT if m.category == "outcome" else 1.0)
                for m in MEASURES
            ],
            orient="row",
            schema=["measure_code", "judged_on", "effectiveness_weight"],
        ),
        "annual_targets": pl.DataFrame(
            annual,
            orient="row",
            schema=["service_code", "measure_code", "year_start", "year_end_target", "tolerance"],
        ),
        "staff_allocations": pl.DataFrame(
            allocations,
            orient="row",
            schema={
                "partner_code": pl.String,
                "staff_group_code": pl.String,
                "from_service_code": pl.String,
                "to_service_code": pl.String,
                "share": pl.Float64,
            },
        ),
        "spc_rebases": pl.DataFrame(
            rebases, orient="row", schema=["service_code", "measure_code", "first_period", "reason"]
        ),
        "staff_groups": pl.DataFrame(
            STAFF_GROUPS, orient="row", schema=["staff_group_code", "staff_group_name", "profession"]
        ),
        "measure_plausibility": pl.DataFrame(
            list(PLAUSIBLE_MONTHLY_CHANGE_PCT.items()),
            orient="row",
            schema=["measure_code", "plausible_monthly_change_pct"],
        ),
        "figure_ceilings": pl.DataFrame(
            FIGURE_CEILINGS,
            orient="row",
            schema={"submission_type": pl.String, "column_name": pl.String, "ceiling": pl.Int64},
        ),
        "submission_deadlines": pl.DataFrame(
            list(SUBMISSION_DEADLINES.items()),
            orient="row",
            schema=["submission_type", "working_days_after_month_end"],
        ),
        "bank_holidays": bank_holidays(BANK_HOLIDAY_YEARS),
        "returns_owed": pl.DataFrame(
            [(kind, None, None, None, None) for kind in RETURNS_OWED],
            orient="row",
            schema=dict.fromkeys(
                ["submission_type", "sector", "partner_code", "service_kind", "last_period"], pl.String
            ),
        ),
    }


def bank_holidays(years: range) -> pl.DataFrame:
    """Return England's bank holidays in `years` (date as YYYY-MM-DD text, name), from `holidays`."""
    days: dict[date, str] = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return pl.DataFrame(
        [(d.isoformat(), name) for d, name in sorted(days.items())],
        orient="row",
        schema=["holiday_date", "holiday_name"],
    )


def write_reference(tables: dict[str, pl.DataFrame], folder) -> None:
    """Write each reference table as `<name>.csv` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")
