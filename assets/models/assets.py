"""Dagster assets for the reference seeds and for every SQL model in `dbt_like_sql/`."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.models.build import build_model
from assets.models.project import SqlModel
from assets.models.published_contract import PUBLISHED_SCHEMA
from assets.models.seeds import load_seed, seed_docs, seed_source
from assets.models.shipped import published_marts
from assets.models.versions import model_versions, record_versions
from assets.resources import PathsResource
from assets.result_text import markdown
from assets.validate.mart_checks import mart_check_result, mart_check_spec
from assets.warehouse import ensure_warehouse


def seed_asset(name: str) -> dg.AssetsDefinition:
    """Return the asset that loads reference CSV `<name>.csv` into `seeds.<name>`."""
    docs = seed_docs()[name]

    @dg.asset(
        key=["seeds", name],
        group_name="reference",
        kinds={"polars", "duckdb"},
        owners=["team:data-engineering"],
        description=docs.description,
    )
    def _seed(duckdb: DuckDBResource, paths: PathsResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            ensure_warehouse(con)
            rows = load_seed(con, paths.path("reference_dir"), name, paths.path("partners_dir"))
        source = seed_source(paths.path("reference_dir"), name, paths.path("partners_dir"))
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, "source": str(source)})

    return _seed


def model_asset(model: SqlModel) -> dg.AssetsDefinition:
    """Return the asset that builds one SQL model; its upstreams come from the SQL itself. A published
    mart's step runs the mart's suite on what it built (its blocking check)."""

    key = f"{model.layer}/{model.name}"
    checked = [model.name] if model.layer == PUBLISHED_SCHEMA and model.name in published_marts() else []

    @dg.asset(
        key=[model.layer, model.name],
        group_name=model.layer,
        code_version=model_versions()[key],
        deps=[dg.AssetKey(list(table)) for table in model.upstream],
        kinds={"duckdb", "sql"},
        owners=["team:analytics"],
        description=model.docs.description,
        metadata={"sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```")},
        check_specs=[mart_check_spec(name) for name in checked],
    )
    def _model(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource
    ) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            built = build_model(con, model)
            record_versions(con, [key])
            preview = markdown(con.sql(f"select * from {model.table} limit 5"))
            checks = [mart_check_result(con, name, paths, context.run.run_id) for name in checked]
        by_month = (
            {}
            if built.months is None
            else {"months_rebuilt": dg.MetadataValue.json([f"{m:%Y-%m}" for m in built.months])}
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": built.rows,
                **by_month,
                "preview": dg.MetadataValue.md(preview),
            },
            check_results=checks,
        )

    return _model
