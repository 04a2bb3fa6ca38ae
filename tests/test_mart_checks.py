"""A mart that breaks an ERROR rule of its suite stops the marts built from it, in Dagster itself: the
check runs in the step that builds the mart."""

import json

import dagster as dg
import duckdb
import pytest

from assets.models.assets import model_asset
from assets.models.shipped import project_models, published_marts
from assets.project_files import PROJECT_EXPECTATIONS_DIR
from pipelines.definitions import build_definitions
from tests.conftest import model_resources, settings_for
from tests.sql_fixtures import build_hand_made_warehouse

MEASURES = dg.AssetKey(["marts", "fct_measure_period"])
ACCOUNTABILITY = dg.AssetKey(["marts", "accountability"])


def materialize_measure_marts(path) -> dg.ExecuteInProcessResult:
    """Build fct_measure_period (its step runs its suite) and accountability (which reads it) in one run."""
    marts = [
        model_asset(m)
        for m in project_models()
        if dg.AssetKey([m.layer, m.name]) in (MEASURES, ACCOUNTABILITY)
    ]
    return dg.materialize(
        marts,
        resources=model_resources(path),
        raise_on_error=False,
    )


def outcome(result: dg.ExecuteInProcessResult) -> tuple[dict[dg.AssetKey, tuple], set[dg.AssetKey]]:
    """Return each mart's check evaluation (passed, severity, metadata) and the assets materialized."""
    checks = {
        e.asset_check_evaluation_data.asset_key: (
            e.asset_check_evaluation_data.passed,
            e.asset_check_evaluation_data.severity.value,
            e.asset_check_evaluation_data.metadata,
        )
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    return checks, {
        e.step_materialization_data.materialization.asset_key
        for e in result.get_asset_materialization_events()
    }


def test_a_mart_breaking_an_error_rule_blocks_what_is_built_from_it(tmp_path):
    path = tmp_path / "w.duckdb"
    build_hand_made_warehouse(path).close()
    checks, built = outcome(materialize_measure_marts(path))
    # the worked example's output measure has no target: a warning, which blocks nothing
    assert {key: (passed, severity) for key, (passed, severity, _) in checks.items()} == {
        MEASURES: (False, "WARN"),
        ACCOUNTABILITY: (True, "WARN"),
    }
    assert built == {MEASURES, ACCOUNTABILITY}

    with duckdb.connect(str(path)) as con:  # a percent actual above 100 reaches the mart from upstream
        con.execute(
            "update intermediate.int_measure_actuals set actual = 150 "
            "where service_code = 'S1' and measure_code = 'RATE'"
        )
    checks, built = outcome(materialize_measure_marts(path))
    [(passed, severity, metadata)] = checks.values()  # accountability was not built, nor checked
    assert (passed, severity) == (False, "ERROR")
    assert "percent_in_range" in metadata["rules_failed_as_error"].value
    # every rule of the suite ran: its declared grain and values and its own rules
    suite = json.loads((PROJECT_EXPECTATIONS_DIR / "mart_fct_measure_period.json").read_text())
    assert metadata["expectations_run"].value == len(suite["expectations"])
    assert metadata["unexpected_count"].value >= 1
    assert built == {MEASURES}


def test_a_mart_cannot_be_built_without_its_suite(tmp_path):
    """The marts' steps run their suites unconditionally: Dagster refuses a run that selects a mart
    but not its check."""
    job = build_definitions(settings_for(tmp_path)).resolve_job_def("nightly")
    for mart in published_marts():
        with pytest.raises(dg.DagsterInvalidSubsetError, match="does not support subsetting"):
            job.get_subset(asset_selection={dg.AssetKey(["marts", mart])}, asset_check_selection=set())
