"""Turn a submission file's sheets into contract rows, using the partner's or publication's mapping."""

from __future__ import annotations

from dataclasses import dataclass

from assets.contract import SubmissionType
from assets.ingest.files import RejectedFile
from assets.ingest.headers import Header, header_labels, locate_header
from assets.ingest.layout import Layout, resolve_layout
from assets.ingest.mapping import CONTRACT_LAYOUT, ReturnMapping
from assets.ingest.memo import MappingMemo
from assets.ingest.rows import NO_FACTS, Excluded, FileFacts, build_rows
from assets.ingest.sheets import Sheet, read_csv, read_workbook
from assets.ingest.summing import sum_split

# A sheet naming this many wanted headers is meant as data; fewer is a cover, notes or lookup sheet.
DATA_SHEET_MIN_COLUMNS = 2


@dataclass(frozen=True)
class Extract:
    """The rows one file gives one submission type: (sheet, row number, *contract columns) each.

    `excluded` are source rows the mapping's filters leave out of scope (quarantined, never dropped).
    """

    rows: list[tuple]
    sheets: tuple[str, ...]
    notes: tuple[str, ...]
    excluded: tuple[Excluded, ...] = ()

    @property
    def empty(self) -> bool:
        """Return whether the file gave no row at all: none read, none out of scope."""
        return not self.rows and not self.excluded


def no_rows() -> RejectedFile:
    """Return the rejection of a file with a header but no rows of figures under it."""
    return RejectedFile(
        "no_rows",
        "there is a header but no rows of figures under it; please send the file again with your figures",
        rows=0,
    )


def read_sheets(extension: str, content: bytes) -> tuple[list[Sheet], str]:
    """Return the file's sheets and its encoding ('xlsx' for a workbook)."""
    if extension == "xlsx":
        return read_workbook(content), "xlsx"
    sheet, encoding = read_csv(content)
    return [sheet], encoding


def _where(sheet: Sheet) -> str:
    return f"sheet '{sheet.name}': " if sheet.name is not None else ""


def _data_rows(sheet: Sheet, header: Header) -> list[int]:
    return [
        r
        for r in range(header.row_index + 1, len(sheet.cells))
        if any(cell.strip() for cell in sheet.cells[r])
    ]


def _missing(
    sheet: Sheet, header: Header | None, layout: Layout | None, kind: SubmissionType
) -> RejectedFile:
    if header is None or layout is None:
        return RejectedFile(
            "missing_columns",
            f"{_where(sheet)}no header row found in the first rows; "
            f"expected columns {', '.join(kind.columns)}",
        )
    return RejectedFile(
        "missing_columns",
        f"{_where(sheet)}missing column(s) {', '.join(layout.missing)} in the header on row "
        f"{sheet.row_numbers[header.row_index]}",
        rows=len(_data_rows(sheet, header)),
    )


def _candidates(sheets: list[Sheet], mapping: ReturnMapping) -> list[Sheet]:
    if not mapping.sheets:
        return sheets
    by_name = {s.name.casefold(): s for s in sheets if s.name is not None}
    absent = [n for n in mapping.sheets if n.casefold() not in by_name]
    if absent:
        named = [s.name for s in sheets if s.name is not None]  # a CSV file's one sheet has no name
        has = f"it has {', '.join(named)}" if named else "a CSV file has no sheets"
        raise RejectedFile(
            "missing_sheet",
            f"the {'workbook' if named else 'file'} has no sheet named {', '.join(absent)} ({has})",
        )
    return [by_name[n.casefold()] for n in mapping.sheets]


# Each mapping's headers to look for, and its layout under each header met: a partner's files share both.
_LABELS: MappingMemo[frozenset[str]] = MappingMemo()
_LAYOUTS: MappingMemo[Layout] = MappingMemo()


def _layout(kind: SubmissionType, mapping: ReturnMapping, header: Header) -> Layout:
    """Return the mapping's layout under this header (the same header cells give the same layout)."""
    key = (kind.name, tuple(header.positions.items()), tuple(header.cells.items()))
    return _LAYOUTS.get(mapping, key, lambda: resolve_layout(kind, mapping, header))


