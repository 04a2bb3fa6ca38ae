"""Turn a submission file's sheets into contract rows, using the partner's mapping where it has one."""

from __future__ import annotations

from dataclasses import dataclass

from assets.contract import SubmissionType
from assets.ingest.files import RejectedFile
from assets.ingest.headers import Header, header_labels, locate_header, required_columns
from assets.ingest.partners import ReturnMapping
from assets.ingest.sheets import Sheet, read_csv, read_workbook

# A sheet naming this many contract columns is meant as data; fewer is a cover, notes or lookup sheet.
DATA_SHEET_MIN_COLUMNS = 2


@dataclass(frozen=True)
class Extract:
    """The rows one file gives one submission type: (sheet, row number, *contract columns) each."""

    rows: list[tuple]
    sheets: tuple[str, ...]
    notes: tuple[str, ...]


def read_sheets(extension: str, content: bytes) -> tuple[list[Sheet], str]:
    """Return the file's sheets and its encoding ('xlsx' for a workbook)."""
    if extension == "xlsx":
        return read_workbook(content), "xlsx"
    sheet, encoding = read_csv(content)
    return [sheet], encoding


def _where(sheet: Sheet) -> str:
    return f"sheet '{sheet.name}': " if sheet.name is not None else ""


def _data_rows(sheet: Sheet, header: Header) -> list[int]:
    return [r for r in range(header.row_index + 1, len(sheet.cells))
            if any(cell.strip() for cell in sheet.cells[r])]


def _missing(kind: SubmissionType, sheet: Sheet, header: Header | None,
             required: tuple[str, ...]) -> RejectedFile:
    if header is None:
        return RejectedFile("missing_columns", f"{_where(sheet)}no header row found in the first rows; "
                                               f"expected columns {', '.join(required)}")
    missing = [c for c in required if c not in header.positions]
    return RejectedFile("missing_columns",
                        f"{_where(sheet)}missing column(s) {', '.join(missing)} in the header on row "
                        f"{sheet.row_numbers[header.row_index]}",
                        rows=len(_data_rows(sheet, header)))


def _choose_sheets(kind: SubmissionType, sheets: list[Sheet], mapping: ReturnMapping,
                   strict: bool) -> tuple[list[tuple[Sheet, Header]], list[str]]:
    """Return the sheets holding this type with their headers, and the names of sheets left aside."""
    labels, required = header_labels(kind, mapping), required_columns(kind, mapping)
    if mapping.sheets:
        by_name = {s.name.casefold(): s for s in sheets if s.name is not None}
        absent = [n for n in mapping.sheets if n.casefold() not in by_name]
        if absent:
            raise RejectedFile("missing_sheet", f"the workbook has no sheet named {', '.join(absent)} "
                                                f"(it has {', '.join(s.name for s in sheets)})")
        candidates = [by_name[n.casefold()] for n in mapping.sheets]
    else:
        candidates = sheets
    chosen, aside = [], [s.name for s in sheets if all(s is not c for c in candidates)]
    for sheet in candidates:
        header = locate_header(sheet, labels)
        if header is not None and all(c in header.positions for c in required):
            chosen.append((sheet, header))
        elif strict and (mapping.sheets or len(sheets) == 1
                         or (header and len(header.positions) >= DATA_SHEET_MIN_COLUMNS)):
            raise _missing(kind, sheet, header, required)
        else:
            aside.append(sheet.name)
    if strict and not chosen:
        raise _missing(kind, candidates[0], None, required)
    return chosen, aside


def extract_rows(kind: SubmissionType, sheets: list[Sheet], mapping: ReturnMapping,
                 strict: bool = True) -> Extract | None:
    """Return the contract rows of `kind` in the sheets; None when not strict and no sheet holds it.

    Strict (a file in the type's own folder): a sheet that looks like data but lacks a column rejects
    the file. Not strict (a workbook of several returns): such sheets are left for the other types.
    """
    chosen, aside = _choose_sheets(kind, sheets, mapping, strict)
    if not chosen:
        return None
    rows: list[tuple] = []
    ignored: list[str] = []
    for sheet, header in chosen:
        ignored += [c for c in header.ignored if c not in ignored]
        positions = [header.positions.get(c) for c in kind.columns]
        from_name = [c == "period" and p is None for c, p in zip(kind.columns, positions, strict=True)]
        tables = [mapping.codes.get(c) for c in kind.columns]
        for r in _data_rows(sheet, header):
            cells = sheet.cells[r]
            values = []
            for position, named, table in zip(positions, from_name, tables, strict=True):
                value = sheet.name if named else (cells[position] if position < len(cells) else None)
                if table is not None and value is not None:
                    value = table.get(value.strip(), value)
                values.append(value)
            rows.append((sheet.name, sheet.row_numbers[r], *values))
    notes = ([f"ignored column(s): {', '.join(ignored)}"] if ignored else []) + (
        [f"sheet(s) not read: {', '.join(n for n in aside if n)}"] if any(aside) else [])
    return Extract(rows, tuple(s.name for s, _ in chosen if s.name is not None), tuple(notes))
