"""Which raw rows a validation reads, and reading them a part (whole files) at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from assets.contract import SubmissionType
from assets.validate.months import row_months

# How many rows (whole files) are typed at once: memory holds a part's raw text, not the batch's.
PART_ROWS = 200_000
# the order rows are numbered in (`row_id`): file name, sheet, row (and file, for two of one name)
ROW_ORDER = "r.file_name, r.sheet_name nulls first, r.row_number, r.file_hash"


@dataclass(frozen=True)
class Part:
    """Whole files of a batch, read together: their hashes, the first and last of their names, and the
    `row_id` of their first row."""

    files: tuple[str, ...]
    names: tuple[str, str]
    first_row_id: int
    rows: int


@dataclass(frozen=True)
class RowsToValidate:
    """The raw rows of files not yet validated and every file's rows for a month in `window`, in parts.

    Made by `rows_to_validate`, which holds the periods' months registered in `con` while it is used.
    """

    con: duckdb.DuckDBPyConnection
    kind: SubmissionType
    window: tuple[date, date] | None
    parts: tuple[Part, ...]

    @property
    def rows(self) -> int:
        """How many rows are selected."""
        return sum(part.rows for part in self.parts)

    @property
    def files(self) -> list[str]:
        """The hashes of the files some of whose rows are selected."""
        return [file for part in self.parts for file in part.files]

    def read(self, part: Part) -> pl.DataFrame:
        """Return a part's raw rows, with `row_id` (their place in the batch), `date_order`,
        `percent_scale`, `is_new` (the file is not yet validated) and `month`."""
        only = "" if len(self.parts) == 1 else "and r.file_name between $first and $last "
        raw = self.con.execute(
            f"select r.*, l.date_order, l.percent_scale, l.status = 'received' as is_new, m.month "
            f"{_selected(self.kind)} {only}order by {ROW_ORDER}",
            _parameters(self.kind, self.window)
            | (dict(zip(("first", "last"), part.names, strict=True)) if only else {}),
        ).pl()
        return raw.with_row_index("row_id", offset=part.first_row_id).with_columns(
            pl.col("row_id").cast(pl.Int64)
        )


def _selected(kind: SubmissionType) -> str:
    """The FROM and WHERE of the rows a validation reads (periods' months from `period_months`)."""
    return (
        f"from raw.{kind.name} as r join audit.load_log as l "
        "on l.file_hash = r.file_hash and l.submission_type = $kind "
        "left join period_months as m on m.period is not distinct from r.period "
        "and m.date_order is not distinct from l.date_order "
        "where (l.status = 'received' or (l.status = 'validated' and m.month >= $start and m.month < $end))"
    )


def _parameters(kind: SubmissionType, window: tuple[date, date] | None) -> dict[str, object]:
    start, end = window or (date.max, date.max)
    return {"kind": kind.name, "start": start, "end": end}


@contextmanager
def rows_to_validate(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, window: tuple[date, date] | None
) -> Iterator[RowsToValidate]:
    """Select the raw rows of files not yet validated and of every file's rows for a month in `window`
    (`window`: [first day, day after the last month)), in parts of whole files of at most `PART_ROWS` rows
    (or one file).

    Each distinct period text is read once, and only the rows selected leave the database, a part at a
    time: a run costs the months it validates, not every row held.
    """
    periods = con.execute(
        f"select distinct r.period, l.date_order from raw.{kind.name} as r join audit.load_log as l "
        "on l.file_hash = r.file_hash and l.submission_type = ?",
        [kind.name],
    ).pl()
    con.register("period_months", periods.with_columns(row_months(periods)).to_arrow())
    try:
        files = con.execute(
            f"select r.file_name, r.file_hash, count(*) {_selected(kind)} "
            "group by r.file_name, r.file_hash order by r.file_name, r.file_hash",
            _parameters(kind, window),
        ).fetchall()
        yield RowsToValidate(con, kind, window, _parts(files))
    finally:
        con.unregister("period_months")


def _parts(files: list[tuple[str, str, int]]) -> tuple[Part, ...]:
    """Group files (name, hash, rows selected; in name order) into parts of at most PART_ROWS rows, the
    files of one name in one part."""
    groups: list[list[tuple[str, str, int]]] = []
    rows = 0
    for file in files:
        if groups and (groups[-1][-1][0] == file[0] or rows + file[2] <= PART_ROWS):
            groups[-1].append(file)
            rows += file[2]
        else:
            groups.append([file])
            rows = file[2]
    parts, first = [], 0
    for group in groups:
        size = sum(rows for _, _, rows in group)
        parts.append(Part(tuple(h for _, h, _ in group), (group[0][0], group[-1][0]), first, size))
        first += size
    # no rows: one empty part, so that the suite still runs (over none) and reports itself
    return tuple(parts) or (Part((), ("", ""), 0, 0),)
