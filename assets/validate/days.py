"""Read the ways partners write a day (an action's due date); a month or quarter means its last day."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

import polars as pl

from assets.validate.periods import (
    DAY_MONTH_YEAR,
    EXCEL_EPOCH,
    EXCEL_SERIALS,
    ISO_DATE,
    SERIAL,
    Period,
    parse_period,
)

DAY_FORMS = (
    "write a day as 2025-03-31 or 31/03/2025, or a month (Mar-25) or quarter (Q4 2024/25) for its last day"
)


@cache
def parse_day(text: str, date_order: str | None = None) -> Period:
    """Return the day a partner wrote (grain `day`), or the rule it breaks (`bad_date`, `ambiguous_date`).

    A full date is read as written, a day before the month when `date_order` says so; a month or a
    financial quarter stands for its last day ("due March 2025" is due by 31 March 2025).
    """
    value = text.strip().lower()
    if match := ISO_DATE.match(value):
        return _day(int(match[1]), int(match[2]), int(match[3]), text)
    if match := DAY_MONTH_YEAR.match(value):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        year = year + 2000 if len(match[3]) == 2 else year
        if first > 12 or second > 12 or first == second:
            day, month = (first, second) if first > 12 or first == second else (second, first)
        elif date_order in ("day_first", "month_first"):
            day, month = (first, second) if date_order == "day_first" else (second, first)
        else:
            return Period(
                None,
                None,
                "ambiguous_date",
                f"{text} could be {first} {calendar.month_name[second]} or {second} "
                f"{calendar.month_name[first]}; the partner's mapping file must say whether dates "
                "are written day first or month first (date_order)",
            )
        return _day(year, month, day, text)
    if (match := SERIAL.match(value)) and EXCEL_SERIALS[0] <= int(match[1]) <= EXCEL_SERIALS[1]:
        return Period(EXCEL_EPOCH + timedelta(days=int(match[1])), "day")
    period = parse_period(text, date_order)
    if period.start is None:
        return Period(None, None, "bad_date", f"{text} is not a date we can read; {DAY_FORMS}")
    months = 3 if period.grain == "quarter" else 1
    after = date(
        period.start.year + (period.start.month - 1 + months) // 12,
        (period.start.month - 1 + months) % 12 + 1,
        1,
    )
    return Period(after - timedelta(days=1), "day")


def _day(year: int, month: int, day: int, text: str) -> Period:
    try:
        return Period(date(year, month, day), "day")
    except ValueError:
        return Period(None, None, "bad_date", f"{text} is not a date; {DAY_FORMS}")


def parse_days(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Return (`column` as a date, `<column>_rule`, `<column>_problem`) for text read with its `date_order`.

    Each distinct pair of text and date order is parsed once; a blank stays empty, breaking no rule.
    """
    pairs = frame.select(column, "date_order").unique().filter(pl.col(column).is_not_null())
    parsed = [parse_day(text, order) for text, order in pairs.iter_rows()]
    lookup = pairs.with_columns(
        pl.Series("_day", [p.start for p in parsed], dtype=pl.Date),
        pl.Series(f"{column}_rule", [p.rule for p in parsed], dtype=pl.String),
        pl.Series(f"{column}_problem", [p.problem for p in parsed], dtype=pl.String),
    )
    return (
        frame.select(column, "date_order")
        .join(lookup, on=[column, "date_order"], how="left", nulls_equal=True, maintain_order="left")
        .select(pl.col("_day").alias(column), f"{column}_rule", f"{column}_problem")
    )
