"""The simulated partnerships behind the demo: staffing, results and costs with planted truths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from pipelines.demo.reference import AREA_NAMES, FIRST_PERIOD, MEASURES, MONTHS, Measure, area_code

SUBMISSION_SCHEMAS: dict[str, dict[str, type[pl.DataType]]] = {
    "targets": {
        "partner_code": pl.String,
        "service_code": pl.String,
        "measure_code": pl.String,
        "period": pl.String,
        "target_value": pl.Float64,
        "tolerance": pl.Float64,
    },
    "outcomes": {
        "partner_code": pl.String,
        "service_code": pl.String,
        "measure_code": pl.String,
        "period": pl.String,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
        "value": pl.Int64,
        "comment": pl.String,
    },
    "workforce": {
        "partner_code": pl.String,
        "service_code": pl.String,
        "period": pl.String,
        "staff_group_code": pl.String,
        "headcount": pl.Int64,
        "contracted_fte": pl.Float64,
        "vacant_fte": pl.Float64,
        "leavers": pl.Int64,
        "sickness_days_lost": pl.Float64,
        "available_days": pl.Float64,
        "agency_fte": pl.Float64,
        "training_hours": pl.Float64,
        "pay_bill": pl.Float64,
    },
    "finance": {
        "partner_code": pl.String,
        "service_code": pl.String,
        "period": pl.String,
        "pay_cost": pl.Float64,
        "non_pay_cost": pl.Float64,
    },
}
FILE_ORDER = {
    "targets": ["partner_code", "period", "service_code", "measure_code"],
    "outcomes": ["partner_code", "period", "service_code", "measure_code"],
    "workforce": ["partner_code", "period", "service_code", "staff_group_code"],
    "finance": ["partner_code", "period", "service_code"],
}

# (service kind, partner suffix) -> staff groups the partner employs in that service
STAFF_GROUPS_BY_MEMBER = {
    ("HD", "ACUTE"): ("NURSE", "DOCTOR", "AHP", "ADMIN"),
    ("HD", "LA"): ("SOCIAL_WORKER", "CARE_WORKER", "ADMIN"),
    ("HD", "PRV"): ("CARE_WORKER",),
    ("HD", "VCS"): ("CARE_WORKER", "FAMILY_WORKER"),
    ("EH", "LA"): ("SOCIAL_WORKER", "FAMILY_WORKER", "ADMIN"),
    ("EH", "EDU"): ("TEACHER", "FAMILY_WORKER"),
    ("EH", "VCS"): ("FAMILY_WORKER", "CARE_WORKER"),
    ("EH", "MHT"): ("NURSE", "AHP"),
    ("CMH", "MHT"): ("NURSE", "DOCTOR", "SOCIAL_WORKER", "AHP"),
    ("CMH", "LA"): ("SOCIAL_WORKER", "CARE_WORKER", "ADMIN"),
    ("CMH", "VCS"): ("FAMILY_WORKER", "CARE_WORKER"),
}
FUNDED_FTE = {
    "NURSE": 16,
    "DOCTOR": 3,
    "AHP": 6,
    "ADMIN": 4,
    "SOCIAL_WORKER": 10,
    "CARE_WORKER": 20,
    "FAMILY_WORKER": 8,
    "TEACHER": 3,
}
ANNUAL_PAY = {
    "SOCIAL_WORKER": 42_000,
    "NURSE": 38_000,
    "CARE_WORKER": 24_000,
    "AHP": 40_000,
    "DOCTOR": 95_000,
    "TEACHER": 45_000,
    "FAMILY_WORKER": 28_000,
    "ADMIN": 25_000,
}
EMPLOYER_PAY_FACTOR = {"ACUTE": 1.0, "MHT": 1.0, "LA": 1.0, "EDU": 1.0, "VCS": 0.93, "PRV": 0.9}
PAY_GAP_FACTOR = 1.12  # trust social workers in the first area's CMH service vs the council's
EMPLOYER_ON_COST = 1.27
AGENCY_PREMIUM = 1.7

VACANCY_SLOPE = {"higher_is_better": -0.6, "lower_is_better": 0.3}
REFERENCE_VACANCY_PCT = 12.0
RESULT_NOISE_SD = 0.8
AGENCY_COST_K = 1.5
STEP_CHANGE: dict[str, Any] = {
    "area": 1,
    "kind": "EH",
    "measure": "EH_ASSESS_15D",
    "month": 18,
    "delta": 12.0,
    "level": 68.0,
}
PAY_GAP_AREA = 0

# measure -> (typical service level at the reference vacancy rate, spread across services)
TYPICAL_LEVEL = {
    "HD_DISCHARGES": (260, 60),
    "HD_SAME_DAY": (72, 8),
    "HD_HOME_91": (80, 4),
    "HD_READMIT_30": (14, 2),
    "EH_CASES": (120, 30),
    "EH_ASSESS_15D": (80, 6),
    "EH_NEEDS_MET": (75, 4),
    "EH_REREFER_12M": (18, 2),
    "CMH_CONTACTS": (3600, 900),
    "CMH_SEEN_28D": (74, 6),
    "CMH_IMPROVED": (62, 4),
    "CMH_CRISIS": (15, 3),
}
DENOMINATOR_RANGE = {
    "HD_SAME_DAY": (150, 400),
    "HD_HOME_91": (200, 350),
    "HD_READMIT_30": (220, 400),
    "EH_ASSESS_15D": (60, 200),
    "EH_NEEDS_MET": (200, 320),
    "EH_REREFER_12M": (200, 300),
    "CMH_SEEN_28D": (80, 250),
    "CMH_IMPROVED": (200, 300),
    "CMH_CRISIS": (2500, 5000),
}
UNIT_SCALE = {"percent": 100, "rate_per_1000": 1000}
CONTRIBUTOR_REPORTS_PROBABILITY = 0.35
COMMENT_PROBABILITY = 0.05
COMMENTS = [
    "Figures validated by the service manager.",
    "Two practitioners on long-term sick leave this month.",
    "Includes late-entered referrals from last month.",
    "Winter pressures slowed flow through the service.",
    "New case management system went live mid-month.",
    "Lower activity over the school holidays.",
    "Denominator checked against the caseload extract.",
    "Backlog cleared with overtime sessions.",
]


@dataclass(frozen=True)
class Service:
    code: str
    kind: str
    lead: str
    members: tuple[str, ...]
    measures: tuple[Measure, ...]
    accountable: dict[str, str]


@dataclass(frozen=True)
class Partnership:
    services: tuple[Service, ...]
    periods: tuple[str, ...]

    @classmethod
    def from_reference(cls, reference: dict[str, pl.DataFrame]) -> Partnership:
        """Read the services, their partners and measures from the reference tables."""
        measures = {m.code: m for m in MEASURES}
        services = []
        for row in reference["joint_services"].iter_rows(named=True):
            code = row["service_code"]
            members = reference["service_partners"].filter(pl.col("service_code") == code)
            reported = reference["service_measures"].filter(pl.col("service_code") == code)
            services.append(
                Service(
                    code=code,
                    kind=code.split("-", 1)[1],
                    lead=row["lead_partner_code"],
                    members=tuple(members["partner_code"]),
                    measures=tuple(measures[m] for m in reported["measure_code"]),
                    accountable=dict(
                        zip(reported["measure_code"], reported["accountable_partner_code"], strict=True)
                    ),
                )
            )
        return cls(services=tuple(services), periods=month_periods(FIRST_PERIOD, MONTHS))

    def service(self, area_index: int, kind: str) -> Service:
        """Return the service of `kind` in the area at `area_index`."""
        code = f"{area_code(AREA_NAMES[area_index])}-{kind}"
        return next(s for s in self.services if s.code == code)


def month_periods(first: str, months: int) -> tuple[str, ...]:
    """Return `months` consecutive `YYYY-MM` periods starting at the month of `first`."""
    year, month = int(first[:4]), int(first[5:7])
    return tuple(f"{year + (month - 1 + i) // 12}-{(month - 1 + i) % 12 + 1:02d}" for i in range(months))


def partner_suffix(partner_code: str) -> str:
    """Return the partner type of a partner code, e.g. 'LA' for 'NOR-LA'."""
    return partner_code.split("-", 1)[1]


def simulate_staff(
    partnership: Partnership, rng: np.random.Generator
) -> tuple[pl.DataFrame, dict[tuple[str, str], int]]:
    """Return every partner's monthly workforce rows per service and the annual pay rates."""
    pay = _annual_pay_rates(partnership, rng)
    months = np.array(partnership.periods, dtype="datetime64[M]")
    days = np.busday_count(months.astype("datetime64[D]"), (months + 1).astype("datetime64[D]")).astype(float)
    rows = []
    for service in partnership.services:
        vacancy = _wander(rng, rng.uniform(8, 16), 4.5, 4, 24)
        agency = np.clip(
            rng.uniform(3, 10) + 0.3 * (vacancy - vacancy.mean()) + _wander(rng, 0, 2.5, -8, 8), 0.5, 19
        )
        for partner in service.members:
            for group in STAFF_GROUPS_BY_MEMBER[(service.kind, partner_suffix(partner))]:
                rows += _staff_group_rows(
                    rng,
                    partnership.periods,
                    (partner, service.code, group),
                    vacancy,
                    agency,
                    days,
                    pay[(partner, group)],
                )
    frame = pl.DataFrame(rows, schema=SUBMISSION_SCHEMAS["workforce"], orient="row")
    return frame.sort(FILE_ORDER["workforce"], maintain_order=True), pay


