"""Build contract rows from a sheet's data rows with a resolved layout: filters, figures, values, formulas."""

from __future__ import annotations

from dataclasses import dataclass

from assets.contract import SubmissionType
from assets.ingest.layout import ColumnSource, FigureLayout, Layout
from assets.ingest.mapping import PLACEHOLDER, Formula, ReturnMapping, Template
from assets.ingest.sheets import Sheet
from assets.validate.numbers import is_missing_text, number_text, read_figures


@dataclass(frozen=True)
class Excluded:
    """A source row a mapping's filter leaves out of scope: where it is, the cell and why."""

    sheet_name: str | None
    row_number: int
    column: str
    value: str
    reason: str


def _cell(cells: list[str], position: int) -> str | None:
    return cells[position] if position < len(cells) else None


def _read(cells: list[str], position: int, column: str, mapping: ReturnMapping) -> str | None:
    value = _cell(cells, position)
    table = mapping.codes.get(column)
    return table.get(value.strip(), value) if table is not None and value is not None else value


def _fill(template: Template, cells: list[str], figure: FigureLayout, layout: Layout,
          mapping: ReturnMapping) -> str | None:
    """Return the template with its placeholders filled in; None when one of them is empty."""
    if not template.placeholders:
        return template.text
    values = {}
    for name in template.placeholders:
        value = (_read(cells, figure.read_positions[name], name, mapping) if name in figure.read_positions
                 else _cell(cells, layout.headers[name]))
        if value is None or not value.strip():
            return None
        values[name] = value.strip()
    names = iter(template.placeholders)
    return PLACEHOLDER.sub(lambda _: values[next(names)], template.text)


def _evaluate(formula: Formula, cells: list[str], layout: Layout,
              numbers: dict[str, float | None]) -> str | None:
    """Return the formula's figure: None if an operand is blank, the sum as written if one is not a number."""
    operands = [_cell(cells, layout.headers[t]) if isinstance(t, str) else t for _, t in formula.terms]
    if any(isinstance(o, str | None) and is_missing_text(o) for o in operands):
        return None
    read = [o if isinstance(o, float) else numbers.get(o) for o in operands]
    if any(r is None for r in read):
        written = iter(o for (_, term), o in zip(formula.terms, operands, strict=True)
                       if isinstance(term, str))
        return PLACEHOLDER.sub(lambda _: next(written).strip(), formula.text)
    return number_text(sum(sign * value for (sign, _), value in zip(formula.terms, read, strict=True)))


def _value(source: ColumnSource, column: str, cells: list[str], sheet: Sheet, figure: FigureLayout,
           layout: Layout, mapping: ReturnMapping, numbers: dict[str, float | None]) -> str | None:
    if source.position is not None:
        return _read(cells, source.position, column, mapping)
    if source.template is not None:
        return _fill(source.template, cells, figure, layout, mapping)
    if source.formula is not None:
        return _evaluate(source.formula, cells, layout, numbers)
    return sheet.name if source.from_sheet_name else None


def _figure_sheet_name(sheet: Sheet, figure: FigureLayout) -> str | None:
    """Rows reshaped from one source row name their figure after the sheet: 'Data [NHS]', or '[NHS]'."""
    if figure.label is None:
        return sheet.name
    return f"{sheet.name} [{figure.label}]" if sheet.name else f"[{figure.label}]"


def _operand_texts(layout: Layout, data: list[list[str]]) -> set[str]:
    positions = {layout.headers[t] for f in layout.figures for s in f.sources if s.formula
                 for _, t in s.formula.terms if isinstance(t, str)}
    return {v for cells in data for p in positions if (v := _cell(cells, p)) is not None}


@dataclass(frozen=True)
class Built:
    """Contract rows (sheet, row number, *columns), the cells of unread columns per row, and rows left out."""

    rows: list[tuple]
    unread: list[tuple]
    excluded: list[Excluded]


def build_rows(kind: SubmissionType, sheet: Sheet, rows: list[int], layout: Layout, mapping: ReturnMapping,
               unread_positions: tuple[int, ...] = ()) -> Built:
    """Return the contract rows the data rows give (one per figure), and the source rows filters leave out."""
    built: list[tuple] = []
    unread: list[tuple] = []
    excluded: list[Excluded] = []
    numbers = read_figures(_operand_texts(layout, [sheet.cells[r] for r in rows]))
    for r in rows:
        cells = sheet.cells[r]
        refused = next(((f, p) for f, p in layout.filters if not f.admits(_cell(cells, p) or "")), None)
        if refused is not None:
            row_filter, position = refused
            excluded.append(Excluded(sheet.name, sheet.row_numbers[r], layout.headers_as_written[position],
                                     _cell(cells, position) or "", row_filter.reason))
            continue
        for figure in layout.figures:
            built.append((_figure_sheet_name(sheet, figure), sheet.row_numbers[r],
                          *(_value(s, c, cells, sheet, figure, layout, mapping, numbers)
                            for s, c in zip(figure.sources, kind.columns, strict=True))))
            unread.append(tuple(_cell(cells, p) for p in unread_positions))
    return Built(built, unread, excluded)
