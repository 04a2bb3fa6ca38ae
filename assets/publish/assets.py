"""Dagster assets that publish the warehouse analysts open and the scorecards stakeholders read."""

import errno
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.contract import SUBMISSION_TYPES
from assets.faults import fault_point
from assets.models.shipped import published_marts
from assets.publish.board_rules import BoardRules
from assets.publish.changes import record_changes
from assets.publish.data_docs_alongside import DataDocsBuilder
from assets.publish.lake import publish_to_lake
from assets.publish.site import NAVIGATION, render_site
from assets.publish.swap import Publications
from assets.resources import BoardRulesResource, PathsResource
from assets.validate.accounting import accounting_gaps
from assets.validate.records import latest_results

# the site's record of the publication it belongs to, beside the warehouse's audit.publications
PUBLICATION_FILE = "publication.json"


class PublicationRefused(dg.Failure):
    """The build cannot be published and no retry helps; yesterday's publication stays in place."""

    def __init__(self, message: str):
        super().__init__(description=message, allow_retries=False)


def built_before_their_validation(context: dg.AssetExecutionContext) -> list[str]:
    """Return the assets built from validated submissions whose last build is older than the validation.

    Runs the sensor, the schedule and the CLI request always rebuild what is downstream of the months
    they validate; a validation started by hand without its downstream assets would otherwise publish
    validated rows ahead of the marts. Only the instance's recorded materialisations are compared.
    """
    graph = context.job_def.asset_layer.asset_graph
    downstream: dict[dg.AssetKey, set[dg.AssetKey]] = {}
    for kind in SUBMISSION_TYPES:
        validated = dg.AssetKey(["validated", kind])
        pending, seen = list(graph.get(validated).child_keys), set()
        while pending:
            key = pending.pop()
            if key not in seen and key.path[0] != "publish":
                seen.add(key)
                pending += graph.get(key).child_keys
        downstream[validated] = seen
    # one query for every asset's latest materialisation
    latest = context.instance.get_latest_materialization_events(
        set(downstream) | {key for keys in downstream.values() for key in keys}
    )
    built_at = {key: event.timestamp for key, event in latest.items() if event is not None}
    behind = {
        key.to_user_string()
        for validated, keys in downstream.items()
        if validated in built_at
        for key in keys
        if key in built_at and built_at[key] < built_at[validated]
    }
    return sorted(behind)


WAREHOUSE = dg.AssetKey(["publish", "warehouse"])
SCORECARDS = dg.AssetKey(["publish", "scorecards"])


def publication_specs() -> list[dg.AssetSpec]:
    """Return the specs of the warehouse and the scorecards, published together.

    Publication waits for every mart documented in dbt_like_sql/marts, whichever asset builds it (SQL
    or Python), and a mart is published only once it is documented (tests/test_model_contracts.py).
    """
    return [
        dg.AssetSpec(
            WAREHOUSE,
            deps=[dg.AssetKey(["marts", mart]) for mart in published_marts()],
            group_name="publish",
            kinds={"duckdb"},
            owners=["team:data-engineering"],
            description="The built database as the warehouse file analysts open read-only, published "
            "with the scorecards built from it once every row is accounted for.",
        ),
        dg.AssetSpec(
            SCORECARDS,
            # the data-quality page names publications from seeds.publications, which no mart reads
            deps=[
                WAREHOUSE,
                dg.AssetKey(["intermediate", "int_service_workforce_coverage"]),
                dg.AssetKey(["seeds", "publications"]),
            ],
            group_name="publish",
            kinds={"html"},
            owners=["team:analytics"],
            description="The scorecard site: an index of all joint services and one page per service, "
            "published with the warehouse it was built from.",
        ),
    ]


def build_site(
    con: duckdb.DuckDBPyConnection,
    site: Path,
    rules: BoardRules,
    cache: Path,
    run_id: str,
    previous: Path | None = None,
) -> dict[str, Any]:
    """Write the scorecards of the warehouse `con` reads into `site`, read by `rules`; return render_site's
    figures.

    Pages whose inputs are those of the `previous` site's pages are carried over from it.
    `publication.json` names the run that published them, as the warehouse's audit.publications does.
    """
    summary = render_site(con, site, rules, cache, previous)
    (site / PUBLICATION_FILE).write_text(json.dumps({"run_id": run_id}) + "\n", "utf-8")
    return summary


