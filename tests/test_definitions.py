"""The code location loads, its asset graph is the one we expect, and its automation behaves."""

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from assets.contract import SUBMISSION_TYPES
from assets.models.project import load_models
from assets.models.shipped import published_marts
from assets.partitions import MONTHS
from assets.project_files import PROJECT_EXPECTATIONS_DIR, SQL_DIR
from assets.publish.board_rules import BoardRules
from assets.publish.build_cache import default_cache_folder
from assets.validate.blocking import BLOCKING_RULES
from pipelines.automation import TRANSIENT_RETRIES, inbox_sensor
from pipelines.definitions import build_definitions
from pipelines.definitions import defs as code_location
from pipelines.freshness import NIGHTLY_WINDOW, PARTNER_DATA_WINDOW
from pipelines.settings import Settings
from tests.conftest import settings_for, settle

SNAPSHOT = Path(__file__).with_name("asset_graph_snapshot.json")
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    """The code location as `workspace.yaml` loads it (configured from the environment)."""
    return code_location()


def graph_snapshot(definitions: dg.Definitions) -> dict:
    graph = definitions.resolve_asset_graph()
    return {
        "assets": {
            key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
            for key in sorted(graph.get_all_asset_keys())
        },
        "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys),
    }


def test_asset_graph_matches_the_snapshot(defs):
    """A renamed or rewired asset is a visible change: update tests/asset_graph_snapshot.json with it."""
    assert graph_snapshot(defs) == json.loads(SNAPSHOT.read_text())


def test_every_sql_model_is_an_asset_wired_from_its_sql(defs):
    graph = defs.resolve_asset_graph()
    for model in load_models(SQL_DIR):
        node = graph.get(dg.AssetKey([model.layer, model.name]))
        assert node.parent_keys == {dg.AssetKey(list(t)) for t in model.upstream}


def test_marts_wait_for_blocking_validation_checks(defs):
    """The blocking checks on validated rows are the BLOCKING_RULES an area partition judges too
    (pipelines/area_run.py): fails when the nightly job gains one that the area path would not run."""
    graph = defs.resolve_asset_graph()
    blocking = {k for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert {f"{k.asset_key.to_user_string()}:{k.name}" for k in blocking} == {
        f"validated/{kind}:{rule.name}" for kind in SUBMISSION_TYPES for rule in BLOCKING_RULES
    } | {f"marts/{mart}:mart_passes_suite" for mart in published_marts()}


def test_job_schedule_and_sensor_are_defined(defs):
    # the nightly job holds every asset and every check but the freshness checks, left to their sensor
    graph, job = defs.resolve_asset_graph(), defs.resolve_job_def("nightly")
    in_job = job.asset_layer.asset_graph
    assert set(in_job.get_all_asset_keys()) == set(graph.get_all_asset_keys())
    freshness = {k for k in graph.asset_check_keys if k.name == "freshness_check"}
    assert freshness and set(in_job.asset_check_keys) == set(graph.asset_check_keys) - freshness
    assert defs.resolve_schedule_def("nightly_at_two").job_name == "nightly"
    assert defs.resolve_sensor_def("inbox_sensor").job_name == "nightly"


def test_the_schedule_runs_when_the_readme_says(defs):
    """Operators plan around the README's time: a schedule moved without it (or the reverse) fails here."""
    (hour, minute, zone), *_ = re.findall(r"its (\d\d):(\d\d) (\w+/\w+) schedule", README.read_text())
    schedule = defs.resolve_schedule_def("nightly_at_two")
    assert (schedule.cron_schedule, schedule.execution_timezone) == (f"{int(minute)} {int(hour)} * * *", zone)


SENSORS = ["freshness_checks_sensor", "inbox_sensor", "notify_failed_checks", "notify_run_failure"]


def test_schedule_and_sensors_run_by_default(defs):
    """`make dev`'s daemon starts them; the tests, with no daemon, evaluate a sensor only by calling it."""
    assert defs.resolve_schedule_def("nightly_at_two").default_status == dg.DefaultScheduleStatus.RUNNING
    assert sorted(sensor.name for sensor in defs.sensors) == SENSORS
    for name in SENSORS:
        assert defs.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING, name


def test_every_published_mart_fed_by_partner_files_declares_its_freshness(defs):
    graph = defs.resolve_asset_graph()
    bounds = {}
    for key in graph.asset_check_keys:
        if key.name == "freshness_check":
            params = graph.get_check_spec(key).metadata["dagster/freshness_params"].value
            bounds[key.asset_key.to_user_string()] = params["lower_bound_delta_seconds"]
    published = {k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] in ("marts", "publish")}
    reference_only = {"marts/dim_joint_service", "marts/dim_measure", "marts/dim_partner"}
    assert set(bounds) == published - reference_only
    # judged against the date: overdue returns and actions, missing report cards
    nightly = {
        "marts/partner_data_quality",
        "marts/partner_league",
        "marts/fct_action_plan",
        "marts/fct_report_card",
        "publish/warehouse",
        "publish/scorecards",
    }
    assert {k for k, seconds in bounds.items() if seconds == NIGHTLY_WINDOW.total_seconds()} == nightly
    assert set(bounds.values()) == {NIGHTLY_WINDOW.total_seconds(), PARTNER_DATA_WINDOW.total_seconds()}


