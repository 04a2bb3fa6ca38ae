"""The models stage's definitions: reference seeds, every SQL model, and the marts built in Python
(statistical process control, the workforce-outcome association, the forecast)."""

import dagster as dg

from assets.association.assets import workforce_outcome_association_asset
from assets.forecast.assets import measure_forecast_asset
from assets.models.assets import model_asset, seed_asset
from assets.models.seeds import seed_docs
from assets.models.shipped import project_models
from assets.models.spc_assets import measure_spc_asset


def definitions() -> dg.Definitions:
    """Return the models stage: one asset per seed and per SQL model, and the marts built in Python."""
    return dg.Definitions(
        assets=[
            *(seed_asset(name) for name in seed_docs()),
            *(model_asset(model) for model in project_models()),
            measure_spc_asset(),
            workforce_outcome_association_asset(),
            measure_forecast_asset(),
        ]
    )
