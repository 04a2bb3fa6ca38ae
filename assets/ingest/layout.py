"""Resolve a mapping against a sheet's header: where each contract column of each figure comes from."""

from __future__ import annotations

from dataclasses import dataclass

from assets.contract import SubmissionType
from assets.ingest.headers import Header
from assets.ingest.mapping import (
    SPREAD_COLUMNS,
    Figure,
    Formula,
    ReturnMapping,
    RowFilter,
    Template,
    normalise_header,
)


@dataclass(frozen=True)
class ColumnSource:
    """Where one contract column's value comes from (all empty: the layout leaves it blank).

    A period read from a cell, the sheet name or the file name goes through the mapping's `period`
    pattern or table (`decoded`); a constant period is checked against the sheet's period column
    (`check_position`) when it has one. `spread`: every_service gives the value, row by row.
    """

    position: int | None = None
    template: Template | None = None
    formula: Formula | None = None
    from_sheet_name: bool = False
    from_file_name: bool = False
    decoded: bool = False
    check_position: int | None = None
    spread: bool = False


@dataclass(frozen=True)
class FigureLayout:
    """One contract row per source row: its label and a source per contract column."""

    label: str | None
    sources: tuple[ColumnSource, ...]
    read_positions: dict[str, int]


@dataclass(frozen=True)
class Layout:
    """A mapping resolved against one header: figures, filters, summed split, and what is missing."""

    figures: tuple[FigureLayout, ...]
    filters: tuple[tuple[RowFilter, int], ...]
    headers: dict[str, int]
    headers_as_written: dict[int, str]
    missing: tuple[str, ...]
    used: frozenset[int]
    period_index: int = 0  # the position of `period` among the contract's columns


def _header_of(figure: Figure, column: str, header: Header) -> int | None:
    """Return the position of the header a figure reads `column` from (mapped headers first)."""
    mapped = [header.positions[h] for h, c in figure.columns.items() if c == column and h in header.positions]
    if mapped:
        return min(mapped)
    return header.positions.get(normalise_header(column))


def _figure_layout(
    kind: SubmissionType, mapping: ReturnMapping, figure: Figure, header: Header
) -> tuple[FigureLayout, list[str]]:
    read = {c: p for c in kind.columns if (p := _header_of(figure, c, header)) is not None}
    sources, missing = [], []
    decoded = mapping.period.decoded
    for column in kind.columns:
        if mapping.every_service is not None and column in SPREAD_COLUMNS:
            sources.append(ColumnSource(spread=True))
        elif column in figure.values:
            template = figure.values[column]
            check = read.get(column) if column == "period" and not template.placeholders else None
            sources.append(ColumnSource(template=template, check_position=check))
        elif column in figure.formulas:
            sources.append(ColumnSource(formula=figure.formulas[column]))
        elif column in figure.blank:
            sources.append(ColumnSource())
        elif column == "period" and mapping.period.source == "file_name":
            sources.append(ColumnSource(from_file_name=True, decoded=True))
        elif column == "period" and mapping.period.source == "sheet_name":
            sources.append(ColumnSource(from_sheet_name=True, decoded=decoded))
        elif column in read:
            sources.append(ColumnSource(position=read[column], decoded=decoded and column == "period"))
        else:
            sources.append(ColumnSource())
            missing.append(column)
    for template in figure.values.values():
        missing += [
            p for p in template.placeholders if p not in (read if p in kind.columns else header.positions)
        ]
    for formula in figure.formulas.values():
        missing += [h for h in formula.headers if h not in header.positions]
    return FigureLayout(figure.label, tuple(sources), read), missing


def resolve_layout(kind: SubmissionType, mapping: ReturnMapping, header: Header) -> Layout:
    """Return the mapping's layout on a sheet with this header, listing whatever it lacks."""
    figures, missing = [], []
    for figure in mapping.effective_figures():
        layout, lacking = _figure_layout(kind, mapping, figure, header)
        figures.append(layout)
        missing += [m for m in lacking if m not in missing]
    spread = (mapping.every_service.first, mapping.every_service.last) if mapping.every_service else ()
    for wanted in (*(f.column for f in mapping.filters), *mapping.sum_over, *spread):
        if wanted not in header.positions and wanted not in missing:
            missing.append(wanted)
    used = {s.position for f in figures for s in f.sources if s.position is not None}
    used |= {header.positions[h] for h in mapping.wanted_headers() if h in header.positions}
    return Layout(
        tuple(figures),
        tuple((f, header.positions[f.column]) for f in mapping.filters if f.column in header.positions),
        header.positions,
        header.cells,
        tuple(missing),
        frozenset(used),
        kind.columns.index("period"),
    )
