"""One command puts back the previously published warehouse and the scorecards built from it."""

import duckdb

from pipelines.demo.submissions import generate_demo
from pipelines.rollback import roll_back_publication
from pipelines.run import run_nightly
from tests.conftest import settings_for


def test_rollback_restores_the_previous_warehouse_and_site(tmp_path):
    generate_demo(tmp_path, scale="small", seed=5)
    settings = settings_for(tmp_path)
    assert run_nightly(settings).success
    first_index = (settings.site_dir / "index.html").read_text()
    # a later partner file changes a figure; the run publishes a second version
    extra = tmp_path / "inbox" / "outcomes" / "NOR-ACUTE_20260420_late.csv"
    extra.write_text("partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"
                     "NOR-ACUTE,NOR-HD,HD_DISCHARGES,2026-03,,,1,late correction\n")
    assert run_nightly(settings).success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from audit.load_log").fetchone()[0] > 0
        second = con.execute("select count(*) from raw.outcomes").fetchone()[0]
    restored = roll_back_publication(settings)
    assert restored.parent.name == "history"
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.outcomes").fetchone()[0] == second - 1
    assert (settings.site_dir / "index.html").read_text().split("Generated")[0] == \
        first_index.split("Generated")[0]
