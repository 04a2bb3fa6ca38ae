"""Dagster asset estimating how results move with staffing (association, not cause)."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.association.estimate import WORKFORCE_MEASURES, associations
from assets.models.build import load_table
from assets.models.shipped import mart_documentation
from assets.models.versions import model_versions, record_versions
from assets.resources import PathsResource
from assets.result_text import markdown
from assets.validate.mart_checks import mart_check_result, mart_check_spec

MART = "workforce_outcome_association"

OUTCOMES_SQL = """
    select s.service_code, s.service_kind, s.period, 'effectiveness_index' as outcome,
           s.effectiveness_index as value
    from marts.scorecard_service_period as s
    union all
    select f.service_code, m.service_kind, f.period, f.measure_code, f.actual
    from marts.fct_measure_period as f
    join seeds.measures as m on m.measure_code = f.measure_code
    where m.category in ('quality_of_effort', 'outcome')
"""
WORKFORCE_SQL = f"""
    select service_code, period, {", ".join(WORKFORCE_MEASURES)}
    from marts.fct_workforce_service_period
"""


def workforce_outcome_association_asset() -> dg.AssetsDefinition:
    """Return the asset building marts.workforce_outcome_association."""

    @dg.asset(
        key=["marts", MART],
        group_name="marts",
        deps=[
            ["marts", "scorecard_service_period"],
            ["marts", "fct_measure_period"],
            ["marts", "fct_workforce_service_period"],
            ["seeds", "measures"],
        ],
        kinds={"duckdb", "polars"},
        owners=["team:analytics"],
        description=mart_documentation(MART).description,
        code_version=model_versions()[f"marts/{MART}"],
        check_specs=[mart_check_spec(MART)],
    )
    def _workforce_outcome_association(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource
    ) -> dg.MaterializeResult:
        """Fixed-effects regressions of results on staffing, by kind of service and lag."""
        with duckdb.get_connection() as con:
            outcomes = con.execute(OUTCOMES_SQL).pl()
            workforce = con.execute(WORKFORCE_SQL).pl()
            names = dict(
                con.execute("select measure_code, lower(measure_name) from seeds.measures").fetchall()
            )
            found = associations(
                outcomes, workforce, outcome_names=names | {"effectiveness_index": "the effectiveness index"}
            )
            load_table(con, "marts", MART, found, mart_documentation(MART))
            record_versions(con, [f"marts/{MART}"])
            clear = found.filter((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0))
            shown = clear.head(10).select(
                "service_kind", "outcome", "workforce_measure", "lag_months", "slope", "ci_low", "ci_high"
            )
            preview = markdown(con.from_arrow(shown.to_arrow()))
            check = mart_check_result(con, MART, paths, context.run.run_id)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": found.height,
                "clear_associations": clear.height,
                "preview": dg.MetadataValue.md(preview),
            },
            check_results=[check],
        )

    return _workforce_outcome_association