def _choose_sheets(
    kind: SubmissionType, sheets: list[Sheet], mapping: ReturnMapping, strict: bool
) -> tuple[list[tuple[Sheet, Header, Layout]], list[str | None]]:
    """Return the sheets holding this type with their headers and layouts, and the sheets left aside."""
    labels = _LABELS.get(mapping, kind.name, lambda: frozenset(header_labels(kind, mapping)))
    candidates = _candidates(sheets, mapping)
    chosen, aside = [], [s.name for s in sheets if all(s is not c for c in candidates)]
    for sheet in candidates:
        header = locate_header(sheet, labels)
        layout = _layout(kind, mapping, header) if header is not None else None
        if header is not None and layout is not None and not layout.missing:
            chosen.append((sheet, header, layout))
        elif strict and (
            mapping.sheets or len(sheets) == 1 or (header and len(header.positions) >= DATA_SHEET_MIN_COLUMNS)
        ):
            raise _missing(sheet, header, layout, kind)
        else:
            aside.append(sheet.name)
    if strict and not chosen:
        raise _missing(candidates[0], None, None, kind)
    return chosen, aside


def _contract_layout_rows(
    kind: SubmissionType, sheets: list[Sheet], mapping: ReturnMapping
) -> list[tuple] | None:
    """Return the rows of a one-sheet file headed by exactly the contract's columns, as it reads them.

    This is what locating the header and resolving the layout find for such a file (the most common
    one by far), without their cost; any other file returns None and goes the general way.
    """
    if len(sheets) != 1 or (mapping is not CONTRACT_LAYOUT and mapping != CONTRACT_LAYOUT):
        return None
    sheet, width = sheets[0], len(kind.columns)
    if not sheet.cells or [c.strip() for c in sheet.cells[0]] != list(kind.columns):
        return None
    return [
        (sheet.name, number, *cells)
        if len(cells) == width
        else (sheet.name, number, *cells[:width], *[None] * (width - len(cells)))
        for cells, number in zip(sheet.cells[1:], sheet.row_numbers[1:], strict=True)
        if any(cell.strip() for cell in cells)
    ]


def extract_rows(
    kind: SubmissionType,
    sheets: list[Sheet],
    mapping: ReturnMapping,
    strict: bool = True,
    facts: FileFacts = NO_FACTS,
) -> Extract | None:
    """Return the contract rows of `kind` in the sheets; None when not strict and no sheet holds it.

    Strict (a file in the type's own folder): a sheet that looks like data but lacks a column rejects
    the file. Not strict (a workbook of several returns): such sheets are left for the other types.
    """
    plain = _contract_layout_rows(kind, sheets, mapping)
    if plain is not None:
        return Extract(plain, tuple(s.name for s in sheets if s.name is not None), ())
    chosen, aside = _choose_sheets(kind, sheets, mapping, strict)
    if not chosen:
        return None
    rows: list[tuple] = []
    unread: list[tuple] = []
    excluded: list[Excluded] = []
    ignored: list[str] = []
    for sheet, header, layout in chosen:
        not_read = tuple(p for p in sorted(header.cells) if p not in layout.used)
        ignored += [header.cells[p] for p in not_read if header.cells[p] not in ignored]
        built = build_rows(
            kind,
            sheet,
            _data_rows(sheet, header),
            layout,
            mapping,
            not_read if mapping.sum_over else (),
            facts,
        )
        rows += built.rows
        unread += built.unread
        excluded += built.excluded
    notes = ([f"ignored column(s): {', '.join(ignored)}"] if ignored else []) + (
        [f"sheet(s) not read: {', '.join(n for n in aside if n)}"] if any(aside) else []
    )
    if mapping.sum_over:
        source_rows = len(rows)
        rows = sum_split(kind, rows, unread)
        notes.insert(0, f"{source_rows} rows summed over {', '.join(mapping.sum_over)} into {len(rows)} rows")
    if excluded:
        rules = sorted({e.rule for e in excluded})
        notes.append(
            f"{len(excluded)} row(s) out of scope (quarantined as not_in_scope)"
            if rules == ["not_in_scope"]
            else f"{len(excluded)} row(s) held back at ingest ({', '.join(rules)})"
        )
    return Extract(
        rows, tuple(s.name for s, _, _ in chosen if s.name is not None), tuple(notes), tuple(excluded)
    )
