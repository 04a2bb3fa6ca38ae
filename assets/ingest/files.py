"""What a submission file is before it is read: its name, its kind of content and its text encoding."""

from __future__ import annotations

import re
from datetime import date, timedelta

from charset_normalizer import from_bytes

FILE_NAME = re.compile(r"^(?P<partner>[A-Za-z0-9-]+)_(?P<submitted>\d{8})(?:_[^/]*)?\.(?P<ext>[A-Za-z0-9]+)$")
ACCEPTED_EXTENSIONS = ("csv", "xlsx")
# Encodings partners in England actually send; narrowing the candidates stops a short cp1252 file
# being read as a central-European code page ("£" turning into "Ł").
CANDIDATE_ENCODINGS = ["utf_8", "utf_16", "cp1252", "latin_1"]
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
ZIP, OLE2, PDF = b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF"
# A partner a time zone ahead may already date a file tomorrow.
SUBMISSION_GRACE = timedelta(days=1)


class RejectedFile(Exception):
    """A whole file that cannot be loaded; `rule` names the contract rule, the message says what to do."""

    def __init__(self, rule: str, message: str, rows: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.rows = rows

    def __reduce__(self) -> tuple:
        """Pickle with the rule and rows (files are examined in worker processes)."""
        return RejectedFile, (self.rule, str(self), self.rows)


def partner_in_name(name: str) -> str | None:
    """Return the partner code a file name starts with, if it is named as the contract says."""
    match = FILE_NAME.match(name)
    return match["partner"].upper() if match else None


def parse_file_name(name: str) -> tuple[str, date, str]:
    """Return (partner code, submission date, extension) from `<PARTNER>_<YYYYMMDD>[_label].<ext>`."""
    match = FILE_NAME.match(name)
    if not match:
        raise RejectedFile(
            "file_name",
            f"{name} is not named <PARTNER_CODE>_<YYYYMMDD>[_label].csv or "
            ".xlsx, so we cannot tell whose it is or when it was sent",
        )
    digits = match["submitted"]
    try:
        submitted = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError as exc:
        raise RejectedFile(
            "file_name", f"{match['submitted']} in the name {name} is not a date (YYYYMMDD)"
        ) from exc
    extension = match["ext"].lower()
    if extension not in ACCEPTED_EXTENSIONS:
        raise RejectedFile(
            "wrong_file_type",
            f"this is a .{extension} file; please send the figures as a CSV file or an Excel .xlsx workbook",
        )
    return match["partner"].upper(), submitted, extension


def check_submitted(submitted: date, today: date) -> None:
    """Raise RejectedFile when the submission date is after today (with a day's grace).

    A file dated in the future would stand as the latest figures for its keys until that day, so no
    real resubmission could supersede it.
    """
    if submitted > today + SUBMISSION_GRACE:
        raise RejectedFile(
            "submitted_in_future",
            f"the file name says it was sent on {submitted:%d %B %Y}, "
            f"after today ({today:%d %B %Y}); please put the day "
            "you send it in the name (YYYYMMDD) and send it again",
        )


def check_content(extension: str, content: bytes) -> None:
    """Raise RejectedFile when the bytes are empty or not the kind of file the name says."""
    if not content.strip():
        raise RejectedFile("empty_file", "the file is empty; please send it again with your figures")
    if content.startswith(PDF):
        raise RejectedFile(
            "wrong_file_type",
            "this is a PDF; please send the figures as a CSV file or an Excel .xlsx workbook",
        )
    if content.startswith(OLE2):
        raise RejectedFile(
            "wrong_file_type",
            "this is an old-style Excel (.xls) or password-protected "
            "workbook; please save it as .xlsx without a password, "
            "or as CSV",
        )
    if extension == "csv" and content.startswith(ZIP):
        raise RejectedFile(
            "wrong_file_type",
            "this is an Excel workbook with a .csv name; please rename it to .xlsx or save it as CSV",
        )
    if extension == "xlsx" and not content.startswith(ZIP):
        raise RejectedFile(
            "wrong_file_type",
            "this is not an Excel .xlsx workbook although its name "
            "ends .xlsx; please save it from Excel as .xlsx or CSV",
        )
    if extension == "csv" and not content.startswith(UTF16_BOMS) and b"\x00" in content[:4096]:
        raise RejectedFile(
            "unreadable_file",
            "the file holds binary data, not text; please save it "
            "from your spreadsheet as CSV and send it again",
        )


def decode(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for a CSV's bytes, detecting the encoding."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf_8_sig"
    if raw.startswith(UTF16_BOMS):
        return raw.decode("utf-16"), "utf_16"
    try:
        # Valid UTF-8 is almost never anything else; detection is only needed when it is not.
        return raw.decode("utf-8"), "utf_8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw, cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is None:
        raise RejectedFile(
            "unreadable_file",
            "we could not tell how the text is encoded; please save it as 'CSV UTF-8' and send it again",
        )
    return str(best), best.encoding
