"""Read a CSV file or an XLSX workbook into sheets of text cells, as a person sees them."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time

import python_calamine

from assets.ingest.files import RejectedFile, decode

# The longest line a CSV may hold: Python's csv reader's own limit for a value. A row of figures is
# a few hundred characters; a longer line is not a row (a whole file saved without line breaks, say).
MAX_LINE_CHARS = 131_072
LINE_BREAK = re.compile(r"\r\n?|\n")


@dataclass(frozen=True, eq=False)
class Sheet:
    """One grid of text cells (a CSV file, or a workbook sheet) and the file row of each grid row."""

    name: str | None
    cells: list[list[str]]
    row_numbers: list[int]


def read_csv(content: bytes) -> tuple[Sheet, str]:
    """Return the CSV's rows as one sheet (row number = the line a row starts on) and its encoding."""
    text, encoding = decode(content)
    if len(text) > MAX_LINE_CHARS:
        _check_line_lengths(text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    cells, numbers, line = [], [], 0
    try:
        for row in reader:
            cells.append(row)
            numbers.append(line + 1)
            line = reader.line_num
    except csv.Error as exc:
        raise RejectedFile(
            "unreadable_file",
            f"line {reader.line_num} cannot be read as CSV ({exc}); "
            "the file may have been cut off: please send it again",
        ) from exc
    return Sheet(None, cells, numbers), encoding


def _check_line_lengths(text: str) -> None:
    """Raise RejectedFile naming the first line longer than MAX_LINE_CHARS."""
    lengths = list(map(len, LINE_BREAK.split(text)))
    if max(lengths) > MAX_LINE_CHARS:
        number, length = next((n, k) for n, k in enumerate(lengths, 1) if k > MAX_LINE_CHARS)
        raise RejectedFile(
            "unreadable_file",
            f"line {number} is {length:,} characters long; lines may be "
            f"at most {MAX_LINE_CHARS:,} characters (one row of figures "
            "per line): please save the file as CSV again and resend it",
        )


def _cell_text(value: object) -> str:
    """Return a cell as the text a person reads in it (whole numbers without '.0', dates as ISO)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _fill_merged(cells: list[list[str]], merged: list) -> None:
    """Give every cell of a merged range the value Excel shows across it (its top-left cell's)."""
    for (top, left), (bottom, right) in merged:
        if top >= len(cells) or left >= len(cells[top]):
            continue
        value = cells[top][left]
        for r in range(top, min(bottom, len(cells) - 1) + 1):
            row = cells[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


def read_workbook(content: bytes) -> list[Sheet]:
    """Return every sheet of an XLSX workbook, merged cells filled, rows numbered as in Excel."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            cells = [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
            _fill_merged(cells, sheet.merged_cell_ranges or [])
            sheets.append(Sheet(name, cells, list(range(1, len(cells) + 1))))
    except python_calamine.CalamineError as exc:
        raise RejectedFile(
            "unreadable_file",
            "the workbook is damaged or was cut off in transfer "
            f"({exc}); please save it again from Excel and resend",
        ) from exc
    return sheets
