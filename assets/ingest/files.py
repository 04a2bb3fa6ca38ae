"""Read one partner submission file into a frame of text columns, or say why it cannot be read."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from charset_normalizer import from_bytes

from assets.contract import SubmissionType

FILE_NAME = re.compile(r"^(?P<partner>[A-Za-z0-9-]+)_(?P<submitted>\d{8})(?:_[^/]*)?\.(?P<ext>csv|xlsx)$",
                       re.IGNORECASE)
# Encodings partners in England actually send; narrowing the candidates stops a short cp1252 file
# being read as a central-European code page ("£" turning into "Ł").
CANDIDATE_ENCODINGS = ["utf_8", "utf_16", "cp1252", "latin_1"]


class RejectedFile(Exception):
    """A whole file that cannot be loaded; `rule` names the contract rule it breaks."""

    def __init__(self, rule: str, message: str, column: str | None = None, rows: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.column = column
        self.rows = rows


@dataclass(frozen=True)
class Submission:
    """A parsed submission: its rows as untrimmed text plus what the file itself tells us."""

    rows: pl.DataFrame
    partner_code: str
    submitted_on: date
    encoding: str
    ignored_columns: tuple[str, ...]


def parse_file_name(name: str) -> tuple[str, date]:
    """Return (partner code, submission date) from `<PARTNER>_<YYYYMMDD>[_label].csv|xlsx`."""
    match = FILE_NAME.match(name)
    if not match:
        raise RejectedFile("file_name", f"{name}: expected <PARTNER_CODE>_<YYYYMMDD>[_label].csv|xlsx")
    try:
        submitted = datetime.strptime(match["submitted"], "%Y%m%d").date()
    except ValueError as exc:
        raise RejectedFile("file_name", f"{name}: {match['submitted']} is not a date") from exc
    return match["partner"].upper(), submitted


def decode(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for a CSV's bytes, detecting the encoding."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf_8_sig"
    try:
        # Valid UTF-8 is almost never anything else; detection is only needed when it is not.
        return raw.decode("utf-8"), "utf_8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw, cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is None:
        raise RejectedFile("unreadable_file", "the text encoding could not be detected")
    return str(best), best.encoding


def _read_table(name: str, content: bytes) -> tuple[pl.DataFrame, str]:
    if name.lower().endswith(".xlsx"):
        try:
            frame = pl.read_excel(io.BytesIO(content), engine="calamine", read_options={"dtypes": "string"},
                                  drop_empty_rows=False, raise_if_empty=False)
        except Exception as exc:  # calamine raises its own error types for damaged workbooks
            raise RejectedFile("unreadable_file", f"not a readable XLSX workbook: {exc}") from exc
        return frame, "xlsx"
    text, encoding = decode(content)
    try:
        frame = pl.read_csv(text.encode("utf-8"), infer_schema=False, raise_if_empty=False,
                            truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        raise RejectedFile("unreadable_file", f"not a readable CSV file: {exc}") from exc
    return frame, encoding


def read_submission(name: str, content: bytes, kind: SubmissionType) -> Submission:
    """Read a submission file's bytes as the contract's columns, all text, in file order."""
    partner, submitted = parse_file_name(name)
    frame, encoding = _read_table(name, content)
    frame = frame.rename({c: c.strip().lower().replace(" ", "_") for c in frame.columns})
    missing = [c for c in kind.columns if c not in frame.columns]
    if missing:
        raise RejectedFile("missing_columns", f"missing column(s): {', '.join(missing)}",
                           column=", ".join(missing), rows=frame.height)
    ignored = tuple(c for c in frame.columns if c not in kind.columns)
    rows = frame.select(kind.columns)
    if any(dtype != pl.String for dtype in rows.dtypes):
        rows = rows.cast(pl.String)
    return Submission(rows, partner, submitted, encoding, ignored)
