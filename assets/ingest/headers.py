"""Find the header row of a sheet (below any title rows): the row naming the most headers a layout reads."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from assets.contract import SubmissionType
from assets.ingest.mapping import ReturnMapping, normalise_header
from assets.ingest.sheets import Sheet

# Templates put a title, a logo line or instructions above the header; look this far down for it.
HEADER_SEARCH_ROWS = 30
# what normalising keeps besides digits and spaces: a text without any normalises to digits alone
WORDY = re.compile(r"[A-Za-z%£]")


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


@lru_cache(maxsize=8192)
def _match_row(
    row: tuple[str, ...], above: tuple[str, ...], labels: frozenset[str], prefixes: frozenset[str]
) -> tuple[tuple[str, int], ...]:
    """Return (label, column) of each wanted header the row names (the row above may group its cells).

    Kept for rows met again: a partner's title, group and header rows are the same in every file.
    """
    positions: dict[str, int] = {}
    figures_named = _has_bare(labels)
    for j, cell in enumerate(row):
        text = cell.strip()
        if not text:
            continue
        # A header merged across columns above this one groups it: "Staff in post" over "FTE". The
        # pair can name a label only when the group's words begin one (a data row above never does).
        group = above[j].strip() if j < len(above) else ""
        label = None
        if group and group != text and normalise_header(group) in prefixes:
            label = normalise_header(f"{group} {cell}")
        if label not in labels:
            # a figure (no letter) names a label only when a label is digits alone: skip normalising it
            # (any text beyond ASCII is normalised: some characters lower-case to ASCII letters)
            wordy = figures_named or not text.isascii() or WORDY.search(text)
            label = normalise_header(cell) if wordy else None
        if label in labels and label not in positions:
            positions[label] = j
    return tuple(positions.items())


@lru_cache(maxsize=256)
def _has_bare(labels: frozenset[str]) -> bool:
    """Return whether a label has no letter (digits alone, as a header naming a year may be)."""
    return any(not WORDY.search(label) for label in labels)


def locate_header(sheet: Sheet, labels: AbstractSet[str]) -> Header | None:
    """Return the first row naming the most wanted headers within the top rows, or None."""
    best: Header | None = None
    wanted = frozenset(labels)
    prefixes = _word_prefixes(wanted)
    rows = sheet.cells
    for r in range(min(HEADER_SEARCH_ROWS, len(rows))):
        # a row names at most one header per filled cell: one with no more cells than the best row
        # has headers cannot beat it (the data rows below a header, mostly), so it is not read
        if best is not None and sum(1 for cell in rows[r] if cell.strip()) <= len(best.positions):
            continue
        positions = dict(_match_row(tuple(rows[r]), tuple(rows[r - 1]) if r > 0 else (), wanted, prefixes))
        if positions and (best is None or len(positions) > len(best.positions)):
            best = Header(r, positions, {j: c.strip() for j, c in enumerate(sheet.cells[r]) if c.strip()})
    return best
