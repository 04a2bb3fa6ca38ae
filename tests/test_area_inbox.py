"""Area partitions' own inboxes and folders (pipelines/area_partitions.py) and their steps' keys
(pipelines/area_run.py): pure functions on a tiny folder, no run."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from pipelines.area_partitions import area_folder, area_settings, areas_of, split_inbox
from pipelines.area_run import AREA_JOB, AREA_STAGED, AREA_STEP, defs, mapping_key
from tests.conftest import settings_for

PARTNERS = (
    "partner_code,partner_name,sector,partnership_area\n"
    "NOR-LA,Northshire Council,local authority,Northshire\n"
    "EAS-LA,Eastborough Council,local authority,Eastborough\n"
    "OKW-LA,O'Kent Council,local authority,O'Kent / Weald\n"
)


@pytest.fixture
def installation(tmp_path: Path):
    settings = settings_for(tmp_path)
    settings.reference_dir.mkdir()
    (settings.reference_dir / "partners.csv").write_text(PARTNERS)
    for name in (
        "outcomes/NOR-LA_20240110.csv",
        "outcomes/EAS-LA_20240111.csv",
        "finance/nor-la_20240112.csv",
        "outcomes/NOR-GP_20240115.csv",
        "outcomes/notes.txt",
        "outcomes/.EAS-LA_20240120.csv.part",
        "returns/OKW-LA_20240113.xlsx",
    ):
        (settings.inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (settings.inbox / name).write_text(name)
    os.symlink("/etc/passwd", settings.inbox / "outcomes" / "EAS-LA_20240119.csv")
    return settings


def _files(inbox: Path) -> set[str]:
    return {str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_file() or p.is_symlink()}


def test_each_area_gets_its_partners_files_as_links_and_the_first_area_what_no_partner_owns(installation):
    areas = areas_of(installation.reference_dir)
    assert areas == ["Eastborough", "Northshire", "O'Kent / Weald"]
    assert split_inbox(installation, areas) == {"Eastborough": 4, "Northshire": 2, "O'Kent / Weald": 1}
    inboxes = {area: area_settings(installation, area).inbox for area in areas}
    # Eastborough is first: the unknown partner's file and the badly named one, for its run to reject
    assert _files(inboxes["Eastborough"]) == {
        "outcomes/EAS-LA_20240111.csv",
        "outcomes/NOR-GP_20240115.csv",
        "outcomes/notes.txt",
        "outcomes/EAS-LA_20240119.csv",
    }
    assert _files(inboxes["Northshire"]) == {"outcomes/NOR-LA_20240110.csv", "finance/nor-la_20240112.csv"}
    assert _files(inboxes["O'Kent / Weald"]) == {"returns/OKW-LA_20240113.xlsx"}
    # the same file (bytes, modification time), never a copy; a link stays a link, for ingest to refuse
    linked = inboxes["Northshire"] / "outcomes" / "NOR-LA_20240110.csv"
    assert os.path.samestat(linked.stat(), (installation.inbox / "outcomes" / "NOR-LA_20240110.csv").stat())
    assert (inboxes["Eastborough"] / "outcomes" / "EAS-LA_20240119.csv").is_symlink()
    # a file taken out of the inbox leaves its area's inbox too; a new one arrives; the rest stay
    (installation.inbox / "outcomes" / "NOR-LA_20240110.csv").unlink()
    (installation.inbox / "outcomes" / "NOR-LA_20240210.csv").write_text("new")
    before = (inboxes["Northshire"] / "finance" / "nor-la_20240112.csv").stat().st_ino
    split_inbox(installation, areas)
    assert _files(inboxes["Northshire"]) == {"outcomes/NOR-LA_20240210.csv", "finance/nor-la_20240112.csv"}
    assert (inboxes["Northshire"] / "finance" / "nor-la_20240112.csv").stat().st_ino == before


def test_area_folders_are_safe_names_distinct_for_every_area(installation):
    folders = [area_folder(installation, area) for area in ("O'Kent / Weald", "O'Kent _ Weald", "..")]
    assert len(set(folders)) == 3
    assert all(folder.parent == installation.warehouse.parent / "areas" for folder in folders)
    assert all(
        set(folder.name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        for folder in folders
    )


def test_each_area_has_a_step_key_of_its_own_that_dagster_takes():
    areas = ["O'Kent / Weald", "O'Kent _ Weald", "..", "Northshire", "Ynys Môn"]
    keys = [mapping_key(area) for area in areas]
    assert len(set(keys)) == len(areas)
    assert all(dg.DynamicOutput(area, mapping_key=key) for area, key in zip(areas, keys, strict=True))


def test_the_area_stage_loads_as_a_code_location_of_the_environments_areas(installation, monkeypatch):
    monkeypatch.setenv("JOINEDUP_REFERENCE_DIR", str(installation.reference_dir))
    location = defs()
    dg.Definitions.validate_loadable(location)
    job = location.resolve_job_def(AREA_JOB)
    assert job.executor_def is dg.multiprocess_executor
    assert {node.name for node in job.nodes} == {"areas_chosen", AREA_STEP}
    staged = location.resolve_assets_def(AREA_STAGED)
    assert staged.partitions_def is not None
    assert staged.partitions_def.get_partition_keys() == areas_of(installation.reference_dir)
