"""DuckDB's memory limit held down while the site is written, and given back as it was."""

import duckdb
import pytest

from assets.free_memory import duckdb_memory_at_most
from assets.query import one_row

MIB = 2**20


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return one_row(con.execute("select current_setting('memory_limit')"))[0]


def test_the_limit_is_lowered_for_the_body_and_restored_after_it_even_when_it_fails():
    con = duckdb.connect()
    con.execute("set memory_limit = '1GB'")
    before = _limit(con)
    with duckdb_memory_at_most(con, 256 * MIB, "1GB"):
        assert _limit(con) == "256.0 MiB"
    assert _limit(con) == before == "953.6 MiB"  # 1,000,000,000 bytes, exactly as configured
    with pytest.raises(ZeroDivisionError), duckdb_memory_at_most(con, 256 * MIB, "1GB"):
        assert _limit(con) == "256.0 MiB"
        raise ZeroDivisionError
    assert _limit(con) == before
    # without the configured limit, it is set back as DuckDB reports it
    with duckdb_memory_at_most(con, 256 * MIB, None):
        assert _limit(con) == "256.0 MiB"
    assert _limit(con) == "953.5 MiB"


def test_a_lower_limit_is_left_as_it_is():
    con = duckdb.connect()
    con.execute("set memory_limit = '100MiB'")
    with duckdb_memory_at_most(con, 256 * MIB, "100MiB"):
        assert _limit(con) == "100.0 MiB"
    assert _limit(con) == "100.0 MiB"


def test_cached_blocks_are_given_back_when_the_limit_is_lowered(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("set memory_limit = '1GB'")
    con.execute("create table t as select i, md5(i::varchar) as h from range(3000000) as r(i)")
    con.execute("checkpoint")
    con.execute("select count(distinct h) from t").fetchall()

    def used() -> int:
        return one_row(con.execute("select sum(memory_usage_bytes) from duckdb_memory()"))[0]

    held = used()
    assert held > 40 * MIB
    with duckdb_memory_at_most(con, 16 * MIB, "1GB"):
        assert used() <= 16 * MIB < held
