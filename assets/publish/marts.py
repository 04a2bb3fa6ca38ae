"""Read the marts the scorecards show, once per site, grouped by joint service."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

import duckdb

from assets.publish.spc_series import SpcSeries, load_spc_series

Row = dict[str, Any]
MeasureKey = tuple[str, str]  # service and measure code
Key = TypeVar("Key")
Value = TypeVar("Value")

# the marts a service page reads its own service's rows of: keyed by service code, and by service and
# measure code (as the SPC series, read a batch of services at a time); the reference tables it reads whole
BY_SERVICE = ("scorecard", "measure_periods", "workforce", "coverage", "pay", "pay_gaps", "accountability")
BY_SERVICE_AND_MEASURE = ("spc_status", "red", "comments", "report_cards", "actions")
REFERENCE = ("partners", "measures", "staff_groups", "association_tests")

QUERIES = {
    "services": """
        select service_code, service_name, service_kind, service_kind_name, partnership_area,
               lead_partner_code, lead_partner_name, start_period, partner_count
        from marts.dim_joint_service
        order by partnership_area, service_name, service_code""",
    # reference tables in a fixed order: every service page's inputs digest them (`page_inputs`)
    "partners": "select partner_code, partner_name, partnership_area from marts.dim_partner order by all",
    "measures": """
        select measure_code, measure_name, unit, direction, category
        from marts.dim_measure
        order by all""",
    "staff_groups": "select staff_group_code, staff_group_name from seeds.staff_groups order by all",
    "scorecard": """
        select service_code, period, efficiency_index, effectiveness_index, quadrant,
               efficiency_change_6m, effectiveness_change_6m, direction_of_travel
        from marts.scorecard_service_period
        order by service_code, period""",
    # each measure's latest row, and every row of the service's latest month: all pages show
    "measure_periods": """
        select service_code, measure_code, period, actual, target, judged_on, assessed_actual,
               assessed_target, assessed_tolerance, attainment_pct, rag, is_restated,
               accountable_partner_code, reporting_partners, expected_partners
        from marts.fct_measure_period
        where (service_code, measure_code, period) in (
                select (service_code, measure_code, max(period)) from marts.fct_measure_period
                group by service_code, measure_code)
            or (service_code, period) in (
                select (service_code, max(period)) from marts.fct_measure_period group by service_code)
        order by service_code, measure_code, period""",
    "spc_status": """
        select service_code, measure_code, latest_period, variation, assurance
        from marts.measure_spc_status""",
    "workforce": """
        select service_code, period, vacancy_rate, turnover_rate_12m, sickness_rate, agency_share
        from marts.fct_workforce_service_period
        order by service_code, period""",
    "coverage": """
        select service_code, months_with_outcomes, months_with_workforce
        from intermediate.int_service_workforce_coverage""",
    # pay in each service's latest workforce month
    "pay": """
        select service_code, period, partner_code, staff_group_code, headcount, contracted_fte,
               mean_annual_pay_per_fte
        from marts.fct_workforce_period
        join (select service_code, max(period) as period from marts.fct_workforce_period group by all)
            using (service_code, period)
        order by service_code, staff_group_code, partner_code""",
    "pay_gaps": """
        select service_code, period, comparison, staff_group_code, higher_paid, lower_paid,
               is_suppressed, higher_pay_per_fte, lower_pay_per_fte, gap_pounds, gap_pct,
               fte_affected
        from marts.pay_parity
        join (select service_code, max(period) as period from marts.pay_parity group by all)
            using (service_code, period)
        order by service_code, comparison desc, staff_group_code, gap_pct desc nulls last, higher_paid,
                 lower_paid""",
    # only the associations that hold once every test run is allowed for (Benjamini-Hochberg)
    "associations": """
        select service_kind, outcome, workforce_measure, lag_months, slope, ci_low, ci_high,
               q_value, observations, services
        from marts.workforce_outcome_association
        where is_discovery
        order by service_kind, outcome, workforce_measure, lag_months""",
    # contributions in each service's latest month
    "accountability": """
        select a.service_code, a.measure_code, a.period, a.partner_code, a.is_accountable,
               a.share_of_denominator, a.share_of_value, a.partner_rate, a.partner_attainment_pct
        from marts.accountability as a
        join (select service_code, max(period) as period from marts.fct_measure_period
              group by service_code) as latest
            on latest.service_code = a.service_code and latest.period = a.period
        order by a.service_code, a.measure_code, a.is_accountable desc, a.partner_code""",
    "red": """
        select service_code, measure_code, red_since, months_red
        from marts.accountable_red_measures""",
    # how many associations were tested (over every kind), and how many held
    "association_tests": """
        select count(*) as tests, count(*) filter (where is_discovery) as discoveries
        from marts.workforce_outcome_association
        where q_value is not null""",
    # partners' comments on their figures, newest first
    "comments": """
        select c.service_code, c.measure_code, c.period, c.period_grain, c.partner_code, c.comment
        from marts.fct_measure_comments as c
        order by c.service_code, c.measure_code, c.period desc, c.partner_code""",
    # each measure's latest report card, and its latest quarter whose card is due (to say it is missing)
    "report_cards": """
        select service_code, measure_code, period, quarter_label, deadline, card_status, is_latest_card,
               story, partners_with_a_role, what_works, actions, actions_overdue, sent_by_partner_code,
               submitted_on, as_of
        from marts.fct_report_card
        where is_latest_card
            or (service_code, measure_code, period) in (
                select (service_code, measure_code, max(period)) from marts.fct_report_card
                where card_status <> 'not yet due' group by service_code, measure_code)
        order by service_code, measure_code, period""",
    "actions": """
        select service_code, measure_code, action_number, action, owner_partner_code, due_date, status,
               is_overdue, days_overdue
        from marts.fct_action_plan
        where is_on_latest_card
        order by service_code, measure_code, action_number""",
}


@dataclass(frozen=True)
class Marts:
    """The mart rows the site needs: reference data by code, facts grouped by service."""

    services: list[Row]
    partners: dict[str, Row]
    measures: dict[str, Row]
    staff_groups: dict[str, str]
    scorecard: dict[str, list[Row]]
    measure_periods: dict[str, list[Row]]
    spc: dict[tuple[str, str], SpcSeries]  # by service and measure code
    spc_status: dict[tuple[str, str], Row]
    workforce: dict[str, list[Row]]
    coverage: dict[str, Row]
    pay: dict[str, list[Row]]
    pay_gaps: dict[str, list[Row]]
    associations: dict[str, list[Row]]
    accountability: dict[str, list[Row]]
    red: dict[tuple[str, str], Row]
    association_tests: Row  # tests (every kind's) and discoveries; empty when none was run
    comments: dict[tuple[str, str], list[Row]]  # by service and measure code, newest first
    report_cards: dict[tuple[str, str], list[Row]]  # the latest card and the latest quarter due
    actions: dict[tuple[str, str], list[Row]]  # the latest card's actions

    def for_service(self, service_code: str) -> Marts:
        """The marts as the service's page reads them: the service's row and its own rows of each fact
        (keyed as here, in key order), the associations of its kind, the reference tables whole."""
        service = self._services_by_code[service_code]
        by_service = {name: _subset(getattr(self, name), [service_code]) for name in BY_SERVICE}
        by_measure = {
            name: _subset(getattr(self, name), self._measure_keys[name].get(service_code, []))
            for name in BY_SERVICE_AND_MEASURE
        }
        return replace(
            self,
            services=[service],
            spc=_subset(self.spc, self._spc_keys.get(service_code, [])),
            associations=_subset(self.associations, [service["service_kind"]]),
            **by_service,
            **by_measure,
        )

    def with_spc(self, spc: dict[MeasureKey, SpcSeries]) -> Marts:
        """These marts with `spc` as their SPC series (a batch of services'); the other marts' keys by
        service, indexed once for the site, are not indexed again for each batch."""
        batch = replace(self, spc=spc)
        batch.__dict__["_measure_keys"] = self._measure_keys  # where cached_property keeps its value
        return batch

    @cached_property
    def _services_by_code(self) -> dict[str, Row]:
        return {s["service_code"]: s for s in self.services}

    @cached_property
    def _measure_keys(self) -> dict[str, dict[str, list[MeasureKey]]]:
        """Each mart keyed by service and measure but the SPC series: its keys by service code, sorted."""
        return {name: _keys_by_service(getattr(self, name)) for name in BY_SERVICE_AND_MEASURE}

    @cached_property
    def _spc_keys(self) -> dict[str, list[MeasureKey]]:
        return _keys_by_service(self.spc)

    @cached_property
    def _spc_status_by_service(self) -> dict[str, list[Row]]:
        return group_by(list(self.spc_status.values()), "service_code")

    def spc_statuses(self, service_code: str) -> list[Row]:
        """The service's measures' latest variation and assurance (`measure_spc_status`), grouped once:
        scanning every service's for each service took 7.5 s of a 3,000-service index."""
        return self._spc_status_by_service.get(service_code, [])

    def latest_period(self, service_code: str) -> date | None:
        """The service's latest month in its measure results."""
        return max((r["period"] for r in self.measure_periods.get(service_code, [])), default=None)

    def latest_scored(self, service_code: str) -> date | None:
        """The service's latest month in its scorecard (the month its quadrant is named for)."""
        return max((r["period"] for r in self.scorecard.get(service_code, [])), default=None)

    def score_at(self, service_code: str, period: date | None) -> Row | None:
        """The service's scorecard row for a month, if any."""
        rows = self.scorecard.get(service_code, [])
        return next((r for r in reversed(rows) if r["period"] == period), None)

    def partner_name(self, code: str | None) -> str:
        """A partner's name, or its code when the partner is unknown."""
        partner = self.partners.get(code or "")
        return partner["partner_name"] if partner else code or ""

    def measure_name(self, code: str) -> str:
        """A measure's name, or its code when the measure is unknown."""
        measure = self.measures.get(code)
        return measure["measure_name"] if measure else code


def load_marts(con: duckdb.DuckDBPyConnection, spc: bool = True) -> Marts:
    """Read every mart the site shows; without `spc`, every one but the SPC series (the largest: a site
    reads them a batch of services at a time, with `load_spc_series`)."""
    rows = {name: fetch_rows(con, sql) for name, sql in QUERIES.items()}
    return Marts(
        services=rows["services"],
        partners={r["partner_code"]: r for r in rows["partners"]},
        measures={r["measure_code"]: r for r in rows["measures"]},
        staff_groups={r["staff_group_code"]: r["staff_group_name"] for r in rows["staff_groups"]},
        scorecard=group_by(rows["scorecard"], "service_code"),
        measure_periods=group_by(rows["measure_periods"], "service_code"),
        spc=load_spc_series(con) if spc else {},
        spc_status={(r["service_code"], r["measure_code"]): r for r in rows["spc_status"]},
        workforce=group_by(rows["workforce"], "service_code"),
        coverage={r["service_code"]: r for r in rows["coverage"]},
        pay=group_by(rows["pay"], "service_code"),
        pay_gaps=group_by(rows["pay_gaps"], "service_code"),
        associations=group_by(rows["associations"], "service_kind"),
        accountability=group_by(rows["accountability"], "service_code"),
        red={(r["service_code"], r["measure_code"]): r for r in rows["red"]},
        association_tests=rows["association_tests"][0],
        comments=_by_measure(rows["comments"]),
        report_cards=_by_measure(rows["report_cards"]),
        actions=_by_measure(rows["actions"]),
    )


def _keys_by_service(mapping: dict[MeasureKey, Any]) -> dict[str, list[MeasureKey]]:
    grouped: dict[str, list[MeasureKey]] = defaultdict(list)
    for key in sorted(mapping):
        grouped[key[0]].append(key)
    return grouped


def _subset(mapping: dict[Key, Value], keys: list[Key]) -> dict[Key, Value]:
    """The entries of `keys` found in `mapping`, in that order, in a dict of its type (a defaultdict keeps
    its default)."""
    found: dict[Key, Value] = defaultdict(mapping.default_factory) if isinstance(mapping, defaultdict) else {}
    found.update((key, mapping[key]) for key in keys if key in mapping)
    return found


def _by_measure(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    """Rows grouped by service and measure code, keeping their order."""
    grouped: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row["service_code"], row["measure_code"])].append(row)
    return grouped


def fetch_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    """A query's rows as dicts by column name."""
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def group_by(rows: list[Row], key: str) -> dict[str, list[Row]]:
    """Rows grouped by one column's value, keeping their order."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped
