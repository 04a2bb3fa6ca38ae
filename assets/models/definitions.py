"""The models stage's definitions: reference seeds, every SQL model, and the marts built in Python
(statistical process control, the workforce-outcome association, the forecast)."""

import dagster as dg

from assets.association.assets import workforce_outcome_association
from assets.forecast.assets import measure_forecast
from assets.models.assets import model_assets, seed_assets
from assets.models.spc_assets import measure_spc

defs = dg.Definitions(
    assets=[*seed_assets, *model_assets, measure_spc, workforce_outcome_association, measure_forecast]
)