def _annual_pay_rates(partnership: Partnership, rng: np.random.Generator) -> dict[tuple[str, str], int]:
    groups = {
        (p, g)
        for s in partnership.services
        for p in s.members
        for g in STAFF_GROUPS_BY_MEMBER[(s.kind, partner_suffix(p))]
    }
    pay = {
        (p, g): int(
            round(ANNUAL_PAY[g] * EMPLOYER_PAY_FACTOR[partner_suffix(p)] * rng.uniform(0.97, 1.03), -1)
        )
        for p, g in sorted(groups)
    }
    gap_service = partnership.service(PAY_GAP_AREA, "CMH")
    council, trust = _member(gap_service, "LA"), _member(gap_service, "MHT")
    pay[(trust, "SOCIAL_WORKER")] = int(round(pay[(council, "SOCIAL_WORKER")] * PAY_GAP_FACTOR, -1))
    return pay


def _member(service: Service, suffix: str) -> str:
    return next(p for p in service.members if partner_suffix(p) == suffix)


def _wander(
    rng: np.random.Generator, mean: float, sd: float, low: float, high: float, phi: float = 0.75
) -> np.ndarray:
    steps = rng.normal(0, sd * np.sqrt(1 - phi**2), MONTHS)
    series = np.empty(MONTHS)
    series[0] = rng.normal(0, sd)
    for t in range(1, MONTHS):
        series[t] = phi * series[t - 1] + steps[t]
    return np.clip(mean + series, low, high)


