"""A joint service's page: headlines, efficiency path, SPC charts with partners' comments, report cards,
workforce, accountability, data quality."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from markupsafe import Markup

from assets.publish import mdc_icons
from assets.publish.board_rules import BoardRules
from assets.publish.chart_views import ChartTemplates
from assets.publish.display import (
    CATEGORY_LABELS,
    JUDGED_ON_LABELS,
    NO_VALUE,
    UNIT_LABELS,
    Badge,
    assurance_badge,
    format_percent,
    format_value,
    long_month,
    month,
    number,
    rag_badge,
    variation_badge,
)
from assets.publish.headline import PeerCounts, service_quadrant
from assets.publish.index_paths import IndexPaths, PeerPoints
from assets.publish.marts import REFERENCE, Marts, Row
from assets.publish.page_inputs import inputs_digest
from assets.publish.quality import Quality, ServiceQuality
from assets.publish.quality_page import measure_flags, service_flags, service_panel
from assets.publish.report_cards import measure_comments, report_card
from assets.publish.service_charts import direction_words, path_chart, spc_charts
from assets.publish.workforce_panel import workforce_panel

NO_ISSUES = "No issues found"
CANNOT_COMPUTE = Badge("Limits cannot be computed", "ring", "neutral")


@dataclass(frozen=True)
class ServiceInputs:
    """What a service's page is built from, each cut to that service: its marts (`Marts.for_service`), its
    data quality, the peers its path chart draws, the count of its kind's services with an index in its
    latest scorecard month (its quadrant's peers), and the association findings of its kind."""

    marts: Marts
    quality: ServiceQuality
    path_peers: PeerPoints | None
    peers: PeerCounts
    findings: list[str]

    @classmethod
    def of(
        cls,
        service: Row,
        marts: Marts,
        quality: Quality,
        paths: IndexPaths,
        peers: PeerCounts,
        findings: dict[str, list[str]],
    ) -> ServiceInputs:
        """The service's inputs, cut from the site's; `findings` by kind of service."""
        code, kind = service["service_code"], service["service_kind"]
        return cls(
            marts.for_service(code),
            quality.service(code),
            paths.latest_peers(service),
            peers.at(kind, marts.latest_scored(code)),
            findings.get(kind, []),
        )

    @property
    def service(self) -> Row:
        """The service's row of `dim_joint_service`."""
        return self.marts.services[0]

    def digested(self, shared: str) -> tuple[Any, ...]:
        """What the page's digest covers: every input but the reference tables, which `shared` (the
        digest of what every service page reads alike, `shared_inputs`) stands for."""
        own = tuple(getattr(self.marts, f.name) for f in fields(Marts) if f.name not in REFERENCE)
        return (shared, own, self.quality, self.path_peers, self.peers, self.findings)


def shared_inputs(marts: Marts, templates: ChartTemplates, rules: BoardRules) -> str:
    """The digest of what every service page reads alike: the reference tables, chart templates and rules."""
    return inputs_digest(([getattr(marts, name) for name in REFERENCE], templates, rules))


def service_context(inputs: ServiceInputs, templates: ChartTemplates, rules: BoardRules) -> dict[str, Any]:
    """Everything the service page shows, in the order it shows it.

    The quadrant is named as on the index: on targets alone where the kind has too few peers.
    """
    service, marts = inputs.service, inputs.marts
    code = service["service_code"]
    by_measure: dict[str, list[Row]] = defaultdict(list)
    for row in marts.measure_periods.get(code, []):
        by_measure[row["measure_code"]].append(row)
    codes = sorted(by_measure, key=lambda c: _measure_order(c, marts))
    latest = marts.latest_period(code)
    score = marts.score_at(code, marts.latest_scored(code))
    tiles = [_tile(code, c, by_measure[c], latest, marts, inputs.quality) for c in codes]
    return {
        "service": service,
        "start_month": long_month(service["start_period"]),
        "latest_month": long_month(latest),
        "flags": service_flags(code, marts, inputs.quality),
        "tiles": tiles,
        "matrix_columns": mdc_icons.MATRIX_COLUMNS,
        "matrix_rows": mdc_icons.summary_matrix_rows(
            (t["name"], t["variation_state"], t["assurance_state"]) for t in tiles
        ),
        "quadrant": service_quadrant(service, score, inputs.peers, rules) if score else NO_VALUE,
        "score_month": long_month(score["period"]) if score else NO_VALUE,
        "path_chart": path_chart(
            service, marts.scorecard.get(code, []), inputs.path_peers, templates["path"]
        ),
        "direction": direction_words(score),
        "spc": spc_charts(service, marts, codes, templates),
        "comments": {c: measure_comments(code, c, marts) for c in codes},
        "report_cards": [report_card(code, c, marts) for c in codes],
        "workforce": workforce_panel(service, marts, templates["workforce"], inputs.findings),
        "accountability": [_accountability_row(code, c, by_measure[c], latest, marts) for c in codes],
        "quality": service_panel(inputs.quality),
    }


def _measure_order(code: str, marts: Marts) -> tuple[int, str]:
    order = list(CATEGORY_LABELS)
    category = marts.measures.get(code, {}).get("category")
    return (order.index(category) if category in order else len(order), marts.measure_name(code))


def _at(rows: list[Row], period: date | None) -> Row | None:
    return next((r for r in rows if r["period"] == period), None)


def _raw(value: float | None) -> str:
    """A figure as a plain number for `data-value`, so tests can compare it with the marts."""
    found = number(value, 9)
    return "" if found is None else repr(found)


def _tile(
    service_code: str,
    measure_code: str,
    rows: list[Row],
    latest: date | None,
    marts: Marts,
    quality: ServiceQuality,
) -> dict[str, Any]:
    measure = marts.measures.get(measure_code, {})
    unit = measure.get("unit")
    row = _at(rows, latest)
    status = marts.spc_status.get((service_code, measure_code))
    status_period = status["latest_period"] if status else None
    variation = status["variation"] if status else None
    assurance = status["assurance"] if status else None
    series = marts.spc.get((service_code, measure_code))
    flags = measure_flags(row, quality, measure_code)
    judged_on = row["judged_on"] if row else rows[-1]["judged_on"]
    return {
        "code": measure_code,
        "name": marts.measure_name(measure_code),
        "category": CATEGORY_LABELS.get(measure.get("category"), measure.get("category") or NO_VALUE),
        "unit": UNIT_LABELS.get(unit, unit or NO_VALUE),
        "judged_on": JUDGED_ON_LABELS.get(judged_on, judged_on or NO_VALUE),
        "actual": format_value(row["assessed_actual"] if row else None, unit),
        "actual_value": _raw(row["assessed_actual"] if row else None),
        "target": format_value(row["assessed_target"] if row else None, unit),
        "target_value": _raw(row["assessed_target"] if row else None),
        "rag": rag_badge(row["rag"] if row else None),
        "variation": (
            CANNOT_COMPUTE
            if variation is None and series and series.limits_cannot_be_computed
            else variation_badge(variation)
        ),
        "assurance": assurance_badge(assurance),
        "variation_state": variation,
        "assurance_state": assurance,
        "variation_icon": _icon(
            mdc_icons.variation_kind(variation, measure.get("direction")), mdc_icons.variation_icon
        ),
        "assurance_icon": _icon(mdc_icons.assurance_kind(assurance), mdc_icons.assurance_icon),
        "spc_month": month(status_period) if status_period and status_period != latest else None,
        "dq": "; ".join(flags) if flags else NO_ISSUES,
        "dq_ok": not flags,
        "accountable": marts.partner_name(
            row["accountable_partner_code"] if row else rows[-1]["accountable_partner_code"]
        )
        or NO_VALUE,
    }


def _icon(kind: str | None, draw: Callable[[str], Markup]) -> Markup | None:
    return draw(kind) if kind else None


def _contribution(row: Row, unit: str | None, marts: Marts) -> str:
    name = marts.partner_name(row["partner_code"])
    if row["share_of_value"] is not None:
        return f"{name}: {format_percent(row['share_of_value'])} of the count"
    share = f"{name}: {format_percent(row['share_of_denominator'])} of the cases"
    if row["partner_rate"] is None:
        return share
    return f"{share}, its own rate {format_value(row['partner_rate'], unit)}"


def _accountability_row(
    service_code: str, measure_code: str, rows: list[Row], latest: date | None, marts: Marts
) -> dict[str, Any]:
    unit = marts.measures.get(measure_code, {}).get("unit")
    row = _at(rows, latest)
    accountable = row["accountable_partner_code"] if row else rows[-1]["accountable_partner_code"]
    contributions = [
        r for r in marts.accountability.get(service_code, []) if r["measure_code"] == measure_code
    ]
    red = marts.red.get((service_code, measure_code))
    return {
        "measure": marts.measure_name(measure_code),
        "accountable": marts.partner_name(accountable) or NO_VALUE,
        "contributions": [_contribution(r, unit, marts) for r in contributions],
        "rag": rag_badge(row["rag"] if row else None),
        "months_red": red["months_red"] if red else 0,
        "red_since": long_month(red["red_since"]) if red else None,
    }