def _forget(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Take a publication that did not happen out of the working database's audit trail."""
    for table in ("publications", "publication_changes"):
        con.execute(f"delete from audit.{table} where run_id = ?", [run_id])


def publication_asset() -> dg.AssetsDefinition:
    """Return the step that publishes the warehouse and the scorecards together."""

    @dg.multi_asset(name="publish", specs=publication_specs(), can_subset=False)
    def _publication(
        context: dg.AssetExecutionContext,
        duckdb: DuckDBResource,
        paths: PathsResource,
        board_rules: BoardRulesResource,
        data_docs: DataDocsBuilder,
    ) -> Iterator[dg.MaterializeResult]:
        """Build the warehouse file and the site from it in a folder of their own, then put both in place
        in one rename (see publish.swap); leftovers of runs that stopped are removed first. With a lake
        configured, its marts are committed to the lake (one snapshot) just before the switch.

        Named fault points (assets.faults): `publish:warehouse-staged`, `publish:site-built`,
        `publish:before-switch`, `publish:after-switch`, and `publish:cleanup` in each removal.
        """
        behind = built_before_their_validation(context)
        if behind:
            raise PublicationRefused(
                f"{', '.join(behind[:3])}{f' and {len(behind) - 3} more' if len(behind) > 3 else ''} were "
                "last built before the submissions they are built from were validated again (months "
                "validated without what is downstream of them); run `joinedup backfill FIRST LAST` for "
                "those months, or materialise validated/* with everything downstream"
            )
        store = Publications(paths.path("publications"), paths.path("warehouse"), paths.path("site_dir"))
        store.adopt_earlier_layout()
        store.clean()
        run_id = context.run.run_id
        with duckdb.get_connection() as con:
            gaps = accounting_gaps(con)
            if not gaps.is_empty():
                raise PublicationRefused(
                    f"{gaps.height} file(s) have rows neither loaded nor "
                    f"quarantined, e.g. {gaps.row(0, named=True)}"
                )
            results = latest_results(con)
            staged = store.stage()
            try:
                # Great Expectations' own report of the latest validation results, beside the scorecards,
                # built meanwhile in a second process
                with data_docs.alongside(
                    results,
                    store.site_in(staged) / "data-quality",
                    paths.path("expectations_dir"),
                    NAVIGATION,
                    previous=store.site / "data-quality",  # its unchanged pages are carried over
                ):
                    changes = record_changes(con, store.warehouse, run_id)
                    con.execute("checkpoint")
                    database = Path(
                        con.execute(
                            "select path from duckdb_databases() where database_name = current_database()"
                        ).fetchone()[0]
                    )
                    shutil.copyfile(database, store.warehouse_in(staged))
                    fault_point("publish:warehouse-staged")
                    # the script bundle and chart templates, kept between runs in the user's cache folder;
                    # the pages whose inputs did not change, carried over from the current publication
                    current = store.current()
                    # from the working database, checkpointed and copied unchanged just now: a second
                    # DuckDB on the copy would cache the same blocks again (50 MB at national scale)
                    summary = build_site(
                        con,
                        store.site_in(staged),
                        board_rules.rules(),
                        paths.path("cache_dir"),
                        run_id,
                        store.site_in(current) if current else None,
                    )
                fault_point("publish:site-built")
                lake = paths.lake_settings()
                snapshot = publish_to_lake(store.warehouse_in(staged), lake, run_id) if lake else None
                published = store.complete(staged)
            except BaseException as stopped:
                shutil.rmtree(staged, ignore_errors=True)
                _forget(con, run_id)
                if isinstance(stopped, OSError) and stopped.errno == errno.ENOSPC:
                    raise PublicationRefused(
                        f"the disk is full ({stopped}); yesterday's publication stays "
                        "in place: free some space and run again"
                    ) from None
                raise
        fault_point("publish:before-switch")
        store.switch(published)
        fault_point("publish:after-switch")
        store.clean()
        context.log.info(
            f"publication {published.name} in place: warehouse {store.warehouse}, "
            f"{summary['pages']} scorecard page(s) in {store.site}; since the last "
            f"publication: {changes}"
        )
        warehouse_metadata: dict[str, str | int] = {
            "path": str(store.warehouse),
            "publication": published.name,
            "bytes": store.warehouse.stat().st_size,
        }
        yield dg.MaterializeResult(
            asset_key=WAREHOUSE,
            metadata=warehouse_metadata
            | changes
            | ({"lake_snapshot": snapshot} if snapshot is not None else {}),
        )
        yield dg.MaterializeResult(
            asset_key=SCORECARDS,
            metadata={"path": str(store.site / "index.html"), "publication": published.name} | summary,
        )

    return _publication
