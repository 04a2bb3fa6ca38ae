"""Dagster assets that append partner files to `raw.<type>`."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.ingest.load import ingest_folder
from assets.warehouse import ensure_warehouse
from pipelines.resources import PathsResource


def raw_asset(kind: SubmissionType) -> dg.AssetsDefinition:
    """Return the asset that loads new `inbox/<type>/` files into `raw.<type>`."""

    @dg.asset(
        key=["raw", kind.name],
        group_name="ingest",
        kinds={"polars", "duckdb"},
        owners=["team:data-engineering"],
        description=f"Every {kind.name} file partners dropped in inbox/{kind.name}/, as received "
                    "(text), one row per data row with its file, hash and line number. A file "
                    "already loaded (same bytes) is not loaded again.",
    )
    def _raw(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
             paths: PathsResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            ensure_warehouse(con)
            summary = ingest_folder(con, paths.path("inbox") / kind.name, kind, context.run.run_id)
            (total,) = con.execute(f"select count(*) from raw.{kind.name}").fetchone()
        context.log.info(
            f"{kind.name}: {len(summary.files_loaded)} new file(s), {summary.rows_received} rows; "
            f"{len(summary.files_rejected)} rejected; {summary.files_already_loaded} already loaded")
        return dg.MaterializeResult(metadata={
            "files_loaded": len(summary.files_loaded),
            "files_rejected": summary.files_rejected,
            "files_already_loaded": summary.files_already_loaded,
            "rows_received": summary.rows_received,
            "dagster/row_count": total,
            "files_read": summary.files_loaded,
        })

    return _raw


raw_assets = [raw_asset(kind) for kind in SUBMISSION_TYPES.values()]
