"""The submission contract (assets/contract.py) as DuckDB macros: no SQL model lists the types by hand.

Models call them as they call the macros of `dbt_like_sql/macros.sql`. `submission_types()`,
`submission_key(type)` and `submission_figures(type)` state the contract; `received_rows()`,
`accepted_rows()` and `submission_histories()` put the rows of every type at one stage in one table.
`MACRO_TABLES` names the tables each of those reads: a model calling one depends on them.
"""

from __future__ import annotations

from collections.abc import Callable

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.query import literal

# The table holding a type's rows at each stage, by the macro that puts every type's together.
STAGES: dict[str, Callable[[str], str]] = {
    "received_rows": lambda name: f"raw.{name}",
    "accepted_rows": lambda name: f"validated.{name}",
    "submission_histories": lambda name: f"staging.stg_{name}_history",
}

MACRO_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    macro: tuple((table(name).split(".")[0], table(name).split(".")[1]) for name in SUBMISSION_TYPES)
    for macro, table in STAGES.items()
}


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _by_type(macro: str, value: Callable[[SubmissionType], tuple[str, ...]]) -> str:
    cases = "".join(
        f"\n        when {literal(t.name)} then {_list(value(t))}" for t in SUBMISSION_TYPES.values()
    )
    return f"create or replace macro {macro}(submission_type) as\n    case submission_type{cases}\n    end;"


def _figures_given(kind: SubmissionType) -> str:
    given = "".join(
        f"\n            case when {c} is not null"
        f" or list_contains(suppressed_columns, {literal(c)}) then {literal(c)} end,"
        for c in kind.numeric
    )
    return f"\n        list_filter([{given}\n        ], figure -> figure is not null) as figures_given,"


def _union(macro: str, extra: Callable[[SubmissionType], str] = lambda kind: "") -> str:
    selects = "\n    union all by name\n".join(
        f"    select {literal(t.name)} as submission_type, *,{extra(t)}\n    from {STAGES[macro](t.name)}"
        for t in SUBMISSION_TYPES.values()
    )
    return f"create or replace macro {macro}() as table\n{selects};"


def contract_macros() -> str:
    """Return the SQL creating the contract's macros, each after a comment saying what it returns."""
    grains = ", ".join(_list(t.grains) for t in SUBMISSION_TYPES.values())
    statements = [
        "-- The submission contract (assets/contract.py), written as SQL by assets/models/contract_sql.py.\n"
        "-- every submission type, one row each, with the grains its periods may have (month, quarter)\n"
        "create or replace macro submission_types() as table\n"
        f"    select unnest({_list(tuple(SUBMISSION_TYPES))}) as submission_type,\n"
        f"        unnest([{grains}]) as grains;",
        "-- the columns that identify one figure of a submission type (its key), and the period's grain\n"
        + _by_type("submission_key", lambda t: (*t.key, "period_grain")),
        "-- the figures a row of a submission type gives (a type without figures: what it reports)\n"
        + _by_type("submission_figures", lambda t: t.figures),
        "-- every row received (raw.<type>) of every type, with its type; a column a type lacks is empty\n"
        + _union("received_rows"),
        "-- every row that passed validation (validated.<type>) of every type, with its type and\n"
        "-- figures_given: the names of the figures it gives, filled in or suppressed\n"
        + _union("accepted_rows", _figures_given),
        "-- every row of every type's submission history (staging.stg_<type>_history), with its type\n"
        + _union("submission_histories"),
    ]
    return "\n\n".join(statements) + "\n"
