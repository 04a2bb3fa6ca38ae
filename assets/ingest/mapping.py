"""The mapping language: how one layout of a submission type (a partner's or a publication's) becomes rows.

A return mapping names the file's headers for contract columns (`columns`), translates codes (`codes`),
builds values from text and other columns (`values`), adds or subtracts figures (`formulas`), says which
contract columns the layout does not carry (`blank`), which rows are out of scope (`filters`), how one
row of several figures becomes several contract rows (`figures`), which split it sums (`sum_over`),
where and how the period is written (`period`), and which services a row's figures are for when it
names none (`every_service`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from assets.contract import SubmissionType
from assets.ingest.conditions import Condition, ConditionError, listed, parse_condition
from assets.ingest.date_patterns import DatePattern, PatternError, compile_pattern

PERCENT_SCALES = ("fraction", "percent")
RETURN_KEYS = {
    "columns",
    "codes",
    "sheets",
    "period_from_sheet_name",
    "percent",
    "values",
    "formulas",
    "blank",
    "filters",
    "figures",
    "sum_over",
    "period",
    "every_service",
}
FIGURE_KEYS = {"label", "columns", "values", "formulas", "blank"}
FILTER_KEYS = {"column", "keep", "drop", "condition", "reason"}
PERIOD_KEYS = {"from", "pattern", "codes"}
PERIOD_SOURCES = ("column", "file_name", "sheet_name")
EVERY_SERVICE_KEYS = {"kinds", "from", "to"}
# contract columns that every_service gives each row it spreads (the service, its lead partner, the month)
SPREAD_COLUMNS = ("partner_code", "service_code", "period")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
TERM = r"\s*(\{[^{}]+\}|\d+(?:\.\d+)?)\s*"
FORMULA = re.compile(rf"^{TERM}(?:[-+]{TERM})*$")
FORMULA_TERM = re.compile(r"([-+]?)\s*(\{[^{}]+\}|\d+(?:\.\d+)?)")


@lru_cache(maxsize=1 << 16)
def normalise_header(text: str) -> str:
    """Return a header as compared with the contract: lower case, words separated by one space."""
    return re.sub(r"[^0-9a-z%£]+", " ", text.lower()).strip()


class MappingError(ValueError):
    """A mapping file that does not say what the pipeline needs to know."""


def _frozen(mapping: Mapping) -> MappingProxyType:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Template:
    """A value built from text and `{name}` placeholders: contract columns read from headers, or headers."""

    text: str
    placeholders: tuple[str, ...]


@dataclass(frozen=True)
class Formula:
    """A figure computed as a signed sum of headers' figures and constants: `{Attendances} - {Breaches}`."""

    text: str
    terms: tuple[tuple[int, str | float], ...]

    @property
    def headers(self) -> tuple[str, ...]:
        """Normalised headers the formula reads."""
        return tuple(t for _, t in self.terms if isinstance(t, str))


@dataclass(frozen=True)
class RowFilter:
    """Rows whose `column` does not meet the condition are out of scope, for the reason given."""

    column: str
    condition: Condition
    reason: str

    def admits(self, cell: str, number: float | None = None) -> bool:
        """Return whether a row with this cell (`number`: read as a figure, if one) is in scope."""
        return self.condition.admits(cell, number)

    def why_not(self, header: str) -> str:
        """Return the reason a row left out is quarantined with: the mapping's reason and the condition."""
        return f"{self.reason} (in scope: {header} {self.condition.text})"


@dataclass(frozen=True)
class PeriodSpec:
    """Where the period is written (a column, the file name or the sheet name); how: a pattern or a table."""

    source: str = "column"
    pattern: DatePattern | None = None
    codes: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def decoded(self) -> bool:
        """Return whether the period is read through a pattern or a table, rather than as written."""
        return self.pattern is not None or bool(self.codes)

    def read(self, text: str) -> str | None:
        """Return the period as the contract reads it, or None when neither the table nor the pattern
        gives one (a file name need only contain the pattern; a cell or sheet name must match it whole)."""
        value = text.strip()
        if value in self.codes:
            return self.codes[value]
        if self.pattern is None:
            return None if self.codes else value
        return self.pattern.period(value, whole=self.source != "file_name")

    def describe(self) -> str:
        """Return how the mapping reads the period, for reasons given to partners."""
        ways = ([f"the pattern {self.pattern.text}"] if self.pattern else []) + (
            ["the mapping's table of period codes"] if self.codes else []
        )
        return " or ".join(ways)


@dataclass(frozen=True)
class EveryService:
    """A row naming no service gives its figures to every service (of these kinds) for a range of months."""

    service_kinds: frozenset[str]  # the mapping's `kinds`
    first: str  # normalised header of the range's first month
    last: str  # normalised header of its last month (inclusive)


