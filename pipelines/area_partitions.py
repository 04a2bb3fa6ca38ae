"""Area partitions of one partnership: each area's files loaded and validated on their own, staged in
the lake, then gathered for the marts that compare areas.

An area partition is a partnership area of the reference data (`partners.csv`, `partnership_area`)
with the inbox files of its partners. Its step loads and validates them in a working DuckDB file of
its own (one writer per file), then commits the rows it holds (`raw`, `validated` and the audit trail)
to the lake's schema `<schema>__<area>` in one snapshot. The marts compare areas with each other (peer
medians and quartiles, the partner league), so they are built once, from every area's staged rows
gathered into the installation's working database (pipelines/area_workers.py).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb

from assets.contract import SUBMISSION_TYPES
from assets.ingest.files import partner_in_name
from assets.ingest.inbox import RETURNS_FOLDER
from assets.lake import LAKE, connect_lake
from assets.publish.lake import in_one_commit
from assets.query import literal, one_row, quote
from assets.warehouse import PRIMARY_KEYS, fixed_tables
from pipelines.settings import LakeSettings, Settings

AREAS_FOLDER = "areas"  # beside the warehouse: one folder per area partition
STAGED = "area stage"  # the commit message of an area's staged rows in the lake
STAGE_FAULT = "area-staged:{area}"  # fault point: an area's rows copied into the lake, not committed
WORKING = "working"  # the working database, attached under this name while rows are copied
# Built by each run for itself: the code its models were built with (and the rows, for models built by
# month), the files its reference tables were loaded from.
NOT_STAGED = ("audit.model_versions", "audit.model_months", "audit.seed_sources")
RESULTS_BY_AREA = "audit.validation_results"  # gathered with the area each result is of


class AreaPartitionError(RuntimeError):
    """The area partitions cannot be gathered as they are (say, one area has never been staged)."""


def partner_areas(reference_dir: Path) -> dict[str, str]:
    """Return {partner code: partnership area} from the reference data's partners.csv."""
    with open(reference_dir / "partners.csv", newline="", encoding="utf-8") as rows:
        return {
            row["partner_code"].strip().upper(): row["partnership_area"].strip()
            for row in csv.DictReader(rows)
        }


def areas_of(reference_dir: Path) -> list[str]:
    """Return the partnership areas of the reference data, sorted: the area partitions."""
    return sorted(set(partner_areas(reference_dir).values()))


def area_folder(settings: Settings, area: str) -> Path:
    """Return the folder of an area partition: a safe name, distinct for every area name."""
    digest = hashlib.sha256(area.encode()).hexdigest()[:8]
    return settings.warehouse.parent / AREAS_FOLDER / f"{re.sub(r'[^A-Za-z0-9_-]', '_', area)}-{digest}"


def area_settings(settings: Settings, area: str) -> Settings:
    """Return the settings of an area partition's step: its own inbox and working database, the
    installation's reference data and mappings, nothing published (its rows go to the lake staged)."""
    home = area_folder(settings, area)
    return replace(
        settings,
        inbox=home / "inbox",
        build_database=home / "working.duckdb",
        warehouse=home / "never-published.duckdb",
        site_dir=home / "site",
        lake=None,
    )


def lake_of(settings: Settings) -> LakeSettings:
    """Return the lake area partitions are staged in; raise AreaPartitionError when none is set."""
    if settings.lake is None:
        raise AreaPartitionError(
            "area partitions are staged in a lake: set JOINEDUP_LAKE (README, scale-out)"
        )
    return settings.lake


def stage_schema(lake: LakeSettings, area: str) -> str:
    """Return the lake's schema holding an area's staged rows."""
    return f"{lake.schema}__{area}"


