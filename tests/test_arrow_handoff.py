"""A frame handed to DuckDB as an Arrow C stream arrives as the same rows and types as through to_arrow()."""

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from assets.arrow_handoff import ArrowStream

FRAME = pl.DataFrame(
    {
        "text": ["EAS-CMH", None, "a partner's long free text, more than twelve bytes", "é|\n"],
        "number": [1.5, None, float("nan"), -0.0],
        "whole": [1, None, 3, 4],
        "day": [date(2024, 1, 31), None, date(2026, 3, 1), date(1999, 12, 31)],
        "at": [datetime(2026, 12, 2, 6, 52), None, None, datetime(2024, 2, 29)],
        "listed": [["value", "numerator"], [], None, ["denominator"]],
        "flag": [True, False, None, True],
    }
)


def inserted(con: duckdb.DuckDBPyConnection, table: str, source: object) -> list[tuple]:
    con.register("incoming", source)
    con.execute(f"create table {table} as select * from incoming")
    con.unregister("incoming")
    return con.execute(f"select * from {table} order by rowid").fetchall()


def test_the_stream_inserts_what_to_arrow_inserts():
    with duckdb.connect() as con:
        streamed = inserted(con, "streamed", ArrowStream(FRAME))
        copied = inserted(con, "copied", FRAME.to_arrow())
        assert repr(streamed) == repr(copied)  # repr: NaN equals NaN
        types = (
            "select column_name, data_type from information_schema.columns where table_name = ? order by 1"
        )
        assert con.execute(types, ["streamed"]).fetchall() == con.execute(types, ["copied"]).fetchall()


def test_the_stream_is_read_once():
    with duckdb.connect() as con:
        con.register("incoming", ArrowStream(FRAME))
        assert con.execute("select count(*) from incoming").fetchone() == (4,)
        with pytest.raises(duckdb.Error, match="released"):
            con.execute("select count(*) from incoming").fetchone()
