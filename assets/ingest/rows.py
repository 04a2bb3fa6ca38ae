"""Build contract rows from a sheet's data rows with a resolved layout: filters, periods, figures, values,
formulas, and targets spread over every service."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from assets.contract import SubmissionType
from assets.ingest.layout import ColumnSource, FigureLayout, Layout
from assets.ingest.mapping import PLACEHOLDER, EveryService, Formula, ReturnMapping, Template
from assets.ingest.sheets import Sheet
from assets.ingest.spread import Service, covered, month_range
from assets.validate.numbers import is_missing_text, number_text, read_figures
from assets.validate.periods import parse_period

OUT_OF_SCOPE = "not_in_scope"
FILE_NAME = "(file name)"
SHEET_NAME = "(sheet name)"


@dataclass(frozen=True)
class FileFacts:
    """What reading a file's rows may need beyond its cells: its name, the services, its date order."""

    name: str | None = None
    services: tuple[Service, ...] = ()
    date_order: str | None = None

    @property
    def base_name(self) -> str:
        """Return the file's own name, without the folders above it."""
        return PurePosixPath(self.name).name if self.name else ""


NO_FACTS = FileFacts()


@dataclass(frozen=True)
class Excluded:
    """A source row the mapping holds back at ingest: where it is, the cell, why and under which rule
    (`not_in_scope` for a filter; `bad_period` or `period_mismatch` for a period it cannot read or trust)."""

    sheet_name: str | None
    row_number: int
    column: str
    value: str
    reason: str
    rule: str = OUT_OF_SCOPE


def _cell(cells: list[str], position: int) -> str | None:
    return cells[position] if position < len(cells) else None


def _read(cells: list[str], position: int, column: str, mapping: ReturnMapping) -> str | None:
    value = _cell(cells, position)
    table = mapping.codes.get(column)
    return table.get(value.strip(), value) if table is not None and value is not None else value


def _fill(
    template: Template, cells: list[str], figure: FigureLayout, layout: Layout, mapping: ReturnMapping
) -> str | None:
    """Return the template with its placeholders filled in; None when one of them is empty."""
    if not template.placeholders:
        return template.text
    values = {}
    for name in template.placeholders:
        value = (
            _read(cells, figure.read_positions[name], name, mapping)
            if name in figure.read_positions
            else _cell(cells, layout.headers[name])
        )
        if value is None or not value.strip():
            return None
        values[name] = value.strip()
    names = iter(template.placeholders)
    return PLACEHOLDER.sub(lambda _: values[next(names)], template.text)


def _evaluate(
    formula: Formula, cells: list[str], layout: Layout, numbers: dict[str, float | None]
) -> str | None:
    """Return the formula's figure: None if an operand is blank, the sum as written if one is not a number."""
    cells_read = [_cell(cells, layout.headers[t]) if isinstance(t, str) else t for _, t in formula.terms]
    if any(isinstance(o, str | None) and is_missing_text(o) for o in cells_read):
        return None
    operands = [o for o in cells_read if o is not None]  # all of them: a missing one returned above
    read = [o if isinstance(o, float) else numbers.get(o) for o in operands]
    figures = [r for r in read if r is not None]
    if len(figures) < len(read):
        written = iter(o for o in operands if isinstance(o, str))  # the headers' cells, in order
        return PLACEHOLDER.sub(lambda _: next(written).strip(), formula.text)
    return number_text(sum(sign * value for (sign, _), value in zip(formula.terms, figures, strict=True)))


def _value(
    source: ColumnSource,
    column: str,
    cells: list[str],
    sheet: Sheet,
    figure: FigureLayout,
    layout: Layout,
    mapping: ReturnMapping,
    numbers: dict[str, float | None],
    facts: FileFacts,
) -> str | None:
    if source.decoded:
        return mapping.period.read(_period_written(source, cells, sheet, facts) or "")
    if source.position is not None:
        return _read(cells, source.position, column, mapping)
    if source.template is not None:
        return _fill(source.template, cells, figure, layout, mapping)
    if source.formula is not None:
        return _evaluate(source.formula, cells, layout, numbers)
    return sheet.name if source.from_sheet_name else None


def _period_written(source: ColumnSource, cells: list[str], sheet: Sheet, facts: FileFacts) -> str | None:
    if source.from_file_name:
        return facts.base_name
    if source.from_sheet_name:
        return sheet.name
    assert source.position is not None  # a decoded period named by neither file nor sheet is a cell's
    return _cell(cells, source.position)


def _where_period(source: ColumnSource, layout: Layout) -> str:
    if source.from_file_name:
        return FILE_NAME
    if source.from_sheet_name:
        return SHEET_NAME
    assert source.position is not None  # a decoded period named by neither file nor sheet is a cell's
    return layout.headers_as_written[source.position]


def _period_problem(
    layout: Layout, cells: list[str], sheet: Sheet, mapping: ReturnMapping, facts: FileFacts
) -> tuple[str, str, str, str] | None:
    """Return (column, value, reason, rule) when the row's period cannot be read through the mapping's
    pattern or table, or its constant period disagrees with the sheet's own period column; else None."""
    for figure in layout.figures:
        source = figure.sources[layout.period_index]
        written = _period_written(source, cells, sheet, facts) if source.decoded else None
        if source.decoded and written and written.strip() and mapping.period.read(written) is None:
            return (
                _where_period(source, layout),
                written,
                f"{written} is not a period written as {mapping.period.describe()}",
                "bad_period",
            )
        if source.check_position is not None:
            cell = (_cell(cells, source.check_position) or "").strip()
            assert source.template is not None  # only a constant period is checked against a column
            given = source.template.text
            if cell and (problem := _disagrees(given, cell, mapping, facts)):
                return layout.headers_as_written[source.check_position], cell, problem, "period_mismatch"
    return None


