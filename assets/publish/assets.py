"""Dagster assets that publish the warehouse analysts open and the scorecards stakeholders read."""


import shutil
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.contract import SUBMISSION_TYPES
from assets.publish.build_cache import cache_folder
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


class PublicationRefused(dg.Failure):
    """The build failed a publishing precondition; yesterday's outputs stay in place (no retry helps)."""

    def __init__(self, message: str):
        super().__init__(description=message, allow_retries=False)


def built_before_their_validation(context: dg.AssetExecutionContext) -> list[str]:
    """Return the assets built from validated submissions whose last build is older than the validation.

    Runs the sensor, the schedule and the CLI request always rebuild what is downstream of the months
    they validate; a validation started by hand without its downstream assets would otherwise publish
    validated rows ahead of the marts. Only the instance's recorded materialisations are compared.
    """
    graph = context.job_def.asset_layer.asset_graph

    def built_at(key: dg.AssetKey) -> float | None:
        event = context.instance.get_latest_materialization_event(key)
        return event.timestamp if event else None

    behind: set[str] = set()
    for kind in SUBMISSION_TYPES:
        validated = dg.AssetKey(["validated", kind])
        validated_at = built_at(validated)
        pending = list(graph.get(validated).child_keys)
        seen: set[dg.AssetKey] = set()
        while validated_at is not None and pending:
            key = pending.pop()
            if key in seen or key.path[0] == "publish":
                continue
            seen.add(key)
            pending += graph.get(key).child_keys
            built = built_at(key)
            if built is not None and built < validated_at:
                behind.add(key.to_user_string())
    return sorted(behind)


@dg.asset(key=["publish", "warehouse"], deps=MART_KEYS, group_name="publish",
          kinds={"duckdb"}, owners=["team:data-engineering"],
          description="Copies the built database to the published warehouse file analysts open "
                      "read-only, replacing it atomically, once every row is accounted for.")
def published_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                        paths: PathsResource) -> dg.MaterializeResult:
    """Publish the working database as the analysts' warehouse."""
    behind = built_before_their_validation(context)
    if behind:
        raise PublicationRefused(
            f"{', '.join(behind[:3])}{f' and {len(behind) - 3} more' if len(behind) > 3 else ''} were "
            "last built before the submissions they are built from were validated again (months "
            "validated without what is downstream of them); run `joinedup backfill FIRST LAST` for "
            "those months, or materialise validated/* with everything downstream")
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
    # the script bundle and chart templates, kept between runs in the build folder (see build_cache)
    cache = cache_folder(Path(duckdb.database))
    with duckdb.get_connection() as con:
        summary = render_site(con, built, cache)
        results = latest_results(con)
    # Great Expectations' own report of the latest validation results, beside the scorecards
    build_data_docs(results, built / "data-quality")
    publish_folder(built, site)
    context.log.info(f"{summary['pages']} scorecard page(s) published to {site}")
    return dg.MaterializeResult(metadata={"path": str(site / "index.html")} | summary)
