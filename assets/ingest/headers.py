"""Find the header row of a sheet (below any title rows) and map its headers to contract columns."""

from __future__ import annotations

from dataclasses import dataclass

from assets.contract import SubmissionType
from assets.ingest.partners import ReturnMapping, normalise_header
from assets.ingest.sheets import Sheet

# Templates put a title, a logo line or instructions above the header; look this far down for it.
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Header:
    """Where a sheet's header is and which column holds each contract column it names."""

    row_index: int
    positions: dict[str, int]
    ignored: tuple[str, ...]


def header_labels(kind: SubmissionType, mapping: ReturnMapping) -> dict[str, str]:
    """Return {normalised header: contract column}: the contract's own names plus the partner's."""
    return {normalise_header(c): c for c in kind.columns} | dict(mapping.columns)


def _match_row(cells: list[list[str]], r: int, labels: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    unmatched = []
    above = cells[r - 1] if r > 0 else []
    for j, cell in enumerate(cells[r]):
        if not cell.strip():
            continue
        # A header merged across columns above this one groups it: "Staff in post" over "FTE".
        group = above[j].strip() if j < len(above) else ""
        candidates = ([normalise_header(f"{group} {cell}")] if group and group != cell.strip() else [])
        column = next((labels[c] for c in [*candidates, normalise_header(cell)] if c in labels), None)
        if column is None or column in positions:
            unmatched.append(cell.strip())
        else:
            positions[column] = j
    return positions, unmatched


def locate_header(sheet: Sheet, labels: dict[str, str]) -> Header | None:
    """Return the first row naming the most contract columns within the top rows, or None."""
    best: Header | None = None
    for r in range(min(HEADER_SEARCH_ROWS, len(sheet.cells))):
        positions, unmatched = _match_row(sheet.cells, r, labels)
        if positions and (best is None or len(positions) > len(best.positions)):
            best = Header(r, positions, tuple(unmatched))
    return best


def required_columns(kind: SubmissionType, mapping: ReturnMapping) -> tuple[str, ...]:
    """Return the contract columns a sheet's header must name (period may come from the sheet name)."""
    return tuple(c for c in kind.columns if not (c == "period" and mapping.period_from_sheet_name))