def _staff_group_rows(rng, periods, key, vacancy_pct, agency_pct, days, annual_pay) -> list:
    n = len(periods)
    funded = FUNDED_FTE[key[2]] * rng.uniform(0.6, 1.4) * rng.uniform(0.98, 1.02, n)
    vacant = np.round(funded * np.clip(vacancy_pct * rng.uniform(0.6, 1.4, n), 0, 50) / 100, 2)
    contracted = np.round(funded - vacant, 2)
    agency = np.round(contracted * agency_pct / (100 - agency_pct) * rng.uniform(0.5, 1.5, n), 2)
    headcount = np.maximum(1, np.round(contracted * rng.uniform(1.05, 1.18, n))).astype(int)
    leavers = rng.poisson(contracted * 0.012)
    available = np.round(contracted * days, 1)
    sickness = np.round(available * rng.uniform(0.025, 0.065, n), 1)
    training = np.round(contracted * rng.uniform(0.5, 3.0, n), 1)
    pay_bill = np.round(contracted * annual_pay / 12, 2)
    partner, service, group = key
    return [
        (
            partner,
            service,
            periods[t],
            group,
            int(headcount[t]),
            float(contracted[t]),
            float(vacant[t]),
            int(leavers[t]),
            float(sickness[t]),
            float(available[t]),
            float(agency[t]),
            float(training[t]),
            float(pay_bill[t]),
        )
        for t in range(n)
    ]


