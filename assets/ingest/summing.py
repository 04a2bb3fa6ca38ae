"""Sum rows that a publication splits further than the contract (by nationality, say) into one row per key."""

from __future__ import annotations

from assets.contract import SubmissionType
from assets.validate.numbers import is_missing_text, is_suppressed_text, number_text, read_figures

# Each built row is (sheet name, row number, *contract columns).
FIRST_COLUMN = 2


def _total(texts: list[str | None], numbers: dict[str, float | None]) -> str | None:
    """Return the sum of written figures: None if none was given, the odd one out if one is not a number."""
    given = [t for t in texts if t is not None and not is_missing_text(t)]
    if not given:
        return None
    read = [numbers.get(t) for t in given]
    odd = next((t for t in given if is_suppressed_text(t)), None) or next(
        (t for t, number in zip(given, read, strict=True) if number is None), None
    )
    return odd if odd is not None else number_text(sum(number for number in read if number is not None))


def sum_split(kind: SubmissionType, rows: list[tuple], unread: list[tuple]) -> list[tuple]:
    """Return one row per sheet and key (every non-figure column, and the cells no column reads).

    Figures are summed; the row keeps the sheet and row number of the first row of its group. A group
    with a suppressed figure keeps the suppression mark, and one with a figure that is not a number keeps
    that figure as written, so that validation holds the total back and says why.
    """
    figures = [FIRST_COLUMN + i for i, c in enumerate(kind.columns) if c in kind.numeric]
    groups: dict[tuple, list[tuple]] = {}
    for row, extra in zip(rows, unread, strict=True):
        key = (row[0], *(v for i, v in enumerate(row) if i >= FIRST_COLUMN and i not in figures), *extra)
        groups.setdefault(key, []).append(row)
    numbers = read_figures(v for row in rows for i in figures if (v := row[i]) is not None)
    summed = []
    for members in groups.values():
        first = list(members[0])
        for i in figures:
            first[i] = _total([m[i] for m in members], numbers)
        summed.append(tuple(first))
    return summed
