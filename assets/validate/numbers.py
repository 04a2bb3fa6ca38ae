"""Read figures as partners write them: "£1,234", "12%", "(250)", blanks, "n/a", "-", "*" (suppressed)."""

from __future__ import annotations

import polars as pl

# Written for "no figure": the value is missing (a required one is then quarantined as `required`).
MISSING_MARKERS = ("", "n/a", "na", "-", "–", "—", "..", "null", "none")
# Written for "withheld because the number is small": kept as suppressed, never read as zero.
SUPPRESSED_MARKERS = ("*", "[c]")
NUMBER = r"(?i)^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$"
# Commas only as thousands separators: "1,234.5" is a number, "1,2" (a decimal comma) is not.
GROUPED = r"^-?\d{1,3}(,\d{3})+(\.\d+)?$"


def _marker(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_lowercase()


def is_missing(column: str) -> pl.Expr:
    """Return whether a text figure says there is no figure."""
    return pl.col(column).is_null() | _marker(column).is_in(MISSING_MARKERS)


def is_suppressed(column: str) -> pl.Expr:
    """Return whether a text figure is a suppression mark."""
    return _marker(column).is_in(SUPPRESSED_MARKERS).fill_null(False)


def has_percent_sign(column: str) -> pl.Expr:
    """Return whether a text figure carries a % sign (so it is written on the 0-100 scale)."""
    return pl.col(column).str.contains("%", literal=True).fill_null(False)


def parse_number(column: str) -> pl.Expr:
    """Return a text figure as a number (pound signs, thousands commas, % and spaces dropped; (x) is -x)."""
    text = pl.col(column).str.replace_all(r"[£%\s]", "").str.replace_all("\u2212", "-")
    signed = pl.when(text.str.contains(r"^\(.*\)$")).then("-" + text.str.strip_chars("()")).otherwise(text)
    return (pl.when(signed.str.contains(NUMBER) | signed.str.contains(GROUPED))
            .then(signed.str.replace_all(",", "").cast(pl.Float64, strict=False)).alias(column))
