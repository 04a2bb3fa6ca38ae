"""The workforce panel of a service page: staffing trends, pay, and how results move with staffing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from assets.publish import chart_names
from assets.publish.chart_views import ChartView, Template, chart_view, json_number, safe_json
from assets.publish.display import (
    NO_VALUE,
    format_count,
    format_percent,
    format_pounds,
    iso_date,
    join_words,
    long_month,
    month,
    plural,
    sentence_case,
)
from assets.publish.marts import Marts, Row

# As marts.pay_parity does: figures about fewer than 5 people in post are not shown, nor figures about a
# group whose headcount was not given (it may be fewer than 5).
SMALL_GROUP = 5
SUPPRESSED = "not shown (fewer than 5 people)"
HEADCOUNT_NOT_GIVEN = "not shown (headcount not given)"
PAY_NOT_GIVEN = "not given"
# a comparison between professions is not like for like: said beside each such gap
ACROSS_PROFESSIONS = "Between professions (different jobs, training and grades: not like for like)"

WORKFORCE_WORDS = {
    "vacancy_rate": "the vacancy rate",
    "turnover_rate_12m": "12-month staff turnover",
    "sickness_rate": "the sickness rate",
    "agency_share": "the agency share of staff",
}
_MEASURE_JSON = {column: safe_json(label) for column, label in chart_names.WORKFORCE_MEASURES.items()}
CAVEAT = (
    "Services with more vacancies may differ in ways these figures do not show, and poor results "
    "can drive staff away as much as vacancies cause poor results. Each finding compares every "
    "service of this kind with itself over time, and is listed only when it still holds once every "
    "association tested is allowed for (on average at most 1 in 20 of the findings listed is "
    "expected to be chance: the Benjamini-Hochberg method)."
)


def workforce_panel(service: Row, marts: Marts, template: Template, findings: list[str]) -> dict[str, Any]:
    """Trends, pay by staff group and employer, pay gaps and association findings for one service."""
    code = service["service_code"]
    trends = marts.workforce.get(code, [])
    pay = marts.pay.get(code, [])
    gaps = marts.pay_gaps.get(code, [])
    coverage = marts.coverage.get(code)
    sparse = bool(coverage and 2 * coverage["months_with_workforce"] < coverage["months_with_outcomes"])
    # like for like (one staff group, different employers) first, then between professions
    gaps = sorted(gaps, key=lambda r: r["staff_group_code"] is None)
    headcount_given = any(r["headcount"] is not None for r in pay)
    return {
        # a line through a few scattered months would suggest a trend nobody measured
        "chart": _trend_chart(service, trends, template) if trends and not sparse else None,
        "coverage": given_words(trends, pay, coverage),
        "latest": _latest_rows(trends),
        "latest_month": long_month(trends[-1]["period"]) if trends else NO_VALUE,
        "pay_month": long_month(pay[0]["period"]) if pay else NO_VALUE,
        "pay": [_pay_row(r, marts) for r in pay],
        "gaps": [_gap_row(r, marts) for r in gaps if r["is_suppressed"] is False],
        "across": ACROSS_PROFESSIONS,
        # a pair whose headcounts were not given is not said to be a small group
        "gaps_suppressed": [
            _pair_words(r, marts) for r in gaps if r["is_suppressed"] is not False and headcount_given
        ],
        "findings": findings,
        "caveat": CAVEAT,
        "tested": tested_words(marts.association_tests),
    }


def tested_words(tests: Row) -> str | None:
    """How many associations were tested and how many held: `Of 192 associations tested (every kind of
    service, result, staffing measure and lag), 5 hold.`; None when none was tested."""
    if not tests.get("tests"):
        return None
    held = tests["discoveries"]
    return (
        f"Of {plural(tests['tests'], 'association')} tested (every kind of service, result, staffing "
        f"measure and lag), {held:,} {'holds' if held == 1 else 'hold'}."
    )


def given_words(trends: list[Row], pay: list[Row], coverage: Row | None) -> str | None:
    """Say which workforce figures the service's partners give and which they do not, when some are never
    given or staff are reported for only some months: `Given for this service: the sickness rate (12 of
    12 months). Not given: … and pay.`"""
    months = coverage["months_with_outcomes"] if coverage else len(trends)
    sparse = bool(coverage and coverage["months_with_workforce"] < months)
    rates = {
        words: sum(1 for r in trends if r[column] is not None) for column, words in WORKFORCE_WORDS.items()
    }
    others = {
        "headcount": any(r["headcount"] is not None for r in pay),
        "pay": any(r["mean_annual_pay_per_fte"] is not None for r in pay),
    }
    given = [f"{words} ({found} of {months} months)" for words, found in rates.items() if found]
    given += [words for words, found in others.items() if found]
    missing = [words for words, found in rates.items() if not found]
    missing += [words for words, found in others.items() if not found]
    if not missing and not sparse:
        return None
    if not given:
        return f"No workforce figures have been received for this service's {plural(months, 'month')}."
    text = f"Given for this service: {join_words(given)}."
    if missing:
        text += f" Not given: {join_words(missing)}."
    if 2 * max(rates.values()) < months:
        text += " Figures are shown for those months only, not as a trend."
    return text


def _trend_chart(service: Row, trends: list[Row], template: Template) -> ChartView:
    rows = [
        f'{{"period":"{iso_date(r["period"])}","month":"{month(r["period"])}","measure":{label},'
        f'"value":{json_number(r[column])}}}'
        for column, label in _MEASURE_JSON.items()
        for r in trends
    ]
    last = trends[-1]
    latest = "; ".join(
        f"{WORKFORCE_WORDS[column].removeprefix('the ')} {format_percent(last[column])}"
        for column in chart_names.WORKFORCE_MEASURES
    )
    title = f"Staffing of {service['service_name']} by month"
    description = (
        f"Four small line charts, one per staffing rate, by month from {month(trends[0]['period'])} "
        f"to {month(last['period'])}, each on its own scale. In {month(last['period'])}: {latest}."
    )
    return chart_view(
        "chart-workforce",
        "workforce",
        template,
        f"[{','.join(rows)}]",
        title,
        description,
        "Vacancy, turnover, sickness and agency, per cent",
    )


def _latest_rows(trends: list[Row]) -> list[dict[str, str]]:
    if not trends:
        return []
    last = trends[-1]
    year_earlier = date(last["period"].year - 1, last["period"].month, 1)
    before = next((r for r in trends if r["period"] == year_earlier), None)
    return [
        {
            "measure": label.split(" (")[0],
            "latest": format_percent(last[column]),
            "year_earlier": format_percent(before[column] if before else None),
        }
        for column, label in chart_names.WORKFORCE_MEASURES.items()
    ]


def _pay_row(row: Row, marts: Marts) -> dict[str, str | bool]:
    if row["mean_annual_pay_per_fte"] is None:
        shown = PAY_NOT_GIVEN
    elif row["headcount"] is None:
        shown = HEADCOUNT_NOT_GIVEN
    elif row["headcount"] < SMALL_GROUP:
        shown = SUPPRESSED
    else:
        shown = format_pounds(row["mean_annual_pay_per_fte"])
    group: str = row["staff_group_code"]  # part of the workforce mart's grain: never missing
    return {
        "staff_group": marts.staff_groups.get(group, group),
        "employer": marts.partner_name(row["partner_code"]),
        "fte": format_count(row["contracted_fte"]),
        "pay": shown,
        "suppressed": shown != format_pounds(row["mean_annual_pay_per_fte"]),
    }


def _sides(row: Row, marts: Marts) -> tuple[str, str, str]:
    """What is compared (a staff group, or professions) and the two sides' names."""
    group: str | None = row["staff_group_code"]
    if group is None:
        return ACROSS_PROFESSIONS, sentence_case(row["higher_paid"]), sentence_case(row["lower_paid"])
    return (
        marts.staff_groups.get(group, group),
        marts.partner_name(row["higher_paid"]),
        marts.partner_name(row["lower_paid"]),
    )


