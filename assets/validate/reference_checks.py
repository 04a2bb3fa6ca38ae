"""Dagster checks that every code a mart refers to is in the mart it refers to.

They are the `relationships` tests of the marts' `.yml` (dbt's generic test: every non-empty value of the
column is a value of `field` in the model `to` names), run on each build. A check waits for the marts it
refers to as well as its own, so it reads the marts of the same run; a run's checks are one step, after
its marts (a step costs Dagster more than these queries take). A check does not block: a dangling code
leaves the figures right (a partner dropped from the reference data that still owes returns, say), so
the run publishes and reports the check failed, with the test's severity, the codes and their rows.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.models.model_yml import read_model_specs
from assets.models.published_contract import PUBLISHED_SCHEMA, referenced_table
from assets.project_files import SQL_DIR
from assets.query import one_row, quote

REFERENCE_CHECK = "references_resolve"
# values of a dangling code shown in the check's metadata
SHOWN = 5


@dataclass(frozen=True)
class Reference:
    """A column of a mart whose values must be values of a column of another mart."""

    mart: str
    column: str
    target: str
    field: str
    severity: str

    def __str__(self) -> str:
        return (
            f"{PUBLISHED_SCHEMA}.{self.mart}.{self.column} -> {PUBLISHED_SCHEMA}.{self.target}.{self.field}"
        )


def mart_references(marts_dir: Path) -> dict[str, list[Reference]]:
    """Return each mart's references (its `relationships` tests), for the marts that declare any."""
    found: dict[str, list[Reference]] = {}
    for spec in read_model_specs(marts_dir):
        for test in spec.tests:
            if test.kind == "relationships":
                target = referenced_table(spec, test.arguments["to"]).split(".", 1)[1]
                found.setdefault(spec.name, []).append(
                    Reference(spec.name, test.columns[0], target, str(test.arguments["field"]), test.severity)
                )
    return found


def dangling(con: duckdb.DuckDBPyConnection, reference: Reference) -> tuple[int, list]:
    """Return how many rows hold a code missing from the mart referred to, and the first such codes."""
    column, field = quote(reference.column), quote(reference.field)
    source = f"{quote(PUBLISHED_SCHEMA)}.{quote(reference.mart)}"
    target = f"{quote(PUBLISHED_SCHEMA)}.{quote(reference.target)}"
    rows, codes = one_row(
        con.execute(
            f"select count(*), list(distinct {column} order by {column}) from {source} as m "
            f"where {column} is not null and not exists "
            f"(select 1 from {target} as t where t.{field} = m.{column})"
        )
    )
    return rows, [str(code) for code in (codes or [])[:SHOWN]]


def reference_check_spec(mart: str, references: list[Reference]) -> dg.AssetCheckSpec:
    """Return the check of `marts.<mart>`'s references, waiting for the marts they refer to."""
    targets = sorted({r.target for r in references} - {mart})
    return dg.AssetCheckSpec(
        REFERENCE_CHECK,
        asset=dg.AssetKey([PUBLISHED_SCHEMA, mart]),
        additional_deps=[dg.AssetKey([PUBLISHED_SCHEMA, target]) for target in targets],
        description=f"Every code of marts.{mart} that refers to another mart is found there "
        f"({'; '.join(str(r) for r in references)}): the relationships tests of its .yml. A dangling "
        "code fails the check (with the test's severity) and the run still publishes.",
    )


def reference_result(
    con: duckdb.DuckDBPyConnection, mart: str, references: list[Reference]
) -> dg.AssetCheckResult:
    """Return the outcome of `marts.<mart>`'s references: failed (with the worst test's severity) when
    a code dangles, with each dangling reference's rows and first codes."""
    found = {r: dangling(con, r) for r in references}
    failed = [r for r, (rows, _) in found.items() if rows]
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey([PUBLISHED_SCHEMA, mart]),
        check_name=REFERENCE_CHECK,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR
        if any(r.severity == "error" for r in failed)
        else dg.AssetCheckSeverity.WARN,
        metadata={
            "references_checked": len(references),
            "dangling": {str(r): {"rows": found[r][0], "codes": found[r][1]} for r in failed},
        },
    )


def reference_checks() -> dg.AssetChecksDefinition:
    """Return the reference checks of every mart of `dbt_like_sql/marts` that declares references, run
    together in one step once the marts of the run are built (those the run selected only)."""
    by_mart = mart_references(SQL_DIR / PUBLISHED_SCHEMA)

    @dg.multi_asset_check(
        name="marts_references_resolve",
        specs=[reference_check_spec(mart, references) for mart, references in by_mart.items()],
        can_subset=True,
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = {key.asset_key.path[-1] for key in context.selected_asset_check_keys}
        with duckdb.get_connection() as con:
            results = [reference_result(con, mart, by_mart[mart]) for mart in sorted(selected)]
        yield from results

    return _checks
