"""How figures, months and statuses read on the scorecards: formatting and status badges."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache

NO_VALUE = "—"

# keyed by a mart's value, which may be missing (None): looked up with the value itself as the default
CATEGORY_LABELS: dict[str | None, str] = {
    "activity": "Activity",
    "quality_of_effort": "Quality of effort",
    "outcome": "Outcome",
}
JUDGED_ON_LABELS: dict[str | None, str] = {
    "month": "the month",
    "year_to_date": "the year to date",
    "rolling_12_months": "the rolling 12 months",
}
UNIT_LABELS: dict[str | None, str] = {
    "count": "count",
    "percent": "per cent",
    "rate_per_1000": "rate per 1,000",
}


@dataclass(frozen=True)
class Badge:
    """A status shown as an icon of its own shape beside its name, never by colour alone."""

    label: str
    shape: str  # one of the shapes drawn by the `icon` macro
    tone: str  # css class suffix: green, amber, red, improve, concern, neutral, info


RAG_BADGES = {
    "green": Badge("Green", "circle", "green"),
    "amber": Badge("Amber", "triangle-up", "amber"),
    "red": Badge("Red", "square", "red"),
    "no target": Badge("No target", "ring", "neutral"),
    "data incomplete": Badge("Data incomplete", "ring", "neutral"),
    "no data": Badge("No data", "ring", "neutral"),
}
# SPC point types: the chart marks use the same shapes (charts.POINT_TYPE_STYLE).
VARIATION_BADGES = {
    "special cause improvement": Badge("Special cause: improvement", "diamond", "improve"),
    "special cause concern": Badge("Special cause: concern", "square", "concern"),
    "special cause high": Badge("Special cause: high", "triangle-up", "info"),
    "special cause low": Badge("Special cause: low", "triangle-down", "info"),
    "common cause": Badge("Common cause", "circle", "neutral"),
}
ASSURANCE_BADGES = {
    "consistently passing": Badge("Consistently passing", "check", "improve"),
    "consistently failing": Badge("Consistently failing", "cross", "concern"),
    "hit and miss": Badge("Hit and miss", "half", "neutral"),
}


def rag_badge(rag: str | None) -> Badge:
    """The badge of a RAG status (no data when empty)."""
    return RAG_BADGES.get(rag or "no data", Badge(sentence_case(str(rag)), "ring", "neutral"))


def variation_badge(variation: str | None) -> Badge:
    """The badge of an SPC variation state; empty means the series has no limits."""
    if not variation:
        return Badge("No limits yet", "ring", "neutral")
    return VARIATION_BADGES.get(variation, Badge(sentence_case(variation), "ring", "neutral"))


def assurance_badge(assurance: str | None) -> Badge:
    """The badge of an SPC assurance state; empty means no target, direction or limits."""
    if not assurance:
        return Badge("Not assessed", "ring", "neutral")
    return ASSURANCE_BADGES.get(assurance, Badge(sentence_case(assurance), "ring", "neutral"))


def number(value: float | None, digits: int = 2) -> float | None:
    """A finite value as a float rounded for charts, or None."""
    if value is None:
        return None
    if type(value) is not float:  # the marts' figures are floats already: converted only when not
        value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def format_index(value: float | None) -> str:
    """An index (100 = reference) to one decimal place."""
    found = number(value, 9)
    return NO_VALUE if found is None else f"{found:.1f}"


def format_value(value: float | None, unit: str | None) -> str:
    """A measure's figure in its unit: 64.8%, 12.5 per 1,000, 2,707."""
    found = number(value, 9)
    if found is None:
        return NO_VALUE
    if unit == "percent":
        return f"{found:,.1f}%"
    if unit == "rate_per_1000":
        return f"{found:,.1f} per 1,000"
    return f"{found:,.0f}" if found.is_integer() else f"{found:,.1f}"


def format_percent(value: float | None) -> str:
    """A percentage to one decimal place."""
    return format_value(value, "percent")


def format_pounds(value: float | None) -> str:
    """Pounds to the nearest pound."""
    found = number(value, 9)
    return NO_VALUE if found is None else f"£{found:,.0f}"


def format_count(value: float | None) -> str:
    """A count or FTE, whole or to one decimal place."""
    return format_value(value, "count")


@cache  # a site shows the same few dozen months tens of thousands of times
def month(period: date | None) -> str:
    """A month as `Mar 2026`."""
    return period.strftime("%b %Y") if period else NO_VALUE


@cache
def iso_date(value: date) -> str:
    """A date as `2026-03-01`, as chart rows hold it."""
    return value.isoformat()


@cache
def long_month(period: date | None) -> str:
    """A month as `March 2026`."""
    return period.strftime("%B %Y") if period else NO_VALUE


@cache  # as months: the same due and submission dates on every page
def day(value: date | None) -> str:
    """A date as `3 April 2026`."""
    return f"{value.day} {value.strftime('%B %Y')}" if value else NO_VALUE


def months_before(period: date, months: int) -> date:
    """The first of the month `months` months before `period`."""
    index = period.year * 12 + period.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def sentence_case(text: str) -> str:
    """The text with its first letter in capitals."""
    return text[:1].upper() + text[1:]


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 service`, `3 services`."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


def join_words(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
