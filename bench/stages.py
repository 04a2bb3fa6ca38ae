"""Group a run's step timings into the stages the benchmarks print: ingest, validate, models, publish."""

from __future__ import annotations

# step key prefix -> stage; steps not named by an asset prefix (multi-assets such as measure_spc, the
# marts' reference checks) compute or check marts and count as models, as do the marts' suites, which
# run in the steps that build the marts
STAGES = {"raw": "ingest", "validated": "validate", "publish": "publish"}


def stage_seconds(step_seconds: dict[str, float]) -> dict[str, float]:
    """Return the seconds spent in each stage, from the seconds spent in each step."""
    stages: dict[str, float] = {}
    for step, spent in step_seconds.items():
        stage = STAGES.get(step.split("__")[0], "models")
        stages[stage] = stages.get(stage, 0.0) + spent
    return stages
