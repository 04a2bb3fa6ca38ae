"""The index page's headline: what is going well, what badly, what moved, in a few plain sentences."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from assets.publish.board_rules import BoardRules, board_quadrant
from assets.publish.display import join_words, month, plural, variation_badge
from assets.publish.marts import Marts, Row

# the special causes of the latest month, newest first; a board reads a handful
NEWEST_SQL = """
    select service_code, measure_code, period, point_type
    from marts.fct_measure_spc
    where special_cause and period = (select max(period) from marts.fct_measure_spc)
    order by point_type, service_code, measure_code
"""
NEWEST_SHOWN = 5


@dataclass(frozen=True)
class PeerCounts:
    """How many services of each kind hold an efficiency index, month by month."""

    counts: Counter

    @classmethod
    def of(cls, marts: Marts) -> PeerCounts:
        """Count, per kind and month, the services with an efficiency index."""
        kinds = {s["service_code"]: s["service_kind"] for s in marts.services}
        return cls(
            Counter(
                (kinds.get(code), row["period"])
                for code, rows in marts.scorecard.items()
                for row in rows
                if row["efficiency_index"] is not None
            )
        )

    def at(self, kind: str, period: date | None) -> PeerCounts:
        """The count of `kind` in `period` alone (all a service page reads of them)."""
        return PeerCounts(Counter({(kind, period): self.counts[(kind, period)]}))

    def of_kind(self, kind: str, period: date | None) -> int:
        """Services of `kind` with an efficiency index in `period`."""
        return self.counts[(kind, period)]


def service_quadrant(service: Row, row: Row | None, peers: PeerCounts, rules: BoardRules) -> str:
    """A service's quadrant in a month, in a board's words (on targets alone with too few peers)."""
    if row is None:
        return board_quadrant(None, None, True)
    enough = rules.enough_peers(peers.of_kind(service["service_kind"], row["period"]))
    return board_quadrant(row["quadrant"], row["effectiveness_index"], enough)


def moved_quadrant(marts: Marts, peers: PeerCounts, rules: BoardRules) -> list[str]:
    """Each service whose quadrant in its latest month differs from the month before, in words."""
    moved = []
    for service in marts.services:
        rows = marts.scorecard.get(service["service_code"], [])
        if len(rows) < 2:
            continue
        before, latest = (service_quadrant(service, r, peers, rules) for r in rows[-2:])
        if before != latest:
            moved.append(f"{service['service_name']}: from “{before}” to “{latest}”")
    return moved


def newest_special_causes(con: duckdb.DuckDBPyConnection, marts: Marts) -> list[str]:
    """The special causes of the latest month, in words (service, measure, kind of signal)."""
    names = {s["service_code"]: s["service_name"] for s in marts.services}
    return [
        f"{names.get(service, service)} — {marts.measure_name(measure)} "
        f"({variation_badge(point_type).label.removeprefix('Special cause: ')}, {month(period)})"
        for service, measure, period, point_type in con.execute(NEWEST_SQL).fetchall()
    ]


def headline(
    marts: Marts, peers: PeerCounts, rules: BoardRules, newest: list[str], changes: dict[str, Any] | None
) -> dict[str, Any]:
    """The headline counts, each with its definition, and the lists behind them."""
    rags: Counter = Counter()
    for service in marts.services:
        code = service["service_code"]
        latest = marts.latest_period(code)
        rags.update(r["rag"] for r in marts.measure_periods.get(code, []) if r["period"] == latest)
    rated = rags["red"] + rags["amber"] + rags["green"]
    variation = Counter(s["variation"] for s in marts.spc_status.values())
    assurance = Counter(s["assurance"] for s in marts.spc_status.values())
    moved = moved_quadrant(marts, peers, rules)
    counts = [
        (
            "red",
            rags["red"],
            f"{plural(rags['red'], 'measure')} red",
            f"of {plural(rated, 'measure')} rated against a target in their service's latest month",
        ),
        (
            "failing",
            assurance["consistently failing"],
            f"{plural(assurance['consistently failing'], 'measure')} consistently failing",
            "the target lies outside the range the service's results vary within: it will not be met "
            "without a change to how the service works",
        ),
        (
            "improving",
            variation["special cause improvement"],
            f"{plural(variation['special cause improvement'], 'measure')} improving",
            "the latest point is a special cause of improvement: better than chance variation explains",
        ),
        (
            "concern",
            variation["special cause concern"],
            f"{plural(variation['special cause concern'], 'measure')} worsening",
            "the latest point is a special cause of concern: worse than chance variation explains",
        ),
        (
            "moved",
            len(moved),
            f"{plural(len(moved), 'service')} moved quadrant",
            "between the month before and the latest month",
        ),
    ]
    return {
        "counts": [
            {"key": key, "count": n, "label": label, "definition": definition}
            for key, n, label, definition in counts
        ],
        "moved": moved,
        "newest": newest[:NEWEST_SHOWN],
        "newest_more": max(0, len(newest) - NEWEST_SHOWN),
        "since_last": _since_last(changes),
    }


def _since_last(changes: dict[str, Any] | None) -> str:
    if changes is None:
        return "This is the first publication: there is no earlier one to compare with."
    found = [plural(count, *nouns) for nouns, count in changes["counts"]]
    return f"Since the last publication: {join_words(found)}."
