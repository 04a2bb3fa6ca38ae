"""Dagster asset estimating how results move with staffing (association, not cause)."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.association.estimate import WORKFORCE_MEASURES, associations
from assets.models.build import load_table
from assets.models.project import read_documentation
from assets.models.versions import MODEL_VERSIONS, record_versions
from assets.project_files import SQL_DIR

DOCS = read_documentation(SQL_DIR / "marts" / "workforce_outcome_association.yml")

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


@dg.asset(
    key=["marts", "workforce_outcome_association"],
    group_name="marts",
    deps=[
        ["marts", "scorecard_service_period"],
        ["marts", "fct_measure_period"],
        ["marts", "fct_workforce_service_period"],
        ["seeds", "measures"],
    ],
    kinds={"duckdb", "polars"},
    owners=["team:analytics"],
    description=DOCS.description,
    code_version=MODEL_VERSIONS["marts/workforce_outcome_association"],
)
def workforce_outcome_association(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Fixed-effects regressions of results on staffing, by kind of service and lag."""
    with duckdb.get_connection() as con:
        outcomes = con.execute(OUTCOMES_SQL).pl()
        workforce = con.execute(WORKFORCE_SQL).pl()
        names = dict(con.execute("select measure_code, lower(measure_name) from seeds.measures").fetchall())
        found = associations(
            outcomes, workforce, outcome_names=names | {"effectiveness_index": "the effectiveness index"}
        )
        load_table(con, "marts", "workforce_outcome_association", found, DOCS)
        record_versions(con, ["marts/workforce_outcome_association"])
    clear = found.filter((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": found.height,
            "clear_associations": clear.height,
            "preview": dg.MetadataValue.md(
                clear.head(10)
                .select(
                    "service_kind", "outcome", "workforce_measure", "lag_months", "slope", "ci_low", "ci_high"
                )
                .to_pandas()
                .to_markdown(index=False)
            ),
        }
    )