@dataclass(frozen=True)
class Figure:
    """Where each contract column of one contract row comes from; several figures reshape wide to long."""

    label: str | None = None
    columns: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    values: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    formulas: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    blank: frozenset[str] = frozenset()

    def merged_over(self, base: Figure) -> Figure:
        """Return this figure with the return-level settings it does not override."""
        return Figure(
            self.label,
            _frozen(base.columns | self.columns),
            _frozen(base.values | self.values),
            _frozen(base.formulas | self.formulas),
            base.blank | self.blank,
        )

    def given(self) -> set[str]:
        """Contract columns set without a header: by a value, a formula, or left blank."""
        return set(self.values) | set(self.formulas) | set(self.blank)


@dataclass(frozen=True)
class ReturnMapping:
    """How one layout gives one submission type (the contract's own layout when empty)."""

    codes: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    sheets: tuple[str, ...] = ()
    period: PeriodSpec = PeriodSpec()
    percent: str | None = None
    base: Figure = Figure()
    figures: tuple[Figure, ...] = ()
    filters: tuple[RowFilter, ...] = ()
    sum_over: tuple[str, ...] = ()
    every_service: EveryService | None = None

    def effective_figures(self) -> tuple[Figure, ...]:
        """Return the figures each source row gives, return-level settings merged in."""
        return tuple(f.merged_over(self.base) for f in self.figures) or (self.base,)

    def wanted_headers(self) -> set[str]:
        """Return every normalised header the mapping reads."""
        wanted = {f.column for f in self.filters} | set(self.sum_over)
        if self.every_service is not None:
            wanted |= {self.every_service.first, self.every_service.last}
        for figure in self.effective_figures():
            wanted |= set(figure.columns)
            wanted |= {h for formula in figure.formulas.values() for h in formula.headers}
            wanted |= {p for template in figure.values.values() for p in template.placeholders}
        return wanted


# The contract's own layout: what a partner without a mapping file sends (one shared value, compared
# by identity first: most files are in it).
CONTRACT_LAYOUT = ReturnMapping()


def _template(text: Any, kind: SubmissionType) -> Template:
    value = "" if text is None else str(text)
    names = [p.strip() for p in PLACEHOLDER.findall(value)]
    return Template(value, tuple(n if n in kind.columns else normalise_header(n) for n in names))


def _formula(text: Any, where: str) -> Formula:
    value = str(text)
    if not FORMULA.match(value):
        raise MappingError(
            f"{where}: {value!r} is not a formula: write figures as {{Header}} or numbers joined by + or -"
        )
    terms = tuple(
        (-1 if sign == "-" else 1, normalise_header(term[1:-1]) if term.startswith("{") else float(term))
        for sign, term in FORMULA_TERM.findall(value)
    )
    return Formula(value, terms)


def _contract_columns(kind: SubmissionType, names: Any, where: str, what: str) -> None:
    unknown = sorted(set(names) - set(kind.columns))
    if unknown:
        raise MappingError(
            f"{where}: {', '.join(map(str, unknown))} is not a {kind.name} column "
            f"(the contract has {', '.join(kind.columns)}) in {what}"
        )


def _figure(kind: SubmissionType, spec: dict, where: str, label: str | None = None) -> Figure:
    columns = {normalise_header(str(k)): str(v) for k, v in (spec.get("columns") or {}).items()}
    values = spec.get("values") or {}
    formulas = spec.get("formulas") or {}
    blank = spec.get("blank") or []
    if not (isinstance(values, dict) and isinstance(formulas, dict) and isinstance(blank, list)):
        raise MappingError(f"{where}: values and formulas are mappings, blank is a list")
    _contract_columns(kind, columns.values(), where, "columns")
    for key, names in (("values", values), ("formulas", formulas), ("blank", blank)):
        _contract_columns(kind, names, where, key)
    not_figures = sorted(set(formulas) - set(kind.numeric))
    if not_figures:
        raise MappingError(f"{where}: formulas give figures; {', '.join(not_figures)} is not a figure")
    return Figure(
        label,
        _frozen(columns),
        _frozen({str(c): _template(t, kind) for c, t in values.items()}),
        _frozen({str(c): _formula(f, f"{where} formulas.{c}") for c, f in formulas.items()}),
        frozenset(str(c) for c in blank),
    )


def _filters(spec: Any, where: str) -> tuple[RowFilter, ...]:
    if not isinstance(spec, list):
        raise MappingError(f"{where}: filters is a list of {{column, condition (or keep or drop), reason}}")
    filters = []
    for i, item in enumerate(spec):
        ways = [k for k in ("keep", "drop", "condition") if isinstance(item, dict) and k in item]
        if (
            not isinstance(item, dict)
            or set(item) - FILTER_KEYS
            or not item.get("column")
            or len(ways) != 1
            or not item.get("reason")
        ):
            raise MappingError(
                f"{where}: filter {i + 1} needs a column, one of condition (e.g. '> 0'), "
                "keep or drop (a list of values) and the reason rows outside it are not "
                "loaded"
            )
        if ways == ["condition"]:
            try:
                condition = parse_condition(item["condition"], f"{where} filter {i + 1}")
            except ConditionError as exc:
                raise MappingError(str(exc)) from exc
        else:
            condition = listed(item[ways[0]] or [], ways[0] == "keep")
        filters.append(RowFilter(normalise_header(str(item["column"])), condition, str(item["reason"])))
    return tuple(filters)


