"""An ERROR-level check failure stops the marts and publishing; yesterday's outputs stay."""

import duckdb
import polars as pl

from pipelines.demo.submissions import generate_demo
from pipelines.run import run_nightly
from tests.conftest import settings_for


def test_failed_blocking_check_keeps_the_published_warehouse_and_site(tmp_path):
    generate_demo(tmp_path, scale="small", seed=11)
    settings = settings_for(tmp_path)
    assert run_nightly(settings).success
    published = settings.warehouse.stat().st_mtime_ns
    index = (settings.site_dir / "index.html").read_bytes()

    # The partnership drops a partner from reference data: rows already loaded for it now break
    # the known_partner rule, so the loaded-rows check fails and nothing downstream may publish.
    partners = pl.read_csv(settings.reference_dir / "partners.csv")
    partners.filter(pl.col("partner_code") != "NOR-VCS").write_csv(settings.reference_dir / "partners.csv")
    report = run_nightly(settings)

    assert not report.success
    assert {(f.asset, f.check, f.severity) for f in report.failed_checks} >= {
        ("validated/outcomes", "loaded_rows_pass_suite", "ERROR"),
        ("validated/workforce", "loaded_rows_pass_suite", "ERROR")}
    assert settings.warehouse.stat().st_mtime_ns == published
    assert (settings.site_dir / "index.html").read_bytes() == index
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (partners_published,) = con.execute(
            "select count(*) from marts.dim_partner where partner_code = 'NOR-VCS'").fetchone()
    assert partners_published == 1
