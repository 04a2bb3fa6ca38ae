"""Periods and days written as codes: `MSitAE-{MONTH}-{YEAR}`, `{FY} Q{Q}`, `absence_{YYYY}{MM}{DD}`.

A pattern is literal text (case ignored) with placeholders: `{MONTH}` a month's name, full or short
(`April`, `APR`, `Sept`), `{MON}` its three-letter short name, `{MM}` its number (`4` or `04`),
`{YYYY}` or `{YEAR}` a year of four digits, `{YY}` of two, `{FY}` a UK financial year (`2024-25`,
`2024/25`, `2024-2025`), `{Q}` a financial quarter (1-4) and, for days only, `{DD}` the day of the month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assets.validate.periods import MONTH_NAMES

TOKENS = {
    "MONTH": r"(?P<month_name>[a-z]+)",
    "MON": r"(?P<month_name>[a-z]{3})",
    "MM": r"(?P<month>\d{1,2})",
    "YYYY": r"(?P<year>\d{4})",
    "YEAR": r"(?P<year>\d{4})",
    "YY": r"(?P<short_year>\d{2})",
    "FY": r"(?P<fy_start>\d{4})\s*[-/]\s*(?P<fy_end>\d{4}|\d{2})",
    "Q": r"(?P<quarter>[1-4])",
    "DD": r"(?P<day>\d{1,2})",
}
TOKEN = re.compile(r"\{([A-Z]+)\}")
PERIOD_SETS = ({"month", "year"}, {"quarter", "fy"})


class PatternError(ValueError):
    """A pattern that cannot say a period (or a day)."""


@dataclass(frozen=True)
class DatePattern:
    """A compiled pattern: its text as written and the expression it matches (case ignored)."""

    text: str
    expression: re.Pattern

    def fields(self, value: str, whole: bool = True) -> dict[str, int] | None:
        """Return the year, month, quarter, financial year and day the value writes; None: no match."""
        found = (self.expression.fullmatch if whole else self.expression.search)(value.strip())
        if found is None:
            return None
        groups = {k: v for k, v in found.groupdict().items() if v is not None}
        out: dict[str, int] = {}
        if "month_name" in groups:
            if groups["month_name"].lower() not in MONTH_NAMES:
                return None
            out["month"] = MONTH_NAMES[groups["month_name"].lower()]
        if "month" in groups:
            out["month"] = int(groups["month"])
        if "year" in groups or "short_year" in groups:
            out["year"] = int(groups["year"]) if "year" in groups else 2000 + int(groups["short_year"])
        if "fy_start" in groups:
            out["fy"] = int(groups["fy_start"])
            end = int(groups["fy_end"]) % 100
            if end != (out["fy"] + 1) % 100:
                return None
        for name in ("quarter", "day"):
            if name in groups:
                out[name] = int(groups[name])
        return out

    def period(self, value: str, whole: bool = True) -> str | None:
        """Return the period the value writes as the contract reads it (`2024-04`, `Q1 2024/25`), or None."""
        found = self.fields(value, whole)
        if found is None:
            return None
        if "quarter" in found:
            return f"Q{found['quarter']} {found['fy']}/{(found['fy'] + 1) % 100:02d}"
        return f"{found['year']:04d}-{found['month']:02d}" if 1 <= found["month"] <= 12 else None

    def day(self, value: str, whole: bool = True) -> date | None:
        """Return the day the value writes, or None when it does not match or is no day."""
        found = self.fields(value, whole)
        try:
            return date(found["year"], found["month"], found["day"]) if found else None
        except ValueError:
            return None


def compile_pattern(text: str, days: bool = False) -> DatePattern:
    """Return the pattern compiled, or raise PatternError: it must name a month and year, or a quarter and
    financial year (and a day too when `days`)."""
    parts, names, position = [], [], 0
    for token in TOKEN.finditer(text):
        name = token[1]
        if name not in TOKENS or (name == "DD" and not days):
            raise PatternError(
                f"{{{name}}} is not a placeholder of a "
                f"{'day' if days else 'period'} pattern (see docs/data-contract.md)"
            )
        parts += [re.escape(text[position : token.start()]), TOKENS[name]]
        names.append(
            {
                "MONTH": "month",
                "MON": "month",
                "MM": "month",
                "YYYY": "year",
                "YEAR": "year",
                "YY": "year",
                "FY": "fy",
                "Q": "quarter",
                "DD": "day",
            }[name]
        )
        position = token.end()
    parts.append(re.escape(text[position:]))
    wanted = [{"month", "year", "day"}] if days else list(PERIOD_SETS)
    if len(set(names)) < len(names) or set(names) not in wanted:
        raise PatternError(
            f"{text!r} must name "
            + (
                "a day, a month and a year ({DD}, {MM} or {MONTH}, {YYYY})"
                if days
                else "a month and a year ({MONTH}, {MON} or {MM}; {YYYY} or {YY}) "
                "or a quarter and a financial year ({Q}, {FY})"
            )
            + ", each once"
        )
    return DatePattern(text, re.compile("".join(parts), re.IGNORECASE))
