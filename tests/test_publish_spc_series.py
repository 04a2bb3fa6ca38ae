"""SPC series: chart rows serialised by DuckDB as Python would write them, read for chosen services."""

import math
import random
import struct
from datetime import UTC, datetime

import duckdb

from assets.publish import site
from assets.publish.board_rules import BoardRules
from assets.publish.site import render_site
from assets.publish.spc_series import load_spc_series, sql_json_number
from tests.publish_fixtures import build_site_warehouse


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


def test_the_series_of_chosen_services_are_theirs_among_every_service_s(demo_run):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        every = load_spc_series(con)
        chosen = sorted({service for service, _ in every})[::2]
        assert len(chosen) >= 2
        assert load_spc_series(con, chosen) == {key: s for key, s in every.items() if key[0] in chosen}
        assert load_spc_series(con, []) == {}


def test_pages_written_a_service_s_series_at_a_time_are_the_bytes_of_one_batch(tmp_path, monkeypatch):
    """The site reads the SPC series a batch of services at a time; batches change no page."""
    con = build_site_warehouse(tmp_path / "warehouse.duckdb")
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    try:
        render_site(con, tmp_path / "one-batch", BoardRules(min_peers=2), None, None, at)
        monkeypatch.setattr(site, "SPC_BATCH", 1)
        render_site(con, tmp_path / "batched", BoardRules(min_peers=2), None, None, at)
    finally:
        con.close()
    pages = {
        p.relative_to(tmp_path / "one-batch"): p.read_bytes()
        for p in (tmp_path / "one-batch").rglob("*.html")
    }
    assert len([p for p in pages if p.parts[0] == "services"]) == 3
    assert {p: (tmp_path / "batched" / p).read_bytes() for p in pages} == pages
