"""Each publication records what changed; one command puts back the previous warehouse and site whole."""

import json

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.rollback import roll_back_publication
from pipelines.run import run_nightly
from tests.conftest import settings_for, settle
from tests.shared_demo import published_copy

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own


def test_changes_are_recorded_and_rollback_restores_the_previous_warehouse_site_and_working_database(
    demo_run, tmp_path
):
    # the session's demo run is the first publication; this test changes a copy of it
    assert demo_run[1].success
    home = published_copy(demo_run[0].inbox.parent, tmp_path / "home")
    settings = settings_for(home)
    first_index = (settings.site_dir / "index.html").read_text()
    first_publication = settings.warehouse.resolve().parent
    # a late resubmission changes a figure; the run publishes a second version
    extra = settings.inbox / "outcomes" / "NOR-ACUTE_20260420_late.csv"
    extra.write_text(
        "partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"
        "NOR-ACUTE,NOR-HD,HD_DISCHARGES,2026-03,,,1,late correction\n"
    )
    settle(extra)
    assert run_nightly(settings).success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from audit.load_log").fetchone()[0] > 0
        second = con.execute("select count(*) from raw.outcomes").fetchone()[0]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        changes = con.execute(
            "select change, service_code, measure_code, period, detail "
            "from audit.publication_changes order by all"
        ).fetchall()
        counts = con.execute(
            "select new_submissions, restated_figures from audit.publications order by published_at"
        ).fetchall()
    assert counts[0] == (0, 0)  # the first publication has nothing to compare with
    assert (
        "new submission",
        None,
        None,
        None,
        "outcomes/NOR-ACUTE_20260420_late.csv from NOR-ACUTE",
    ) in changes
    restated = [c for c in changes if c[0] == "restated figure"]
    assert [(s, m, str(p)) for _, s, m, p, _ in restated] == [("NOR-HD", "HD_DISCHARGES", "2026-03-01")]
    before, after = (float(v) for v in restated[0][4].split(" -> "))
    assert (after, before > 1) == (1.0, True)  # the late file replaced the trust's figure
    index = (settings.site_dir / "index.html").read_text()
    assert "Since the last publication" not in first_index
    assert "Since the last publication" in index
    assert "Since the last publication: 1 new submission, 1 restated figure, " in index
    restored = roll_back_publication(settings)
    assert restored == first_publication == settings.warehouse.resolve().parent
    assert sorted(p.name for p in settings.publications.iterdir()) == sorted(["current", restored.name])
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.outcomes").fetchone()[0] == second - 1
        (run_id,) = con.execute(
            "select run_id from audit.publications order by published_at desc limit 1"
        ).fetchone()
    # the site comes back as it was published, the validation results beside the scorecards too
    assert (settings.site_dir / "index.html").read_text() == first_index
    assert json.loads((settings.site_dir / "publication.json").read_text()) == {"run_id": run_id}
    assert "<h1>Validation results</h1>" in (settings.site_dir / "data-quality" / "index.html").read_text()
    # the working database went back too: the next run reads the late file again and publishes it
    again = run_nightly(settings)
    assert again.success and again.months == ["2026-03"]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.outcomes").fetchone()[0] == second


def test_publication_waits_for_every_mart_in_the_graph():
    """A mart left out of published_marts() would be published from the previous build's table."""
    graph = defs().resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert dg.AssetKey(["marts", "fct_measure_forecast"]) in marts
    assert graph.get(dg.AssetKey(["publish", "warehouse"])).parent_keys == marts
