"""How the scorecards judge what they show a board: enough peers for a median, quadrant names in words.

The minimum number of peers is a setting (`JOINEDUP_MIN_PEERS`, 5 by default, read with the others in
pipelines/settings.py): with fewer services of a kind, the peer median is one of the services themselves
(with 3, the middle one always scores exactly 100), so peer indices are not shown and the service is
judged on its targets alone.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MIN_PEERS = 5
# 6-month change of an index that counts as movement (as marts.scorecard_service_period's direction)
DIRECTION_STEP = 2.0

# marts.scorecard_service_period's quadrant -> what it means, in a board's words
QUADRANT_NAMES = {
    "efficient and effective": "On target, cost at or below peers",
    "effective but costly": "On target, cost above peers",
    "cheap but failing": "Below target, cost at or below peers",
    "neither": "Below target, cost above peers",
    "not assessed": "Not assessed",
}
NOT_COMPARED = "cost not compared: too few peers"


@dataclass(frozen=True)
class BoardRules:
    """The partnership's settings for reading the scorecards."""

    min_peers: int = DEFAULT_MIN_PEERS

    def enough_peers(self, peers: int) -> bool:
        """Whether a kind with `peers` services holding an index has a median that means something."""
        return peers >= self.min_peers


def board_quadrant(quadrant: str | None, effectiveness_index: float | None, peers_enough: bool) -> str:
    """The quadrant in a board's words; on effectiveness alone when the kind has too few peers."""
    if peers_enough or effectiveness_index is None:
        return QUADRANT_NAMES.get(quadrant or "not assessed", quadrant or "Not assessed")
    return f"{target_words(effectiveness_index)} ({NOT_COMPARED})"


def target_words(effectiveness_index: float) -> str:
    """On target (effectiveness index 100 or more) or below target."""
    return "On target" if effectiveness_index >= 100 else "Below target"


def effectiveness_direction(change_6m: float | None) -> str:
    """Direction of travel on the effectiveness index alone: improving, deteriorating or steady."""
    if change_6m is None:
        return "not enough history"
    if change_6m >= DIRECTION_STEP:
        return "improving"
    if change_6m <= -DIRECTION_STEP:
        return "deteriorating"
    return "steady"