def tick(repository: dg.RepositoryDefinition, cursor: str | None = None) -> dg.SensorResult:
    """Return the inbox sensor's result when evaluated after `cursor`, as the daemon evaluates it."""
    result = inbox_sensor(dg.build_sensor_context(cursor=cursor, repository_def=repository))
    assert isinstance(result, dg.SensorResult)
    return result


def test_inbox_sensor_requests_a_run_only_when_files_change(tmp_path, monkeypatch, defs):
    inbox = tmp_path / "inbox"
    monkeypatch.setenv("JOINEDUP_INBOX", str(inbox))
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(tmp_path / "warehouse" / "joinedup.duckdb"))
    repository = defs.get_repository_def()
    (inbox / "outcomes").mkdir(parents=True)
    empty = tick(repository)
    assert not empty.run_requests
    sent = inbox / "outcomes" / "P1_20240301.csv"
    sent.write_text("x\n")
    arriving = tick(repository, empty.cursor)
    assert not arriving.run_requests and arriving.skip_reason is not None
    assert "still being written" in (arriving.skip_reason.skip_message or "")
    assert arriving.cursor == empty.cursor
    settle(sent)
    first = tick(repository, arriving.cursor)
    assert first.run_requests is not None and len(first.run_requests) == 1
    unchanged = tick(repository, first.cursor)
    assert not unchanged.run_requests
    sent.write_text("resubmitted\n")
    settle(sent)
    changed = tick(repository, first.cursor)
    assert changed.run_requests is not None and len(changed.run_requests) == 1


def resources_of(settings: Settings) -> Mapping[str, Any]:
    """Return the resources of the code location built for `settings`."""
    resources = build_definitions(settings).resources
    assert resources is not None
    return resources


@pytest.mark.parametrize("name", ["duckdb", "paths"])
def test_resources_follow_the_settings(tmp_path, name):
    resource = resources_of(settings_for(tmp_path))[name]
    text = json.dumps(resource.model_dump() if hasattr(resource, "model_dump") else str(resource))
    assert str(tmp_path) in text


def test_the_scorecards_choices_reach_the_publication_from_the_environment(tmp_path, monkeypatch):
    """JOINEDUP_MIN_PEERS and JOINEDUP_CACHE_DIR are read once, into the settings, and travel as resources."""
    monkeypatch.setenv("JOINEDUP_HOME", str(tmp_path))
    monkeypatch.setenv("JOINEDUP_MIN_PEERS", "3")
    monkeypatch.setenv("JOINEDUP_CACHE_DIR", str(tmp_path / "cache"))
    resources = resources_of(Settings.from_env())
    assert resources["board_rules"].rules() == BoardRules(min_peers=3)
    assert resources["paths"].path("cache_dir") == tmp_path / "cache"
    monkeypatch.delenv("JOINEDUP_MIN_PEERS")
    monkeypatch.delenv("JOINEDUP_CACHE_DIR")
    resources = resources_of(Settings.from_env())
    assert resources["board_rules"].rules() == BoardRules(min_peers=5)
    assert resources["paths"].path("cache_dir") == default_cache_folder()


def test_the_working_database_holds_at_most_its_memory_limit(tmp_path, monkeypatch):
    """DuckDB's memory limit during a run comes from JOINEDUP_DUCKDB_MEMORY_LIMIT (1GB by default) and
    is what every connection to the working database has."""
    monkeypatch.setenv("JOINEDUP_HOME", str(tmp_path))

    def limit() -> str:
        with resources_of(Settings.from_env())["duckdb"].get_connection() as con:
            (value,) = con.execute("select current_setting('memory_limit')").fetchone()
        return value

    assert limit() == "953.6 MiB"  # 1 GB as DuckDB shows it
    monkeypatch.setenv("JOINEDUP_DUCKDB_MEMORY_LIMIT", "2GB")
    assert limit() == "1.8 GiB"


def test_building_the_definitions_writes_nothing(tmp_path):
    """The working database's folder is made by the run that opens it, not by loading the code location."""
    resources = resources_of(settings_for(tmp_path / "home"))
    assert resources["paths"].expectations_dir == str(PROJECT_EXPECTATIONS_DIR)
    assert not (tmp_path / "home").exists()


def test_nightly_steps_are_retried_with_the_policy_for_transient_failures(defs):
    """Fails when the job is built without the policy automation declares (a file share that blinks)."""
    assert defs.resolve_job_def("nightly").op_retry_policy == TRANSIENT_RETRIES


def test_only_the_validated_submissions_are_monthly_partitions_validated_in_one_run(defs):
    """The nightly job's validation phase is its monthly partitions: an area partition validates each
    type's rows (pipelines/area_run.py), so a partitioned step of another kind would be left out there."""
    graph = defs.resolve_asset_graph()
    partitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def}
    assert partitioned == {f"validated/{kind}" for kind in SUBMISSION_TYPES}
    node = graph.get(dg.AssetKey(["validated", "outcomes"]))
    assert node.partitions_def == MONTHS
    assert node.backfill_policy == dg.BackfillPolicy.single_run()
    assert MONTHS.get_first_partition_key() == "2010-04"
