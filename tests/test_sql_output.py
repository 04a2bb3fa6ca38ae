"""How `joinedup sql` prints a result: DuckDB's table cut to the width, CSV safe in a spreadsheet, JSON
records scripts can read (numbers as numbers) and Markdown whose cells cannot break the table.

Fails when a format loses or changes a value, lets partner text break out of its cell, or prints a
table wider than asked.
"""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest

from pipelines.sql_output import csv_text, json_records, markdown, table

WIDE = """
    select range as id, repeat('Northshire Hospitals NHS Foundation Trust ', 3) as partner_name,
           range * 1.5 as value, 'a' as b, 'c' as d, 'e' as f, 'g' as h, date '2024-01-01' as period
    from range(100)
"""


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize("width", [80, 100, 140])
def test_the_table_is_duckdbs_boxed_table_cut_to_the_width(con, width):
    printed = table(con.sql(WIDE), width=width, max_rows=10)
    lines = printed.splitlines()
    assert lines[0].startswith("┌") and lines[-1].startswith("└")
    assert max(len(line) for line in lines) <= width
    assert "…" in printed  # the long names are cut, not wrapped
    assert "100 rows (10 shown)" in printed
    assert "bigint" in printed.lower() or "int64" in printed  # the types under the names, as DuckDB's CLI


def test_a_plan_is_printed_whole(con):
    printed = table(con.sql("explain select 42"), width=80, max_rows=10)
    assert "PROJECTION" in printed and "explain_key" not in printed


def test_csv_neutralises_formulas_and_keeps_numbers(con):
    printed = csv_text(con.sql("select '=HYPERLINK(\"x\")' as name, -1.5 as balance, 'plain' as note"))
    assert list(csv.reader(io.StringIO(printed))) == [
        ["name", "balance", "note"],
        ['\'=HYPERLINK("x")', "-1.5", "plain"],
    ]


def test_json_records_keep_numbers_numbers_and_dates_iso(con):
    printed = json_records(
        con.sql("""
        select 7::hugeint as files, 1.50 as rate, 2.5::double as ratio, 'nan'::double as undefined,
               date '2026-03-01' as period, timestamp '2026-03-01 02:00' as run_at, null as comment,
               ['NOR-HD', 'EAS-CMH'] as services, {'red': 3} as counts, 1 as a, 2 as a
    """)
    )
    assert json.loads(printed) == [
        {
            "files": 7,
            "rate": 1.5,
            "ratio": 2.5,
            "undefined": None,
            "period": "2026-03-01",
            "run_at": "2026-03-01T02:00:00",
            "comment": None,
            "services": ["NOR-HD", "EAS-CMH"],
            "counts": {"red": 3},
            "a": 1,
            "a_1": 2,
        }
    ]


def test_json_of_no_rows_is_an_empty_list(con):
    assert json.loads(json_records(con.sql("select 1 as a where false"))) == []


def test_markdown_cells_cannot_break_the_table(con):
    printed = markdown(con.sql("select 'A | B\nC' as name, 12345678.25 as cost, null::varchar as note"))
    header, rule, row = printed.splitlines()
    assert [cell.strip() for cell in header.split("|")[1:-1]] == ["name", "cost", "note"]
    assert [cell[0] + cell[-1] for cell in rule.split("|")[1:-1]] == [":-", "-:", ":-"]  # numbers right
    assert row.count("|") - row.count("\\|") == 4  # the partner's | is escaped: still three cells
    assert "A \\| B<br>C" in row and "12345678.25" in row  # numbers as DuckDB gave them, not rounded
