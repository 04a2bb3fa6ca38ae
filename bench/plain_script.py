"""The plain script joinedup's data stages are compared with: bulk reads, row checks in SQL, per-month marts.

What a capable analyst would write by hand for the same inbox, with none of the product around it:
polars reads every contract-layout CSV of a type in one call (typed as text, rechunked before the
Arrow hand-off) into DuckDB; SQL applies the contract's row checks (required columns, known codes,
numbers that parse and are not negative, numerator not above denominator, one row per key) and
keeps the rows that pass; SQL then computes per service and month the outcome rates against their
targets, the workforce totals and rates, and the unit cost. Partners' own layouts and workbooks, the
quarantine with reasons, resubmission history, SPC, publication and the audit trail are left out.

    python bench/plain_script.py HOME   # HOME holds inbox/, reference/ and demo_truth.json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

COLUMNS = {
    "targets": ("partner_code", "service_code", "measure_code", "period", "target_value", "tolerance"),
    "outcomes": (
        "partner_code",
        "service_code",
        "measure_code",
        "period",
        "numerator",
        "denominator",
        "value",
        "comment",
    ),
    "workforce": (
        "partner_code",
        "service_code",
        "period",
        "staff_group_code",
        "headcount",
        "contracted_fte",
        "vacant_fte",
        "leavers",
        "sickness_days_lost",
        "available_days",
        "agency_fte",
        "training_hours",
        "pay_bill",
    ),
    "finance": ("partner_code", "service_code", "period", "pay_cost", "non_pay_cost"),
}
KEYS = {
    "targets": "service_code, measure_code, period",
    "outcomes": "partner_code, service_code, measure_code, period",
    "workforce": "partner_code, service_code, staff_group_code, period",
    "finance": "partner_code, service_code, period",
}
REFERENCE = ("partners", "joint_services", "measures", "service_partners", "service_measures", "staff_groups")


def _numbers(kind: str) -> list[str]:
    return [
        c
        for c in COLUMNS[kind]
        if c not in ("partner_code", "service_code", "measure_code", "period", "staff_group_code", "comment")
    ]


def _checked_sql(kind: str) -> str:
    """Return the SQL keeping a type's rows that pass the contract's row checks, typed."""
    numbers = _numbers(kind)
    typed = ", ".join(f"try_cast(replace({c}, ',', '') as double) as {c}" for c in numbers)
    required = " and ".join(f"{c} is not null" for c in ("partner_code", "service_code", "period"))
    parsed = " and ".join(f"({c} is null) = (raw_{c} is null or trim(raw_{c}) = '')" for c in numbers)
    not_negative = " and ".join(f"coalesce({c}, 0) >= 0" for c in numbers)
    codes = (
        "partner_code in (select partner_code from seeds.partners) "
        "and service_code in (select service_code from seeds.joint_services) "
        "and (partner_code, service_code) in "
        "(select partner_code, service_code from seeds.service_partners)"
    )
    if "measure_code" in COLUMNS[kind]:
        codes += (
            " and (service_code, measure_code) in "
            "(select service_code, measure_code from seeds.service_measures)"
        )
    if kind == "workforce":
        codes += " and staff_group_code in (select staff_group_code from seeds.staff_groups)"
    extra = " and coalesce(numerator <= denominator, true)" if kind == "outcomes" else ""
    raw_numbers = ", ".join(f"{c} as raw_{c}" for c in numbers)
    return f"""
        create table checked_{kind} as
        with typed as (
            select * exclude ({", ".join(numbers)}, period), {typed}, {raw_numbers},
                   try_strptime(period, '%Y-%m')::date as period
            from inbox_{kind}
        ), passing as (
            select * from typed
            where {required} and period is not null and {parsed} and {not_negative} and {codes}{extra}
        )
        select * exclude (row_key) from (
            select *, count(*) over (partition by {KEYS[kind]}) as row_key from passing
        ) where row_key = 1
    """


MARTS = """
create table measure_month as
with outcome as (
    select service_code, measure_code, period,
           sum(numerator) as numerator, sum(denominator) as denominator, sum(value) as value
    from checked_outcomes group by all
)
select o.service_code, o.measure_code, o.period, m.value_type, m.direction,
       case when m.value_type = 'rate' then 100 * o.numerator / nullif(o.denominator, 0)
            else o.value end as actual,
       t.target_value, t.tolerance,
       case when t.target_value is null then 'no target'
            when (m.direction = 'higher_is_better') = (actual >= t.target_value) then 'green'
            when abs(actual - t.target_value) <= t.tolerance then 'amber' else 'red' end as status
from outcome as o
join seeds.measures as m using (measure_code)
left join checked_targets as t using (service_code, measure_code, period);

create table workforce_month as
select service_code, period, sum(contracted_fte) as contracted_fte, sum(vacant_fte) as vacant_fte,
       sum(vacant_fte) / nullif(sum(contracted_fte) + sum(vacant_fte), 0) as vacancy_rate,
       sum(sickness_days_lost) / nullif(sum(available_days), 0) as sickness_rate,
       sum(agency_fte) / nullif(sum(contracted_fte) + sum(agency_fte), 0) as agency_share,
       sum(pay_bill) as pay_bill
from checked_workforce group by all;

create table cost_month as
select f.service_code, f.period, sum(f.pay_cost + f.non_pay_cost) as cost,
       any_value(o.value) as output_units,
       sum(f.pay_cost + f.non_pay_cost) / nullif(any_value(o.value), 0) as unit_cost
from checked_finance as f
left join (select o.service_code, o.period, sum(o.value) as value
           from checked_outcomes as o join seeds.measures as m using (measure_code)
           where m.is_output_unit group by all) as o using (service_code, period)
group by all;
"""


def _read_bulk(files: list[Path], columns: tuple[str, ...]) -> pl.DataFrame:
    """Read CSVs sharing one header as one: their bodies joined after a single header, parsed once."""
    bodies = (path.read_bytes().partition(b"\n")[2] for path in files)
    text = b"".join(
        [
            ",".join(columns).encode() + b"\n",
            *(body if body.endswith(b"\n") else body + b"\n" for body in bodies if body),
        ]
    )
    return pl.read_csv(text, schema=dict.fromkeys(columns, pl.String)).rechunk()


def run(home: Path) -> dict:
    """Run the plain script over `home`'s inbox; return its seconds, rows read and rows kept."""
    manifest = json.loads((home / "demo_truth.json").read_text())
    plain = sorted(
        path
        for path, info in manifest["files"].items()
        if info["layout"] == "csv" and info["encoding"] == "utf-8"
    )
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute("create schema seeds")
    for name in REFERENCE:
        con.register("seed", pl.read_csv(home / "reference" / f"{name}.csv").to_arrow())
        con.execute(f"create table seeds.{name} as select * from seed")
        con.unregister("seed")
    rows_read = rows_kept = 0
    for kind, columns in COLUMNS.items():
        files = [home / "inbox" / p for p in plain if p.startswith(f"{kind}/")]
        frame = _read_bulk(files, columns)
        con.register(f"inbox_{kind}", frame.to_arrow())
        con.execute(_checked_sql(kind))
        rows_read += frame.height
        rows_kept += con.execute(f"select count(*) from checked_{kind}").fetchall()[0][0]
    con.execute(MARTS)
    marts = {
        t: con.execute(f"select count(*) from {t}").fetchall()[0][0]
        for t in ("measure_month", "workforce_month", "cost_month")
    }
    con.close()
    return {
        "seconds": time.perf_counter() - start,
        "files": len(plain),
        "rows": rows_read,
        "rows_kept": rows_kept,
        "mart_rows": marts,
    }


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]))))
