"""Conditions a filter puts on one cell: `> 0`, `>= 5`, `= 1`, `!= Total`, `in [1, 2]`, `not in [...]`,
`not blank`.

Text is compared ignoring case and surrounding spaces; `=` and `!=` compare numbers as numbers when both
sides are one (`1.0` equals `1`). `<`, `<=`, `>` and `>=` compare numbers only: a cell that is not a
number (blank, `n/a`, text) does not meet them. A condition with no operator is `=`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
CONDITION = re.compile(
    r"^\s*(not\s+in|in|not\s+blank|blank|>=|<=|==|!=|=|>|<)?\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL
)
NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$", re.IGNORECASE)


class ConditionError(ValueError):
    """A condition that cannot be read."""


def _number(text: str) -> float | None:
    plain = text.strip().replace(",", "")
    return float(plain) if NUMBER.match(plain) else None


def _same(cell: str, value: str) -> bool:
    left, right = _number(cell), _number(value)
    if left is not None and right is not None:
        return left == right
    return cell.strip().casefold() == value.strip().casefold()


@dataclass(frozen=True)
class Condition:
    """One condition on a cell: its operator, its operand(s) and the text it was written as."""

    text: str
    operator: str
    operand: tuple[str, ...] = ()
    number: float | None = None

    @property
    def numeric(self) -> bool:
        """Return whether the condition compares the cell as a number (`<`, `<=`, `>`, `>=`)."""
        return self.operator in COMPARISONS

    def admits(self, cell: str | None, number: float | None = None) -> bool:
        """Return whether the cell meets the condition; `number` is the cell read as a figure, if one."""
        cell = cell or ""
        match self.operator:
            case "blank":
                return not cell.strip()
            case "not blank":
                return bool(cell.strip())
            case "in":
                return any(_same(cell, v) for v in self.operand)
            case "not in":
                return not any(_same(cell, v) for v in self.operand)
            case "=":
                return _same(cell, self.operand[0])
            case "!=":
                return not _same(cell, self.operand[0])
        assert self.number is not None  # parse_condition gives every comparison its number
        return number is not None and COMPARISONS[self.operator](number, self.number)


def _values(text: str, where: str) -> tuple[str, ...]:
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError:
        values = None
    if not isinstance(values, list) or not values:
        raise ConditionError(f"{where}: 'in' and 'not in' take a list of values in brackets, e.g. in [1, 2]")
    return tuple(str(v) for v in values)


def parse_condition(text: object, where: str) -> Condition:
    """Return the condition written as `text`, or raise ConditionError saying what is wrong."""
    written = str(text).strip()
    found = CONDITION.match(written)
    assert found is not None  # every part of the pattern is optional: it matches any text
    word, rest = " ".join((found[1] or "=").lower().split()), found[2]
    if word == "==":
        word = "="
    if word in ("blank", "not blank"):
        if rest:
            raise ConditionError(f"{where}: {word!r} takes nothing after it")
        return Condition(written, word)
    if word in ("in", "not in"):
        return Condition(written, word, _values(rest, where))
    if not rest:
        raise ConditionError(f"{where}: {written!r} compares with nothing")
    if word in COMPARISONS:
        number = _number(rest)
        if number is None:
            raise ConditionError(f"{where}: {word} compares with a number, not {rest!r}")
        return Condition(written, word, (rest,), number)
    return Condition(written, word, (rest.strip("'\""),))


def listed(values: list, keep: bool) -> Condition:
    """Return the condition of a filter written as `keep: [...]` (in) or `drop: [...]` (not in)."""
    operand = tuple(str(v).strip() for v in values)
    shown = ", ".join(operand)
    return Condition(f"{'in' if keep else 'not in'} [{shown}]", "in" if keep else "not in", operand)