def split_inbox(settings: Settings, areas: list[str]) -> dict[str, int]:
    """Make each area partition's inbox hold the installation's inbox files of its partners, as hard
    links (the same file: name, bytes and modification time); return the files per area.

    A file is an area's by the partner code its name starts with. Files of no known partner (or
    named otherwise) go to the first area, whose run rejects them as one run would. Entries ingestion
    does not read as files (links, pipes, folders named like files) are linked too, so that they are
    reported as they would be; files gone from the inbox are removed from the area's.
    """
    owner = partner_areas(settings.reference_dir)
    inboxes = {area: area_settings(settings, area).inbox for area in areas}
    wanted: dict[Path, Path] = {}
    counts = dict.fromkeys(areas, 0)
    for folder in (*SUBMISSION_TYPES, RETURNS_FOLDER):
        source = settings.inbox / folder
        if not source.is_dir():
            continue
        with os.scandir(source) as entries:
            for entry in entries:
                if entry.name.startswith(".") or (
                    entry.is_dir(follow_symlinks=False) and not Path(entry.name).suffix
                ):
                    continue  # a transfer's temporary file, the operator's own folder: left alone
                area = owner.get(partner_in_name(entry.name) or "")
                area = area if area in inboxes else areas[0]
                wanted[inboxes[area] / folder / entry.name] = Path(entry.path)
                counts[area] += 1
    for inbox in inboxes.values():
        for path in inbox.rglob("*") if inbox.exists() else []:
            if (path.is_file() or path.is_symlink()) and path not in wanted:
                path.unlink()
    for target, source in wanted.items():
        if target.is_symlink() or target.exists():
            if os.path.samestat(target.lstat(), source.lstat()):
                continue
            _remove(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir() and not source.is_symlink():
            target.mkdir()
        else:
            os.link(source, target, follow_symlinks=False)
    return counts


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def staged_tables() -> list[str]:
    """Return the working database's tables an area partition stages (`schema.table`)."""
    return [table for table in fixed_tables() if table not in NOT_STAGED]


def _lake_table(table: str) -> str:
    """Return the name of a working table (`schema.table`) in an area's lake schema."""
    return quote(table.replace(".", "__"))


def stage_area(working: Path, lake: LakeSettings, area: str, run_id: str, round_id: str) -> int:
    """Commit an area's rows from its working database to the lake in one snapshot; return its id.

    Each staged table replaces the area's earlier one, so a partition run again leaves only its last
    rows; a commit that stops before its end leaves the area's last committed rows.
    """
    schema = f"{LAKE}.{quote(stage_schema(lake, area))}"

    def copy() -> None:
        con.execute(f"create schema if not exists {schema}")
        for table in staged_tables():
            source = ".".join(quote(part) for part in table.split("."))
            con.execute(
                f"create or replace table {schema}.{_lake_table(table)} as select * from {WORKING}.{source}"
            )

    with connect_lake(lake) as con:
        con.execute(f"attach {literal(str(working))} as {WORKING} (read_only)")
        return in_one_commit(
            con,
            copy,
            STAGED,
            run_id,
            fault=STAGE_FAULT.format(area=area),
            extra={"area": area, "round": round_id},
        )


def staged_in_round(lake: LakeSettings, round_id: str) -> list[str]:
    """Return the areas whose rows were staged in the lake by the round `round_id`."""
    with connect_lake(lake, read_only=True) as con:
        return [
            area
            for (area,) in con.execute(
                f"select distinct json_extract_string(commit_extra_info, '$.area') from {LAKE}.snapshots() "
                "where commit_message = ? and json_extract_string(commit_extra_info, '$.round') = ? "
                "order by 1",
                [STAGED, round_id],
            ).fetchall()
        ]


def gather_areas(working: Path, lake: LakeSettings, areas: list[str]) -> dict[str, int]:
    """Replace the working database's staged tables with the rows every area staged in the lake, in
    one transaction, read from one snapshot; return the rows of each table.

    Raises AreaPartitionError naming the areas never staged, or files sent in two areas (the same
    bytes, which one run would have rejected as a duplicate).
    """
    with connect_lake(lake, read_only=True) as con:
        con.execute(f"attach {literal(str(working))} as {WORKING}")
        con.execute("begin")
        present = {
            s
            for (s,) in con.execute(
                "select schema_name from duckdb_schemas() where database_name = ?", [LAKE]
            ).fetchall()
        }
        never = [area for area in areas if stage_schema(lake, area) not in present]
        if never:
            raise AreaPartitionError(
                f"area(s) {', '.join(never)} never staged in the lake: run their partitions first"
            )
        rows = {}
        for table in staged_tables():
            # by name: an area staged before a column was added (at the end, nullable) gives it none
            union = " union all by name ".join(_staged_rows(lake, area, table) for area in areas)
            # the areas, for the queries of tables gathered with their area (bound, never spliced in)
            bound = areas if table == RESULTS_BY_AREA else []
            key = PRIMARY_KEYS.get(table.split(".")[1], ()) if table.startswith("audit.") else ()
            _refuse_duplicates(con, union, table, key)
            target = ".".join(quote(part) for part in table.split("."))
            con.execute(f"delete from {WORKING}.{target}")
            # months every area validated are each area's under the same rules: one row per key
            rows_of = (
                f"select * from ({union}) qualify row_number() over (partition by "
                f"{', '.join(key)} order by validated_at desc) = 1"
                if table == "audit.month_validations"
                else union
            )
            con.execute(f"insert into {WORKING}.{target} by name {rows_of}", bound)
            rows[table] = one_row(con.execute(f"select count(*) from {WORKING}.{target}"))[0]
        con.execute("commit")
    return rows


def _staged_rows(lake: LakeSettings, area: str, table: str) -> str:
    """Return a query of the rows an area staged of a working table; validation results say their area
    (a parameter, the area's name: each area's suites ran on its own rows, and the data-quality site
    combines them by suite)."""
    rows = f"{LAKE}.{quote(stage_schema(lake, area))}.{_lake_table(table)}"
    if table == RESULTS_BY_AREA:
        return f"select columns(c -> c != 'area'), cast(? as varchar) as area from {rows}"
    return f"select * from {rows}"


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, union: str, table: str, key: tuple[str, ...]) -> None:
    """Raise AreaPartitionError when two areas staged rows of the same key of a keyed table."""
    if not key or table == "audit.month_validations":
        return
    found = con.execute(
        f"select {', '.join(key)}, string_agg(file_name, ', ') from ({union}) "
        f"group by all having count(*) > 1 limit 3"
    ).fetchall()
    if found:
        raise AreaPartitionError(
            f"{table}: {len(found)}+ key(s) staged by two areas, e.g. {found[0]}: the "
            "same file sent in two areas; take one out of the inbox"
        )
