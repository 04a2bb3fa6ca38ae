"""Group a run's step timings into the stages the benchmarks print: ingest, validate, models, publish."""

from __future__ import annotations

# step key prefix -> stage; steps not named by an asset prefix (multi-assets such as measure_spc)
# compute marts and count as models, except the marts' suite checks, which are validation
STAGES = {"raw": "ingest", "validated": "validate", "publish": "publish"}
MART_CHECK_SUFFIX = "_mart_passes_suite"


def stage_seconds(step_seconds: dict[str, float]) -> dict[str, float]:
    """Return the seconds spent in each stage, from the seconds spent in each step."""
    stages: dict[str, float] = {}
    for step, spent in step_seconds.items():
        stage = "validate" if step.endswith(MART_CHECK_SUFFIX) else STAGES.get(step.split("__")[0], "models")
        stages[stage] = stages.get(stage, 0.0) + spent
    return stages
