"""A tiny hand-made partnership for testing the SQL models against figures worked out by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import duckdb
import polars as pl

from assets.contract import SUBMISSION_TYPES
from assets.models.build import build_model, load_table
from assets.models.project import build_order, load_models, load_seed_docs
from assets.models.spc_assets import build_spc_tables
from assets.project_files import SQL_DIR
from assets.spc.series import SpcSettings
from assets.warehouse import ensure_warehouse
from pipelines.demo.reference import FIGURE_CEILINGS

SEEDS: dict[str, list[tuple]] = {
    "service_kinds": [("K", "Kind K")],
    "joint_services": [
        ("S1", "Service one", "K", "Area", "2024-01-01", "P1"),
        ("S2", "Service two", "K", "Area", "2024-01-01", "P3"),
    ],
    "partners": [
        ("P1", "Trust", "NHS", "Area"),
        ("P2", "Council", "local authority", "Area"),
        ("P3", "Charity", "voluntary", "Area"),
    ],
    "service_partners": [("S1", "P1", "lead"), ("S1", "P2", "contributor"), ("S2", "P3", "lead")],
    "measures": [
        ("OUT", "Output", "K", "count", "count", "higher_is_better", "activity", True, "d"),
        ("RATE", "Rate", "K", "percent", "rate", "higher_is_better", "outcome", False, "d"),
        ("LOW", "Low", "K", "percent", "rate", "lower_is_better", "quality_of_effort", False, "d"),
    ],
    "service_measures": [
        ("S1", "OUT", "P1"),
        ("S1", "RATE", "P2"),
        ("S1", "LOW", "P1"),
        ("S2", "OUT", "P3"),
        ("S2", "RATE", "P3"),
        ("S2", "LOW", "P3"),
    ],
    "staff_groups": [("NURSE", "Nurse", "nursing")],
    "measure_rules": [("OUT", "year_to_date", 1.0), ("RATE", "month", 2.0), ("LOW", "month", 1.0)],
    "annual_targets": [],
    "spc_rebases": [],
    "staff_allocations": [],
    "measure_plausibility": [("RATE", 50.0)],
    "figure_ceilings": FIGURE_CEILINGS,
    "submission_deadlines": [("outcomes", 15), ("targets", 0)],
    "bank_holidays": [("2024-01-01", "New Year's Day")],
    # every partner owes every type, every month
    "returns_owed": [
        (kind, None, None, None, None) for kind in ("targets", "outcomes", "workforce", "finance")
    ],
}

JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)


def _validated(kind: str, rows: list[dict]) -> pl.DataFrame:
    spec = SUBMISSION_TYPES[kind]
    filled = [
        {c: row.get(c) for c in spec.columns}
        | {
            "file_hash": row.get("file", "f"),
            "file_name": row.get("file", "f") + ".csv",
            "row_number": i + 2,
            "file_partner_code": row.get("partner_code", "P1"),
            "submitted_on": row.get("submitted_on", date(2024, 3, 1)),
            "period_grain": row.get("period_grain", "month"),
            "suppressed_columns": row.get("suppressed_columns"),
            "loaded_at": datetime(2024, 3, 2),
        }
        for i, row in enumerate(rows)
    ]
    return pl.DataFrame(filled, infer_schema_length=None)


def outcome(partner, service, measure, period, numerator=None, denominator=None, value=None, **extra) -> dict:
    """Return one validated outcomes row."""
    return dict(
        partner_code=partner,
        service_code=service,
        measure_code=measure,
        period=period,
        numerator=numerator,
        denominator=denominator,
        value=value,
        **extra,
    )


OUTCOMES = [
    # S1 RATE: P1 first sent 20/40, then resubmitted 30/40; P2 sent 10/10 -> 40/50 = 80 %
    outcome("P1", "S1", "RATE", JAN, 20.0, 40.0, file="first", submitted_on=date(2024, 2, 10)),
    outcome("P1", "S1", "RATE", JAN, 30.0, 40.0, file="resub", submitted_on=date(2024, 2, 20)),
    outcome("P2", "S1", "RATE", JAN, 10.0, 10.0),
    outcome("P1", "S1", "LOW", JAN, 5.0, 50.0),  # 10 %
    outcome("P1", "S1", "OUT", JAN, value=100.0),
    outcome("P2", "S1", "OUT", JAN, value=20.0),  # 120 units
    outcome("P1", "S1", "OUT", FEB, value=50.0),
    outcome("P3", "S2", "RATE", JAN, 45.0, 50.0),  # 90 %
    outcome("P3", "S2", "LOW", JAN, 20.0, 100.0),  # 20 %
    outcome("P3", "S2", "OUT", JAN, value=200.0),
]
TARGETS = [
    dict(
        partner_code="P1",
        service_code="S1",
        measure_code="RATE",
        period=JAN,
        target_value=85.0,
        tolerance=5.0,
    ),
    dict(
        partner_code="P1",
        service_code="S1",
        measure_code="LOW",
        period=JAN,
        target_value=12.0,
        tolerance=None,
    ),
    dict(
        partner_code="P3",
        service_code="S2",
        measure_code="RATE",
        period=JAN,
        target_value=85.0,
        tolerance=5.0,
    ),
    dict(
        partner_code="P3", service_code="S2", measure_code="LOW", period=JAN, target_value=12.0, tolerance=5.0
    ),
]
FINANCE = [
    dict(partner_code="P1", service_code="S1", period=JAN, pay_cost=6000.0, non_pay_cost=1000.0),
    dict(partner_code="P2", service_code="S1", period=JAN, pay_cost=1500.0, non_pay_cost=500.0),
    dict(partner_code="P3", service_code="S2", period=JAN, pay_cost=8000.0, non_pay_cost=2000.0),
]
WORKFORCE = [
    dict(
        partner_code="P1",
        service_code="S1",
        staff_group_code="NURSE",
        period=date(2024, month, 1),
        headcount=10.0,
        contracted_fte=9.0,
        vacant_fte=1.0,
        leavers=1.0 if month <= 6 else 0.0,
        sickness_days_lost=18.0,
        available_days=180.0,
        agency_fte=1.0,
        training_hours=27.0,
        pay_bill=30000.0,
    )
    for month in range(1, 13)
]


def load_seed(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, docs) -> int:
    """Load a hand-made reference table as `seeds.<name>`."""
    return load_table(con, "seeds", name, frame, docs)


def build_hand_made_warehouse(path) -> duckdb.DuckDBPyConnection:
    """Return a connection to a warehouse built by every SQL model from the hand-made inputs."""
    return build_warehouse(
        path, SEEDS, {"outcomes": OUTCOMES, "targets": TARGETS, "finance": FINANCE, "workforce": WORKFORCE}
    )


def build_warehouse(
    path,
    seeds: dict[str, list[tuple]],
    submissions: dict[str, list[dict]],
    before_models: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Return a connection to a warehouse built by every SQL model from the given inputs.

    Reference data the inputs do not give is loaded empty. `before_models` writes what ingest would
    have written besides validated rows (the audit tables, raw rows) before the models read them.
    """
    con = duckdb.connect(str(path))
    ensure_warehouse(con)
    docs = load_seed_docs(SQL_DIR / "seeds")
    for name in docs:
        rows = seeds.get(name, [])
        columns = list(docs[name].columns)
        # an empty seed reads as text, as polars reads a CSV file holding only its header
        frame = (
            pl.DataFrame(rows, schema=columns, orient="row")
            if rows
            else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
        )
        load_seed(con, name, frame, docs[name])
    for kind, submitted in submissions.items():
        if not submitted:
            continue
        frame = _validated(kind, submitted)
        con.register("hand_rows", frame.to_arrow())
        con.execute(f"insert into validated.{kind} by name select * from hand_rows")
        con.unregister("hand_rows")
    if before_models is not None:
        before_models(con)
    build_models(con)
    return con


SPC_TABLES = {("marts", "fct_measure_spc"), ("marts", "measure_spc_status")}


def build_models(con: duckdb.DuckDBPyConnection) -> None:
    """Build every SQL model, in order, from what the warehouse holds.

    The SPC marts (built in Python) are built, with the default settings, before the first model that
    reads them.
    """
    spc_built = False
    for model in build_order(load_models(SQL_DIR)):
        if not spc_built and SPC_TABLES & set(model.upstream):
            build_spc_tables(con, SpcSettings())
            spc_built = True
        build_model(con, model)
