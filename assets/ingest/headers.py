"""Find the header row of a sheet (below any title rows): the row naming the most headers a layout reads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assets.contract import SubmissionType
from assets.ingest.mapping import ReturnMapping, normalise_header
from assets.ingest.sheets import Sheet

# Templates put a title, a logo line or instructions above the header; look this far down for it.
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Header:
    """Where a sheet's header is, the column of each header it names, and every header cell as written."""

    row_index: int
    positions: dict[str, int]
    cells: dict[int, str]


def header_labels(kind: SubmissionType, mapping: ReturnMapping) -> set[str]:
    """Return the normalised headers to look for: the contract's own names and those the mapping reads."""
    return {normalise_header(c) for c in kind.columns} | mapping.wanted_headers()


@lru_cache(maxsize=256)
def _word_prefixes(labels: frozenset[str]) -> frozenset[str]:
    """Return every label and each run of its first words ('staff in post fte' gives 'staff', ...)."""
    return frozenset(
        " ".join(words[:n])
        for label in labels
        for words in [label.split(" ")]
        for n in range(1, len(words) + 1)
    )


def _match_row(
    cells: list[list[str]], r: int, labels: frozenset[str], prefixes: frozenset[str]
) -> dict[str, int]:
    positions: dict[str, int] = {}
    above = cells[r - 1] if r > 0 else []
    for j, cell in enumerate(cells[r]):
        if not cell.strip():
            continue
        # A header merged across columns above this one groups it: "Staff in post" over "FTE". The
        # pair can name a label only when the group's words begin one (a data row above never does).
        group = above[j].strip() if j < len(above) else ""
        candidates = (
            [normalise_header(f"{group} {cell}")]
            if group and group != cell.strip() and normalise_header(group) in prefixes
            else []
        )
        label = next((c for c in [*candidates, normalise_header(cell)] if c in labels), None)
        if label is not None and label not in positions:
            positions[label] = j
    return positions


def locate_header(sheet: Sheet, labels: set[str]) -> Header | None:
    """Return the first row naming the most wanted headers within the top rows, or None."""
    best: Header | None = None
    wanted = frozenset(labels)
    prefixes = _word_prefixes(wanted)
    for r in range(min(HEADER_SEARCH_ROWS, len(sheet.cells))):
        positions = _match_row(sheet.cells, r, wanted, prefixes)
        if positions and (best is None or len(positions) > len(best.positions)):
            best = Header(r, positions, {j: c.strip() for j, c in enumerate(sheet.cells[r]) if c.strip()})
    return best
