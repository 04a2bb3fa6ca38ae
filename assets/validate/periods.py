"""Read the ways partners write a period into its first day and its grain (month or UK financial quarter)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import cache
from typing import NamedTuple

import polars as pl

MONTH_NAMES = (
    {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
    | {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers Excel gives dates from 1954 to 2119: a bare number outside that is not a period.
EXCEL_SERIALS = (20_000, 80_000)
# UK financial quarters: Q1 is April to June; the year "2023/24" runs from April 2023 to March 2024.
QUARTER_START_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}

YEAR_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
NAMED_MONTH = re.compile(r"^([a-z]+)[\s\-'.]*(\d{4}|\d{2})$")
YEAR_NAMED_MONTH = re.compile(r"^(\d{4})[\s\-'.]*([a-z]+)$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ t]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
QUARTER_FIRST = re.compile(r"^q([1-4])\s*(?:fy)?\s*(\d{4})\s*[/-]\s*(\d{4}|\d{2})$")
YEAR_FIRST = re.compile(r"^(?:fy)?\s*(\d{4})\s*[/-]\s*(\d{4}|\d{2})\s*q([1-4])$")

ACCEPTED = (
    "write a month as 2024-03, 03/2024, Mar-24, March 2024 or 2024-MAR, or a financial quarter as Q4 2023/24"
)


class Period(NamedTuple):
    """A period read from text: its first day and grain, or the rule it breaks and why."""

    start: date | None
    grain: str | None
    rule: str | None = None
    problem: str | None = None


def _bad(problem: str) -> Period:
    return Period(None, None, "bad_period", problem)


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _month(year: int, month: int, text: str) -> Period:
    if not 1 <= month <= 12:
        return _bad(f"{text}: {month} is not a month; {ACCEPTED}")
    return Period(date(year, month, 1), "month")


def _quarter(quarter: int, first: str, second: str, text: str) -> Period:
    start, end = int(first), _year(second)
    if end != start + 1:
        return _bad(f"{text}: a financial year runs from one year to the next, e.g. 2023/24")
    return Period(date(start if quarter < 4 else start + 1, QUARTER_START_MONTH[quarter], 1), "quarter")


def _day_month(first: int, second: int, year: int, date_order: str | None, text: str) -> Period:
    if first > 12 or second > 12 or first == second:
        day, month = (first, second) if first > 12 or first == second else (second, first)
    elif date_order in ("day_first", "month_first"):
        day, month = (first, second) if date_order == "day_first" else (second, first)
    else:
        return Period(
            None,
            None,
            "ambiguous_period",
            f"{text} could be {first} {calendar.month_name[second]} or {second} "
            f"{calendar.month_name[first]}; the partner's mapping file must say whether dates "
            "are written day first or month first (date_order)",
        )
    try:
        date(year, month, day)
    except ValueError:
        return _bad(f"{text} is not a date; {ACCEPTED}")
    return Period(date(year, month, 1), "month")


@cache
def parse_period(text: str, date_order: str | None = None) -> Period:
    """Return the first day and grain of a period as a partner wrote it, or the rule it breaks."""
    value = text.strip().lower()
    if match := YEAR_MONTH.match(value) or ISO_DATE.match(value):
        return _month(int(match[1]), int(match[2]), text)
    if match := MONTH_YEAR.match(value):
        return _month(int(match[2]), int(match[1]), text)
    if (match := NAMED_MONTH.match(value)) and match[1] in MONTH_NAMES:
        return _month(_year(match[2]), MONTH_NAMES[match[1]], text)
    if (match := YEAR_NAMED_MONTH.match(value)) and match[2] in MONTH_NAMES:
        return _month(int(match[1]), MONTH_NAMES[match[2]], text)
    if match := DAY_MONTH_YEAR.match(value):
        return _day_month(int(match[1]), int(match[2]), _year(match[3]), date_order, text)
    if match := QUARTER_FIRST.match(value):
        return _quarter(int(match[1]), match[2], match[3], text)
    if match := YEAR_FIRST.match(value):
        return _quarter(int(match[3]), match[1], match[2], text)
    if (match := SERIAL.match(value)) and EXCEL_SERIALS[0] <= int(match[1]) <= EXCEL_SERIALS[1]:
        day = EXCEL_EPOCH + timedelta(days=int(match[1]))
        return Period(date(day.year, day.month, 1), "month")
    return _bad(f"{text} is not a period we can read; {ACCEPTED}")


def parse_periods(frame: pl.DataFrame) -> pl.DataFrame:
    """Return `frame` with `period` as a date, `period_grain`, and the rule and problem of unreadable ones.

    `frame` holds `period` as text and the file's declared `date_order`; each distinct pair is parsed once.
    """
    pairs = frame.select("period", "date_order").unique().filter(pl.col("period").is_not_null())
    parsed = [parse_period(text, order) for text, order in pairs.iter_rows()]
    lookup = pairs.with_columns(
        pl.Series("period_start", [p.start for p in parsed], dtype=pl.Date),
        pl.Series("period_grain", [p.grain for p in parsed], dtype=pl.String),
        pl.Series("period_rule", [p.rule for p in parsed], dtype=pl.String),
        pl.Series("period_problem", [p.problem for p in parsed], dtype=pl.String),
    )
    return (
        frame.join(lookup, on=["period", "date_order"], how="left", nulls_equal=True, maintain_order="left")
        .with_columns(pl.col("period_start").alias("period"))
        .drop("period_start")
    )
