"""Dagster assets that publish the warehouse analysts open and the scorecards stakeholders read."""


import shutil
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.publish.changes import record_changes
from assets.publish.site import render_site
from assets.publish.swap import publish_file, publish_folder
from assets.validate.accounting import accounting_gaps
from assets.validate.data_docs import build_data_docs
from assets.validate.records import latest_results
from pipelines.resources import PathsResource

MART_KEYS = [dg.AssetKey(["marts", name]) for name in (
    "dim_joint_service", "dim_partner", "dim_measure", "fct_measure_period",
    "fct_workforce_period", "fct_workforce_service_period", "fct_workforce_partnership_period",
    "scorecard_service_period", "peer_benchmark", "fct_measure_spc", "measure_spc_status",
    "pay_parity", "accountability", "accountable_red_measures", "workforce_outcome_association",
    "partner_data_quality", "partner_league")]


class PublicationRefused(Exception):
    """The build failed a publishing precondition; yesterday's outputs stay in place."""


@dg.asset(key=["publish", "warehouse"], deps=MART_KEYS, group_name="publish",
          kinds={"duckdb"}, owners=["team:data-engineering"],
          description="Copies the built database to the published warehouse file analysts open "
                      "read-only, replacing it atomically, once every row is accounted for.")
def published_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                        paths: PathsResource) -> dg.MaterializeResult:
    """Publish the working database as the analysts' warehouse."""
    with duckdb.get_connection() as con:
        gaps = accounting_gaps(con)
        if not gaps.is_empty():
            raise PublicationRefused(f"{gaps.height} file(s) have rows neither loaded nor "
                                     f"quarantined, e.g. {gaps.row(0, named=True)}")
        target = paths.path("warehouse")
        changes = record_changes(con, target, context.run.run_id)
        con.execute("checkpoint")
        database = con.execute("select path from duckdb_databases() where database_name = "
                               "current_database()").fetchone()[0]
    publish_file(Path(database), target)
    context.log.info(f"warehouse published to {target}; since the last publication: {changes}")
    return dg.MaterializeResult(metadata={"path": str(target), "bytes": target.stat().st_size}
                                | changes)


@dg.asset(key=["publish", "scorecards"],
          deps=[dg.AssetKey(["publish", "warehouse"]),
                dg.AssetKey(["intermediate", "int_service_workforce_coverage"])],
          group_name="publish", kinds={"html"}, owners=["team:analytics"],
          description="The scorecard site: an index of all joint services and one page per "
                      "service, built aside and swapped into place.")
def scorecards(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
               paths: PathsResource) -> dg.MaterializeResult:
    """Render the scorecard site from the marts and publish it atomically."""
    site = paths.path("site_dir")
    built = site.with_name(f".{site.name}.building")
    shutil.rmtree(built, ignore_errors=True)
    with duckdb.get_connection() as con:
        summary = render_site(con, built)
        results = latest_results(con)
    # Great Expectations' own report of the latest validation results, beside the scorecards
    build_data_docs(results, built / "data-quality")
    publish_folder(built, site)
    context.log.info(f"{summary['pages']} scorecard page(s) published to {site}")
    return dg.MaterializeResult(metadata={"path": str(site / "index.html")} | summary)