def staffing_levels(workforce: pl.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    """Return (vacancy %, agency %) per (service, period) from the workforce rows."""
    levels = workforce.group_by("service_code", "period").agg(
        vacancy=100
        * pl.col("vacant_fte").sum()
        / (pl.col("contracted_fte").sum() + pl.col("vacant_fte").sum()),
        agency=100
        * pl.col("agency_fte").sum()
        / (pl.col("contracted_fte").sum() + pl.col("agency_fte").sum()),
    )
    return {(s, p): (v, a) for s, p, v, a in levels.iter_rows()}


def simulate_services(
    partnership: Partnership,
    workforce: pl.DataFrame,
    pay: dict[tuple[str, str], int],
    rng: np.random.Generator,
) -> tuple[dict[str, pl.DataFrame], dict]:
    """Return the outcomes, targets and finance tables driven by `workforce`, and the truths."""
    levels = staffing_levels(workforce)
    outcomes, outputs, typical, vacancy_truth, step_truth = _results(partnership, levels, rng)
    targets = _targets(partnership, typical, rng)
    finance, agency_truth = _costs(partnership, workforce, outputs, levels, rng)
    tables = {"targets": targets, "outcomes": outcomes, "finance": finance}
    truths = {
        "vacancy_effect": vacancy_truth,
        "agency_cost": agency_truth,
        "step_change": step_truth,
        "pay_gap": _pay_gap(partnership, workforce, pay),
    }
    return tables, truths


def _results(partnership, levels, rng):
    step_service = partnership.service(STEP_CHANGE["area"], STEP_CHANGE["kind"]).code
    rows: list[tuple] = []
    outputs: dict[tuple[str, str], float] = {}
    typical: dict[tuple[str, str], float] = {}
    intercepts: dict[str, dict[str, float]] = {}
    for service in partnership.services:
        vacancy = np.array([levels[(service.code, p)][0] for p in partnership.periods])
        for measure in service.measures:
            is_step = (service.code, measure.code) == (step_service, STEP_CHANGE["measure"])
            centre, spread = TYPICAL_LEVEL[measure.code]
            level = STEP_CHANGE["level"] if is_step else centre + rng.uniform(-spread, spread)
            series, typical[(service.code, measure.code)] = _service_series(
                measure, level, vacancy, rng, step=is_step
            )
            if measure.category == "outcome":
                intercepts.setdefault(service.code, {})[measure.code] = round(
                    level - VACANCY_SLOPE[measure.direction] * REFERENCE_VACANCY_PCT, 4
                )
            if measure.is_output_unit:
                outputs.update(
                    zip(((service.code, p) for p in partnership.periods), series.tolist(), strict=True)
                )
            rows += _partner_rows(service, measure, partnership.periods, series, rng)
    frame = pl.DataFrame(rows, schema=SUBMISSION_SCHEMAS["outcomes"], orient="row")
    vacancy_truth = {
        "slope_by_measure": {m.code: VACANCY_SLOPE[m.direction] for m in MEASURES if m.category == "outcome"},
        "slope_unit": "measure units per percentage point of vacancy",
        "noise_sd": RESULT_NOISE_SD,
        "intercept_by_service": intercepts,
        "null_measures": [m.code for m in MEASURES if m.category == "quality_of_effort"],
        "vacancy_pct_range": [
            round(min(v for v, _ in levels.values()), 2),
            round(max(v for v, _ in levels.values()), 2),
        ],
        "definition": "service value = intercept + slope * vacancy_pct + noise; vacancy_pct = "
        "100 * sum(vacant_fte) / sum(contracted_fte + vacant_fte) per service-month",
    }
    step_truth = {
        "service_code": step_service,
        "measure_code": STEP_CHANGE["measure"],
        "first_period": partnership.periods[STEP_CHANGE["month"]],
        "delta": STEP_CHANGE["delta"],
        "level_before": STEP_CHANGE["level"],
    }
    frame = frame.sort(FILE_ORDER["outcomes"], maintain_order=True)
    return frame, outputs, typical, vacancy_truth, step_truth


def _partner_rows(
    service: Service, measure: Measure, periods: tuple[str, ...], series: np.ndarray, rng: np.random.Generator
) -> list[tuple]:
    """Split the service's monthly figures between the accountable partner and maybe another."""
    reporters = [service.accountable[measure.code]]
    if rng.random() < CONTRIBUTOR_REPORTS_PROBABILITY:
        reporters.append(str(rng.choice([p for p in service.members if p != reporters[0]])))
    shares = rng.uniform(0.2, 0.45, MONTHS) if len(reporters) == 2 else [None] * MONTHS
    if measure.value_type == "count":
        parts = [_split(int(c), None, share) for c, share in zip(series, shares, strict=True)]
    else:
        low, high = DENOMINATOR_RANGE[measure.code]
        den = np.round(rng.uniform(low, high) * rng.uniform(0.9, 1.1, MONTHS)).astype(int)
        num = np.clip(np.round(den * series / UNIT_SCALE[measure.unit]), 0, den).astype(int)
        parts = [_split(int(a), int(b), s) for a, b, s in zip(num, den, shares, strict=True)]
    rows = []
    for period, split in zip(periods, parts, strict=True):
        for partner, (numerator, denominator, value) in zip(reporters, split, strict=True):
            comment = str(rng.choice(COMMENTS)) if rng.random() < COMMENT_PROBABILITY else None
            rows.append((partner, service.code, measure.code, period, numerator, denominator, value, comment))
    return rows


def _service_series(
    measure: Measure, level: float, vacancy: np.ndarray, rng: np.random.Generator, step: bool
) -> tuple[np.ndarray, float]:
    """Return the service's monthly values of `measure` and its typical level."""
    if measure.value_type == "count":
        season = 1 + 0.06 * np.sin(2 * np.pi * np.arange(MONTHS) / 12 + rng.uniform(0, 6.3))
        return np.round(level * season * rng.normal(1, 0.05, MONTHS)).astype(int), level
    noise = rng.normal(0, RESULT_NOISE_SD, MONTHS)
    if measure.category == "outcome":
        slope = VACANCY_SLOPE[measure.direction]
        values = level + slope * (vacancy - REFERENCE_VACANCY_PCT) + noise
        return values, float(level + slope * (vacancy.mean() - REFERENCE_VACANCY_PCT))
    shift = np.where(np.arange(MONTHS) >= STEP_CHANGE["month"], STEP_CHANGE["delta"], 0.0)
    return level + noise + (shift if step else 0.0), level


def _split(numerator: int, denominator: int | None, share: float | None) -> list[tuple]:
    """Split a service figure between the accountable partner and a contributor's `share`."""
    if share is None:
        return [(None, None, numerator) if denominator is None else (numerator, denominator, None)]
    if denominator is None:
        part = round(numerator * share)
        return [(None, None, numerator - part), (None, None, part)]
    den_b = round(denominator * share)
    num_b = min(round(numerator * den_b / denominator), den_b)
    num_a, den_a = numerator - num_b, denominator - den_b
    overflow = max(0, num_a - den_a)
    return [(num_a - overflow, den_a, None), (num_b + overflow, den_b, None)]


def _targets(partnership, typical, rng) -> pl.DataFrame:
    rows = []
    for service in partnership.services:
        for measure in service.measures:
            better = 1 if measure.direction == "higher_is_better" else -1
            has_tolerance = rng.random() > 0.2
            for year in range(MONTHS // 12):
                level = typical[(service.code, measure.code)]
                if measure.unit == "count":
                    target = float(round(level * rng.uniform(0.95, 1.1), -1))
                    tolerance = float(round(target * 0.05))
                else:
                    digits = 0 if measure.unit == "percent" else 1
                    target = float(round(level + better * rng.uniform(0, 3), digits))
                    tolerance = float(rng.integers(2, 6) if digits == 0 else rng.integers(1, 4))
                for period in partnership.periods[12 * year : 12 * year + 12]:
                    rows.append(
                        (
                            service.lead,
                            service.code,
                            measure.code,
                            period,
                            target,
                            tolerance if has_tolerance else None,
                        )
                    )
    frame = pl.DataFrame(rows, schema=SUBMISSION_SCHEMAS["targets"], orient="row")
    return frame.sort(FILE_ORDER["targets"], maintain_order=True)


def _costs(partnership, workforce, outputs, levels, rng):
    agency_rate = {g: pay * AGENCY_PREMIUM / 12 for g, pay in ANNUAL_PAY.items()}
    natural = (
        workforce.with_columns(
            agency_cost=pl.col("agency_fte") * pl.col("staff_group_code").replace_strict(agency_rate)
        )
        .group_by("service_code", "partner_code", "period")
        .agg(pay=EMPLOYER_ON_COST * pl.col("pay_bill").sum() + pl.col("agency_cost").sum())
    )
    natural_pay = {(s, p, t): c for s, p, t, c in natural.iter_rows()}
    rows, bases = [], {}
    for service in partnership.services:
        non_pay_ratio = {p: rng.uniform(0.1, 0.3) * rng.uniform(0.95, 1.05, MONTHS) for p in service.members}
        costs = {
            (p, t): (
                natural_pay[(service.code, p, period)],
                natural_pay[(service.code, p, period)] * non_pay_ratio[p][t],
            )
            for p in service.members
            for t, period in enumerate(partnership.periods)
        }
        factors = [
            1 + AGENCY_COST_K * levels[(service.code, period)][1] / 100 for period in partnership.periods
        ]
        unit_costs = [
            sum(sum(costs[(p, t)]) for p in service.members) / outputs[(service.code, period)] / factors[t]
            for t, period in enumerate(partnership.periods)
        ]
        bases[service.code] = round(float(np.mean(unit_costs)), 2)
        for t, period in enumerate(partnership.periods):
            total = round(bases[service.code] * factors[t] * outputs[(service.code, period)] * 100)
            rows += _share_out(total, service, period, [costs[(p, t)] for p in service.members])
    frame = pl.DataFrame(rows, schema=SUBMISSION_SCHEMAS["finance"], orient="row")
    output_measures = {
        s.code: next(m.code for m in s.measures if m.is_output_unit) for s in partnership.services
    }
    agency_values = [a for _, a in levels.values()]
    truth = {
        "k": AGENCY_COST_K,
        "base_unit_cost_by_service": bases,
        "output_measure_by_service": output_measures,
        "agency_pct_range": [round(min(agency_values), 2), round(max(agency_values), 2)],
        "definition": "unit_cost = sum(pay_cost + non_pay_cost) / output value = base * "
        "(1 + k * agency_pct / 100); agency_pct = 100 * sum(agency_fte) / "
        "sum(contracted_fte + agency_fte) per service-month",
    }
    return frame.sort(FILE_ORDER["finance"], maintain_order=True), truth


def _share_out(total_pence: int, service: Service, period: str, costs: list) -> list[tuple]:
    """Scale the partners' natural (pay, non-pay) costs so they add up to `total_pence`."""
    natural_total = sum(pay + non_pay for pay, non_pay in costs)
    pence = [[round(c * total_pence / natural_total) for c in pair] for pair in costs]
    pence[0][1] += total_pence - sum(sum(pair) for pair in pence)
    return [
        (partner, service.code, period, pay / 100, non_pay / 100)
        for partner, (pay, non_pay) in zip(service.members, pence, strict=True)
    ]


def _pay_gap(partnership, workforce, pay) -> dict:
    service = partnership.service(PAY_GAP_AREA, "CMH")
    council, trust = _member(service, "LA"), _member(service, "MHT")
    employer_pay = {
        trust: float(pay[(trust, "SOCIAL_WORKER")]),
        council: float(pay[(council, "SOCIAL_WORKER")]),
    }
    by_group = (
        workforce.filter(pl.col("service_code") == service.code)
        .group_by("staff_group_code")
        .agg(pay=12 * pl.col("pay_bill").sum() / pl.col("contracted_fte").sum())
    )
    group_pay = dict(by_group.iter_rows())
    higher, lower = sorted(["NURSE", "SOCIAL_WORKER"], key=lambda g: -group_pay[g])
    return {
        "employer": {
            "service_code": service.code,
            "staff_group_code": "SOCIAL_WORKER",
            "higher_paid_partner_code": trust,
            "lower_paid_partner_code": council,
            "annual_pay_per_fte": employer_pay,
            "gap_pct": round(100 * (employer_pay[trust] - employer_pay[council]) / employer_pay[council], 4),
        },
        "profession": {
            "service_code": service.code,
            "higher_paid_staff_group_code": higher,
            "lower_paid_staff_group_code": lower,
            "annual_pay_per_fte": {g: round(group_pay[g], 2) for g in (higher, lower)},
            "gap_pct": round(100 * (group_pay[higher] - group_pay[lower]) / group_pay[lower], 4),
        },
        "method": "annual pay per FTE = 12 * sum(pay_bill) / sum(contracted_fte) over the "
        "service's rows; gap_pct = 100 * (higher - lower) / lower",
    }
