"""Read figures as partners write them: "£1,234", "12%", "(250)", blanks, "n/a", "-", "*" (suppressed)."""

from __future__ import annotations

from collections.abc import Iterable

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
    """Return a text figure as a number (pound signs, thousands commas, % and spaces dropped; (x) is -x).

    "-0" is read as 0 (adding 0.0 clears the sign), so no published figure shows as -0.
    """
    text = pl.col(column).str.replace_all(r"[£%\s]", "").str.replace_all("\u2212", "-")
    signed = pl.when(text.str.contains(r"^\(.*\)$")).then("-" + text.str.strip_chars("()")).otherwise(text)
    return (
        pl.when(signed.str.contains(NUMBER) | signed.str.contains(GROUPED))
        .then(signed.str.replace_all(",", "").cast(pl.Float64, strict=False) + 0.0)
        .alias(column)
    )


def is_missing_text(text: str | None) -> bool:
    """Return whether one written figure says there is no figure."""
    return text is None or text.strip().lower() in MISSING_MARKERS


def is_suppressed_text(text: str | None) -> bool:
    """Return whether one written figure is a suppression mark."""
    return text is not None and text.strip().lower() in SUPPRESSED_MARKERS


def read_figures(texts: Iterable[str]) -> dict[str, float | None]:
    """Return each distinct written figure as a number (None if it is not one), as `parse_number` reads it."""
    written = sorted(set(texts))
    if not written:  # most files have no formula to work out: no frame to build
        return {}
    distinct = pl.Series("figure", written, dtype=pl.String)
    numbers = distinct.to_frame().select(parse_number("figure"))["figure"]
    return dict(zip(distinct.to_list(), numbers.to_list(), strict=True))


def number_text(value: float) -> str:
    """Return a number as a person writes it: whole numbers without '.0', binary noise rounded away."""
    rounded = round(value, 9)
    return str(int(rounded)) if rounded.is_integer() else repr(rounded)
