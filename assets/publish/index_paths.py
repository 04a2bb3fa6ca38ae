"""Every service's efficiency-and-effectiveness points, serialised once per site for the path charts.

A service's path chart shows its own months and the latest point of every other service of its kind;
each point is serialised once here, and the peers of a kind in a month are gathered once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from assets.publish import charts
from assets.publish.board_rules import QUADRANT_NAMES
from assets.publish.chart_views import safe_json
from assets.publish.display import iso_date, month, number
from assets.publish.marts import Marts, Row

_text_json = cache(safe_json)  # quadrants and roles: a few texts, each serialised once


@dataclass(frozen=True)
class IndexPoint:
    """One service-month with both indices, and its chart row as JSON but for its role and latest flag."""

    period: date
    month: str
    efficiency_index: float
    effectiveness_index: float
    quadrant: str
    json_head: str  # the row up to its quadrant, without the closing brace

    def json(self, role: str, is_latest: bool) -> str:
        """The chart row of the point drawn in `role`."""
        return f'{self.json_head},"role":{_text_json(role)},"is_latest":{"true" if is_latest else "false"}}}'


def index_points(service: Row, rows: list[Row]) -> list[IndexPoint]:
    """The service's scorecard rows with both indices, as chart points in the order given."""
    name = safe_json(service["service_name"])
    points = []
    for row in rows:
        efficiency, effectiveness = number(row["efficiency_index"]), number(row["effectiveness_index"])
        if efficiency is None or effectiveness is None:
            continue
        period = row["period"]
        written: str = row["quadrant"] or "not assessed"
        quadrant = QUADRANT_NAMES.get(written, written)
        head = (
            f'{{"service":{name},"period":"{iso_date(period)}","month":"{month(period)}",'
            f'"efficiency_index":{efficiency!r},"effectiveness_index":{effectiveness!r},'
            f'"quadrant":{_text_json(quadrant)}'
        )
        points.append(IndexPoint(period, month(period), efficiency, effectiveness, quadrant, head))
    return points


class IndexPaths:
    """Each service's path and, by kind and month, its peers' points, worked out once for the site."""

    def __init__(self, marts: Marts) -> None:
        self.marts = marts
        self._peers: dict[tuple[str, date], list[tuple[str, str]]] = {}

    def path(self, service: Row) -> list[IndexPoint]:
        """The service's months with both indices, in order."""
        return index_points(service, self.marts.scorecard.get(service["service_code"], []))

    def peers(self, service: Row, period: date) -> list[str]:
        """The chart rows of the other services of the service's kind with both indices in `period`."""
        kind = service["service_kind"]
        found = self._peers.get((kind, period))
        if found is None:
            found = self._peers[(kind, period)] = [
                (peer["service_code"], point.json(charts.PEER_LABEL, False))
                for peer in self.marts.services
                if peer["service_kind"] == kind
                if (row := self.marts.score_at(peer["service_code"], period))
                for point in index_points(peer, [row])
            ]
        return [row for code, row in found if code != service["service_code"]]