def _pair_words(row: Row, marts: Marts) -> str:
    compared, higher, lower = _sides(row, marts)
    if row["staff_group_code"] is None:
        return f"{higher.lower()} and {lower.lower()}"
    return f"{compared.lower()} at {higher} and {lower}"


def _gap_row(row: Row, marts: Marts) -> dict[str, Any]:
    compared, higher, lower = _sides(row, marts)
    return {
        "comparison": compared,
        "higher": higher,
        "lower": lower,
        "higher_pay": format_pounds(row["higher_pay_per_fte"]),
        "lower_pay": format_pounds(row["lower_pay_per_fte"]),
        "gap": format_pounds(row["gap_pounds"]),
        "gap_pct": format_percent(row["gap_pct"]),
        "fte": format_count(row["fte_affected"]),
    }


def lag_words(lags: list[int]) -> str:
    """When the result moved, in words: `in the same month and up to 2 months later`, `1 month later`."""
    later = [lag for lag in lags if lag > 0]
    run = bool(later) and later == list(range(later[0], later[-1] + 1)) and len(later) > 1
    if 0 in lags:
        if not later:
            return "in the same month"
        if run and later[0] == 1:
            return f"in the same month and up to {later[-1]} months later"
        return (
            f"in the same month and {join_words([str(lag) for lag in later])} "
            f"{'month' if later == [1] else 'months'} later"
        )
    if run:
        return f"{later[0]} to {later[-1]} months later"
    return f"{join_words([str(lag) for lag in later])} {'month' if later == [1] else 'months'} later"