def _disagrees(given: str, cell: str, mapping: ReturnMapping, facts: FileFacts) -> str | None:
    """Return why the file's period cell does not confirm the mapping's constant period, or None."""
    read = mapping.period.read(cell) if mapping.period.decoded else cell
    theirs = parse_period(read, facts.date_order) if read else None
    ours = parse_period(given, facts.date_order)
    if theirs is None or theirs.start is None:
        return (
            f"the mapping gives the period {given}, but the file's period column says {cell}, which "
            "is not a period we can read, so the two cannot be checked (the mapping's period "
            "pattern or codes can say how the file writes it)"
        )
    if (theirs.start, theirs.grain) != (ours.start, ours.grain):
        return f"the mapping gives the period {given}, but the file's period column says {cell}"
    return None


def _figure_sheet_name(sheet: Sheet, figure: FigureLayout) -> str | None:
    """Rows reshaped from one source row name their figure after the sheet: 'Data [NHS]', or '[NHS]'."""
    if figure.label is None:
        return sheet.name
    return f"{sheet.name} [{figure.label}]" if sheet.name else f"[{figure.label}]"


def _operand_texts(layout: Layout, data: list[list[str]]) -> set[str]:
    positions = {
        layout.headers[t]
        for f in layout.figures
        for s in f.sources
        if s.formula
        for _, t in s.formula.terms
        if isinstance(t, str)
    }
    positions |= {p for f, p in layout.filters if f.condition.numeric}
    return {v for cells in data for p in positions if (v := _cell(cells, p)) is not None}


def _refused(layout: Layout, cells: list[str], numbers: dict[str, float | None]) -> Excluded | None:
    """Return the first filter the row does not meet, as the row left out (sheet and row filled in later)."""
    for row_filter, position in layout.filters:
        cell = _cell(cells, position) or ""
        if not row_filter.admits(cell, numbers.get(cell)):
            header = layout.headers_as_written[position]
            return Excluded(None, 0, header, cell, row_filter.why_not(header))
    return None


def _spread(
    kind: SubmissionType,
    row: tuple,
    cells: list[str],
    layout: Layout,
    mapping: ReturnMapping,
    every: EveryService,
    facts: FileFacts,
) -> tuple[list[tuple], Excluded | None]:
    """Return a target row naming no service as one row per service and month it covers, or why none."""
    first, last = (_cell(cells, layout.headers[h]) or "" for h in (every.first, every.last))
    if mapping.period.decoded:
        first, last = (mapping.period.read(t) or t for t in (first, last))
    months, problem = month_range(first, last, facts.date_order)
    if problem:
        return [], Excluded(
            None,
            0,
            layout.headers_as_written[layout.headers[every.first]],
            first,
            f"the range of months cannot be read: {problem}",
            "bad_period",
        )
    columns = {c: 2 + i for i, c in enumerate(kind.columns)}
    measure = row[columns["measure_code"]]
    spread = []
    for month in months:
        for service in covered(facts.services, every.service_kinds, measure, month):
            out = list(row)
            out[0] = f"{row[0] or ''} [{service.code} {month:%Y-%m}]".lstrip()
            out[columns["partner_code"]], out[columns["service_code"]] = service.lead_partner, service.code
            out[columns["period"]] = f"{month:%Y-%m}"
            spread.append(tuple(out))
    if spread:
        return spread, None
    kinds = f" of kind {', '.join(sorted(every.service_kinds))}" if every.service_kinds else ""
    return [], Excluded(
        None,
        0,
        layout.headers_as_written[layout.headers[every.first]],
        first,
        f"no service{kinds} reports {measure or 'the measure'} between {first} and {last}",
    )


@dataclass(frozen=True)
class Built:
    """Contract rows (sheet, row number, *columns), the cells of unread columns per row, and rows left out."""

    rows: list[tuple]
    unread: list[tuple]
    excluded: list[Excluded]


def build_rows(
    kind: SubmissionType,
    sheet: Sheet,
    rows: list[int],
    layout: Layout,
    mapping: ReturnMapping,
    unread_positions: tuple[int, ...] = (),
    facts: FileFacts = NO_FACTS,
) -> Built:
    """Return the contract rows the data rows give (one per figure, and per service and month when a
    target is spread over every service), and the source rows held back at ingest with why."""
    built: list[tuple] = []
    unread: list[tuple] = []
    excluded: list[Excluded] = []
    numbers = read_figures(_operand_texts(layout, [sheet.cells[r] for r in rows]))
    for r in rows:
        cells = sheet.cells[r]
        held = _refused(layout, cells, numbers)
        if held is None and (problem := _period_problem(layout, cells, sheet, mapping, facts)):
            held = Excluded(None, 0, *problem)
        given: list[tuple] = []
        for figure in layout.figures if held is None else ():
            row = (
                _figure_sheet_name(sheet, figure),
                sheet.row_numbers[r],
                *(
                    _value(s, c, cells, sheet, figure, layout, mapping, numbers, facts)
                    for s, c in zip(figure.sources, kind.columns, strict=True)
                ),
            )
            if mapping.every_service is None:
                given.append(row)
                continue
            spread, held = _spread(kind, row, cells, layout, mapping, mapping.every_service, facts)
            if held is not None:
                break
            given += spread
        if held is not None:
            excluded.append(
                Excluded(sheet.name, sheet.row_numbers[r], held.column, held.value, held.reason, held.rule)
            )
            continue
        built += given
        unread += [tuple(_cell(cells, p) for p in unread_positions)] * len(given)
    return Built(built, unread, excluded)
