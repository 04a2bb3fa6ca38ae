"""Every service's efficiency-and-effectiveness points, serialised once per site for the path charts.

A service's path chart shows its own months and the latest point of every other service of its kind.
The points of a kind in a month are gathered once and written once, in a script every page of that kind
and month loads (`assets/peers/<kind>-<month>.js`); each page leaves its own service out when it draws
them. A page no longer holds its peers' points: at 1,000 areas they were 257 KB of a 392 KB page, and a
change in one service's latest point no longer changes every page of its kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from assets.publish import chart_names
from assets.publish.board_rules import QUADRANT_NAMES
from assets.publish.chart_views import safe_json
from assets.publish.display import iso_date, month, number
from assets.publish.marts import Marts, Row
from assets.publish.slugs import file_slugs

PEERS_FOLDER = Path("assets") / "peers"

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
        if not (indices := _indices(row)):
            continue
        efficiency, effectiveness = indices
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


def _indices(row: Row) -> tuple[float, float] | None:
    """A scorecard row's efficiency and effectiveness indices as charted; None unless both are given."""
    efficiency, effectiveness = number(row["efficiency_index"]), number(row["effectiveness_index"])
    return None if efficiency is None or effectiveness is None else (efficiency, effectiveness)


@dataclass(frozen=True)
class PeerPoints:
    """Where a path chart finds its peers' points: a script of its kind's points in a month, held in
    `window.joinedupPeers[key]` as [service code, chart row] pairs, and the service the page leaves out."""

    script: str  # the script's path in the site
    key: str
    own: str  # the page's service code, not drawn as a peer
    count: int  # the points drawn as peers
    dataset: str = chart_names.ROWS  # the chart's dataset the points are added to


class IndexPaths:
    """By kind and month, the services' points path charts draw as peers, worked out once for the site."""

    def __init__(self, marts: Marts) -> None:
        self.marts = marts
        self._kinds = file_slugs(sorted({s["service_kind"] for s in marts.services}), "kind")
        self._peers: dict[tuple[str, date], list[tuple[str, str]]] = {}
        self._asked: set[tuple[str, date]] = set()  # the kinds and months a page draws peers of

    def latest_peers(self, service: Row) -> PeerPoints | None:
        """The peers' points the service's path chart draws: those of its latest month with both indices;
        None without such a month or any peer in it."""
        rows = self.marts.scorecard.get(service["service_code"], [])
        latest = next((row["period"] for row in reversed(rows) if _indices(row)), None)
        return self.peers(service, latest) if latest else None

    def peers(self, service: Row, period: date) -> PeerPoints | None:
        """The points of the other services of the service's kind with both indices in `period`, as the
        page loads them; None when there are none."""
        kind, code = service["service_kind"], service["service_code"]
        found = self._points(kind, period)
        count = sum(peer != code for peer, _ in found)
        if not count:
            return None
        self._asked.add((kind, period))
        key = self._key(kind, period)
        return PeerPoints((PEERS_FOLDER / f"{key}.js").as_posix(), key, code, count)

    def scripts(self) -> dict[Path, str]:
        """The script of each kind and month whose points a page asked for, by its path in the site."""
        scripts = {}
        for kind, period in sorted(self._asked):
            key = self._key(kind, period)
            pairs = ",".join(f"[{safe_json(code)},{row}]" for code, row in self._peers[(kind, period)])
            scripts[PEERS_FOLDER / f"{key}.js"] = (
                "window.joinedupPeers = window.joinedupPeers || {};\n"
                f"window.joinedupPeers[{safe_json(key)}] = [{pairs}];\n"
            )
        return scripts

    def _key(self, kind: str, period: date) -> str:
        return f"{self._kinds[kind]}-{period:%Y-%m}"  # the script's name: `care-2026-03`

    def _points(self, kind: str, period: date) -> list[tuple[str, str]]:
        found = self._peers.get((kind, period))
        if found is None:
            found = self._peers[(kind, period)] = [
                (peer["service_code"], point.json(chart_names.PEER_LABEL, False))
                for peer in self.marts.services
                if peer["service_kind"] == kind
                if (row := self.marts.score_at(peer["service_code"], period))
                for point in index_points(peer, [row])
            ]
        return found