def _result(outcome: str, marts: Marts) -> tuple[str, str, bool | None]:
    """A result's name, the unit its slope is in, and whether higher is better."""
    if outcome == "effectiveness_index":
        return "the effectiveness index", "index points", True
    measure = marts.measures.get(outcome, {})
    unit = {"percent": "percentage points", "rate_per_1000": "per 1,000"}.get(measure.get("unit") or "", "")
    direction = measure.get("direction")
    name = f"“{marts.measure_name(outcome)}”"
    return name, unit, None if direction is None else direction == "higher_is_better"


def _finding_order(key: tuple[str, str, bool], marts: Marts) -> tuple[int, str, int]:
    """Effectiveness first, then quality of effort, then outcomes; staffing measures in a fixed order."""
    outcome, workforce_measure, _ = key
    categories = ["quality_of_effort", "outcome"]
    category = marts.measures.get(outcome, {}).get("category")
    rank = (
        -1
        if outcome == "effectiveness_index"
        else (categories.index(category) if category in categories else len(categories))
    )
    staffing = list(WORKFORCE_WORDS)
    return (
        rank,
        marts.measure_name(outcome),
        staffing.index(workforce_measure) if workforce_measure in staffing else len(staffing),
    )


def _signed(value: float) -> str:
    return f"{value:.2f}".replace("-", "−")


def findings_by_kind(marts: Marts) -> dict[str, list[str]]:
    """The association findings of each kind of service, in words."""
    return {kind: findings(rows, marts) for kind, rows in marts.associations.items()}


def findings(rows: list[Row], marts: Marts) -> list[str]:
    """Each clear association for a kind of service in plain words, one per result and staffing measure."""
    grouped: dict[tuple[str, str, bool], list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row["outcome"], row["workforce_measure"], row["slope"] > 0)].append(row)
    sentences = []
    for (outcome, workforce_measure, rises), found in sorted(
        grouped.items(), key=lambda item: _finding_order(item[0], marts)
    ):
        first = min(found, key=lambda r: r["lag_months"])
        name, unit, higher_is_better = _result(outcome, marts)
        judgement = (
            "" if higher_is_better is None else (" (better)" if rises == higher_is_better else " (worse)")
        )
        staffing = WORKFORCE_WORDS.get(workforce_measure, workforce_measure)
        sentences.append(
            f"Where {staffing} was higher, {name} was {'higher' if rises else 'lower'}{judgement} "
            f"{lag_words(sorted(r['lag_months'] for r in found))}: "
            f"{abs(first['slope']):.2f}{' ' + unit if unit else ''} {'more' if rises else 'less'} "
            f"for each percentage point of {staffing.removeprefix('the ')} "
            f"(95% interval {_signed(first['ci_low'])} to {_signed(first['ci_high'])}; "
            f"{plural(first['observations'], 'service-month')} in {plural(first['services'], 'service')})."
        )
    return sentences
