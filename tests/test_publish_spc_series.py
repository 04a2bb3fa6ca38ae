"""SPC chart rows serialised by DuckDB hold every figure as Python's json.dumps(round(x, 4)) would."""

import math
import random
import struct

import duckdb

from assets.publish.spc_series import load_spc_series, sql_json_number


def test_sql_writes_each_figure_as_python_rounds_and_serialises_it():
    rng = random.Random(1)
    values = [
        0.0,
        -0.0,
        0.03125,
        2.675,
        1.00005,
        -0.00005,
        5e-5,
        1e-4,
        1e16,
        123456789012.34567,
        float("inf"),
        float("nan"),
        None,
    ]
    values += [rng.choice((1, -1)) * 10 ** rng.uniform(-8, 17) for _ in range(20_000)]
    values += [rng.randint(-(10**7), 10**7) / 10**4 + rng.choice((5e-5, -5e-5, 0)) for _ in range(20_000)]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(20_000)]
    con = duckdb.connect()
    sql = f"select {sql_json_number('x')} from unnest($values) with ordinality as t(x, i) order by i"
    written = con.execute(sql, {"values": values}).fetchall()
    expected = ["null" if x is None or not math.isfinite(x) else repr(round(x, 4)) for x in values]
    assert [text for (text,) in written] == expected


def test_a_warehouse_without_any_spc_point_has_no_series(demo_run):
    """A first run whose every file is still being written publishes a site with no charts, not an error."""
    settings, _, _ = demo_run
    con = duckdb.connect()
    con.execute(f"attach '{settings.warehouse}' as demo (read_only)")
    con.execute("create schema marts")
    for table in ("fct_measure_spc", "fct_measure_period", "fct_measure_forecast"):
        con.execute(f"create table marts.{table} as select * from demo.marts.{table} limit 0")
    assert load_spc_series(con) == {}
