"""CSV for people: text that a spreadsheet would run as a formula is written as text.

Partner text reaches analysts' CSV files, and a spreadsheet runs a cell starting with `=`, `+`, `-`,
`@`, tab or carriage return as a formula (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`). As OWASP's
CSV-injection guidance advises, such text cells are written with a leading single quote, which
spreadsheets show as text. Only text columns change: numbers, dates and booleans stay as they are.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import polars.selectors as cs

FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Return a copy of `frame` whose text cells that start like a formula begin with a single quote."""
    text = frame.select(cs.string(include_categorical=True) | cs.enum()).columns
    return frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text
    )


def write_spreadsheet_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write `frame` to `path` as CSV that is safe to open in a spreadsheet."""
    neutralise_formulas(frame).write_csv(path)


def spreadsheet_csv(frame: pl.DataFrame) -> str:
    """Return `frame` as CSV text that is safe to open in a spreadsheet (for printing)."""
    return neutralise_formulas(frame).write_csv()
