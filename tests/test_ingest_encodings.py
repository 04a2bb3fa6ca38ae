"""Encodings: each CSV's text encoding is detected, read faithfully and recorded in the load log."""

import pytest

from assets.ingest.files import RejectedFile, check_content, decode
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse

COMMENT = "Cost £12 – “agreed” at the café"


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (COMMENT.encode("utf-8"), "utf_8"),
        (b"\xef\xbb\xbf" + COMMENT.encode("utf-8"), "utf_8_sig"),
        (COMMENT.encode("cp1252"), "cp1252"),
        (COMMENT.encode("utf-16"), "utf_16"),
    ],
)
def test_encoding_is_detected_and_text_read_faithfully(encoded, expected):
    assert decode(encoded) == (COMMENT, expected)


def test_latin_1_text_without_cp1252_characters_reads_the_same():
    text = "Drop-in café for carers costs £40 a week."
    decoded, encoding = decode(text.encode("latin-1"))
    assert decoded == text and encoding in ("cp1252", "latin_1")


def test_binary_junk_is_not_taken_for_text():
    with pytest.raises(RejectedFile) as rejected:
        check_content("csv", bytes(range(256)) * 4)
    assert rejected.value.rule == "unreadable_file"
    assert "binary" in str(rejected.value)


def test_each_file_records_its_encoding_in_the_load_log(tmp_path):
    con = seeded_warehouse(tmp_path / "w.duckdb")
    body = OUTCOMES_HEADER + f"P1,S1,OUT,2024-01,,,4,{COMMENT}\n"
    inbox = tmp_path / "inbox"
    drop(inbox, "outcomes", "P1_20240301_utf8.csv", body.encode("utf-8"))
    drop(inbox, "outcomes", "P1_20240302_bom.csv", b"\xef\xbb\xbf" + body.encode("utf-8"))
    drop(inbox, "outcomes", "P1_20240303_ansi.csv", body.encode("cp1252"))
    drop(inbox, "outcomes", "P1_20240304_utf16.csv", body.encode("utf-16"))
    outcome = ingest_and_validate(con, tmp_path)
    assert outcome.rows_loaded == 4
    assert rows(con, "select file_name, encoding from audit.load_log order by 1") == [
        ("P1_20240301_utf8.csv", "utf_8"),
        ("P1_20240302_bom.csv", "utf_8_sig"),
        ("P1_20240303_ansi.csv", "cp1252"),
        ("P1_20240304_utf16.csv", "utf_16"),
    ]
    assert {c for (c,) in rows(con, "select comment from validated.outcomes")} == {COMMENT}
    # the BOM does not stick to the first header
    assert rows(con, "select distinct partner_code from raw.outcomes") == [("P1",)]