def _pattern(text: Any, where: str, days: bool = False) -> DatePattern:
    try:
        return compile_pattern(str(text), days)
    except PatternError as exc:
        raise MappingError(f"{where}: {exc}") from exc


def _period(spec: dict, where: str) -> PeriodSpec:
    period = spec.get("period")
    if period is None:
        return PeriodSpec("sheet_name" if spec.get("period_from_sheet_name") else "column")
    if (
        not isinstance(period, dict)
        or set(period) - PERIOD_KEYS
        or (period.get("from", "column") not in PERIOD_SOURCES)
    ):
        raise MappingError(
            f"{where}: period takes from ({', '.join(PERIOD_SOURCES)}), pattern "
            "(e.g. 'MSitAE-{MONTH}-{YEAR}') and codes (a table of period codes)"
        )
    codes = period.get("codes") or {}
    if not isinstance(codes, dict):
        raise MappingError(f"{where}: period codes map each code to its period (M01: 2024-04)")
    source = str(period.get("from", "column"))
    if source == "file_name" and not period.get("pattern"):
        raise MappingError(f"{where}: a period read from the file name needs the pattern it is written in")
    pattern = _pattern(period["pattern"], f"{where} period") if period.get("pattern") else None
    return PeriodSpec(source, pattern, _frozen({str(k): str(v) for k, v in codes.items()}))


def _every_service(kind: SubmissionType, spec: Any, where: str) -> EveryService:
    if kind.name != "targets":
        raise MappingError(f"{where}: every_service gives targets only")
    if (
        not isinstance(spec, dict)
        or set(spec) - EVERY_SERVICE_KEYS
        or not (spec.get("from") and spec.get("to"))
    ):
        raise MappingError(
            f"{where}: every_service takes from and to (the headers of the range's first and "
            "last month) and optionally kinds (a list of service kinds)"
        )
    kinds = spec.get("kinds") or []
    if isinstance(kinds, str):
        kinds = [kinds]
    return EveryService(
        frozenset(str(k) for k in kinds),
        normalise_header(str(spec["from"])),
        normalise_header(str(spec["to"])),
    )


def _figures(kind: SubmissionType, spec: Any, where: str) -> tuple[Figure, ...]:
    if not isinstance(spec, list) or not all(
        isinstance(f, dict) and not set(f) - FIGURE_KEYS and f.get("label") for f in spec
    ):
        raise MappingError(
            f"{where}: figures is a list, each with a label and keys from {sorted(FIGURE_KEYS)}"
        )
    labels = [str(f["label"]) for f in spec]
    if len(set(labels)) < len(labels):
        raise MappingError(f"{where}: each figure needs its own label")
    return tuple(_figure(kind, f, f"{where} figure {f['label']}", str(f["label"])) for f in spec)


def parse_return_mapping(kind: SubmissionType, spec: Any, where: str) -> ReturnMapping:
    """Return the layout a mapping file gives one submission type, or raise MappingError."""
    if not isinstance(spec, dict) or set(spec) - RETURN_KEYS:
        raise MappingError(f"{where}: expected a mapping with keys from {sorted(RETURN_KEYS)}")
    codes = spec.get("codes") or {}
    if not isinstance(codes, dict) or set(codes) - set(kind.codes):
        raise MappingError(f"{where}: codes may translate only {', '.join(kind.codes)}")
    percent = spec.get("percent")
    if percent is not None and percent not in PERCENT_SCALES:
        raise MappingError(f"{where}: percent must be one of {', '.join(PERCENT_SCALES)}")
    if percent is not None and not kind.in_measure_unit:
        raise MappingError(f"{where}: {kind.name} has no figures in the measure's unit")
    sum_over = spec.get("sum_over") or []
    if not isinstance(sum_over, list):
        raise MappingError(f"{where}: sum_over is a list of the headers whose split is summed")
    return ReturnMapping(
        codes=_frozen(
            {column: _frozen({str(k): str(v) for k, v in table.items()}) for column, table in codes.items()}
        ),
        sheets=tuple(str(s) for s in spec.get("sheets") or ()),
        period=_period(spec, where),
        percent=percent,
        base=_figure(kind, spec, where),
        figures=_figures(kind, spec["figures"], where) if "figures" in spec else (),
        filters=_filters(spec["filters"], where) if "filters" in spec else (),
        sum_over=tuple(normalise_header(str(h)) for h in sum_over),
        every_service=_every_service(kind, spec["every_service"], where) if "every_service" in spec else None,
    )
