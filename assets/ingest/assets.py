"""Dagster assets that append partner files to `raw.<type>`."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.contract import SubmissionType
from assets.ingest.inbox import SETTLE_SECONDS
from assets.ingest.load import ingest_inbox
from assets.resources import PathsResource
from assets.warehouse import ensure_warehouse


def raw_asset(kind: SubmissionType) -> dg.AssetsDefinition:
    """Return the asset that loads new partner files of one type into `raw.<type>`."""

    @dg.asset(
        key=["raw", kind.name],
        deps=[dg.AssetKey(["seeds", "partners"])],
        group_name="ingest",
        kinds={"polars", "duckdb"},
        owners=["team:data-engineering"],
        description=f"Every {kind.name} row partners sent (inbox/{kind.name}/, the {kind.name} "
        "sheets of workbooks in inbox/returns/, and the publications source mappings "
        "name), as received (text, headers and codes mapped to the contract), with its "
        "file, sheet, hash and row number. A file already loaded (same bytes) is not "
        "loaded again; one that cannot be read, and links, pipes and folders named like "
        "files (never read), are in audit.rejected_files; rows a mapping leaves out of "
        "scope are in audit.quarantine. A file modified in the last "
        f"{SETTLE_SECONDS} seconds may still be being written: it waits for the next run.",
    )
    def _raw(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource
    ) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            ensure_warehouse(con)
            summary = ingest_inbox(
                con, paths.path("inbox"), kind, paths.path("partners_dir"), context.run.run_id
            )
            (total,) = con.execute(f"select count(*) from raw.{kind.name}").fetchone()
        context.log.info(
            f"{kind.name}: {len(summary.files_loaded)} new file(s), {summary.rows_received} rows; "
            f"{len(summary.files_rejected)} rejected; {len(summary.files_duplicate)} duplicate(s) "
            f"of files already received; {summary.files_already_loaded} already loaded; "
            f"{len(summary.files_skipped)} skipped (not files); {len(summary.files_waiting)} still being "
            f"written, left for the next run"
        )
        return dg.MaterializeResult(
            metadata={
                "files_loaded": len(summary.files_loaded),
                "files_rejected": summary.files_rejected,
                "files_duplicate": summary.files_duplicate,
                "files_skipped": summary.files_skipped,
                "files_waiting": summary.files_waiting,
                "files_already_loaded": summary.files_already_loaded,
                "rows_received": summary.rows_received,
                "dagster/row_count": total,
                "files_read": summary.files_loaded,
            }
        )

    return _raw
