"""The day a publication's file counts as submitted: one day for every file, or each file's own, read from
its name (a pattern), its modification time or a column of dates in it (the latest date it holds)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from assets.ingest.date_patterns import DatePattern, PatternError, compile_pattern
from assets.ingest.files import RejectedFile
from assets.ingest.headers import locate_header
from assets.ingest.mapping import MappingError, normalise_header
from assets.ingest.sheets import Sheet
from assets.validate.periods import EXCEL_EPOCH, SERIAL

SOURCES = ("file_name", "modified", "column")
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ t].*)?$", re.IGNORECASE)
WRITTEN_DAY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class SubmittedOn:
    """How a source's files get their submission day: `day` for all, or per file `from` a source."""

    day: date | None = None
    source: str | None = None
    pattern: DatePattern | None = None
    column: str | None = None  # normalised header

    def describe(self) -> str:
        """Return where the day is read from, for reasons given to the partnership team."""
        return {
            "file_name": f"the file name (pattern {self.pattern.text if self.pattern else ''})",
            "modified": "the file's modification time",
            "column": f"the latest date in its column {self.column}",
        }.get(self.source or "", "submitted_on")


def parse_submitted(value: Any, where: str) -> SubmittedOn:
    """Return the submission day a source mapping declares, or raise MappingError saying what is wrong."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return SubmittedOn(day=value)
    spec = value if isinstance(value, dict) else {}
    source = spec.get("from")
    needs = {"file_name": "pattern", "column": "column", "modified": None}
    if (
        source not in SOURCES
        or set(spec) - {"from", needs[source] or "from"}
        or (needs[source] and not spec.get(needs[source]))
    ):
        raise MappingError(
            f"{where}: submitted_on is the day the publication counts as submitted "
            "(YYYY-MM-DD), or where each file's own is read: {from: file_name, pattern: "
            "'absence_{YYYY}-{MM}-{DD}'}, {from: modified} or "
            "{from: column, column: Published}"
        )
    if source == "file_name":
        try:
            return SubmittedOn(source=source, pattern=compile_pattern(str(spec["pattern"]), days=True))
        except PatternError as exc:
            raise MappingError(f"{where}: submitted_on {exc}") from exc
    column = normalise_header(str(spec["column"])) if source == "column" else None
    return SubmittedOn(source=source, column=column)


def _day(text: str, date_order: str | None) -> date | None:
    """Return the day a cell writes (ISO, an Excel serial, or day and month in the declared order)."""
    value = text.strip()
    try:
        if match := ISO_DAY.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := SERIAL.match(value):
            return EXCEL_EPOCH + timedelta(days=int(match[1]))
        if (match := WRITTEN_DAY.match(value)) and date_order in ("day_first", "month_first"):
            day, month = (match[1], match[2]) if date_order == "day_first" else (match[2], match[1])
            return date(int(match[3]), int(month), int(day))
    except ValueError:
        return None
    return None


def _latest_in_column(sheets: list[Sheet], column: str, date_order: str | None) -> date | None:
    days = []
    for sheet in sheets:
        header = locate_header(sheet, {column})
        if header is None or column not in header.positions:
            continue
        position = header.positions[column]
        days += [
            d
            for cells in sheet.cells[header.row_index + 1 :]
            if position < len(cells) and (d := _day(cells[position], date_order)) is not None
        ]
    return max(days, default=None)


def submitted_day(
    spec: SubmittedOn, base_name: str, modified_ns: int, sheets: list[Sheet], date_order: str | None
) -> date:
    """Return the day this file counts as submitted, or raise RejectedFile when it cannot be read."""
    if spec.day is not None:
        return spec.day
    if spec.source == "modified":
        return datetime.fromtimestamp(modified_ns / 1e9).date()
    if spec.source == "file_name":
        assert spec.pattern is not None  # parse_submitted gives `from: file_name` its pattern
        found = spec.pattern.day(base_name, whole=False)
    else:
        assert spec.column is not None  # and `from: column` its column
        found = _latest_in_column(sheets, spec.column, date_order)
    if found is None:
        raise RejectedFile(
            "submission_date",
            "the day this file was submitted is read from "
            f"{spec.describe()}, and none is there; the partnership "
            "team must correct the file's name or the mapping's "
            "submitted_on",
        )
    return found
