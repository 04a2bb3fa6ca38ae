"""The estimated parameters a build keeps, by the digest of the months they were estimated on."""

from __future__ import annotations

import numpy as np
import polars as pl
from polars.datatypes import DataTypeClass

from assets.forecast.estimation import fit
from assets.forecast.ets import SEASON, Parameters
from assets.models.project import Documentation

SCHEMA: dict[str, pl.DataType | DataTypeClass] = {
    "fit_key": pl.String,
    "trend": pl.Boolean,
    "seasonal": pl.Boolean,
    "alpha": pl.Float64,
    "beta": pl.Float64,
    "gamma": pl.Float64,
    "phi": pl.Float64,
    "level": pl.Float64,
    "slope": pl.Float64,
    "season": pl.Array(pl.Float64, SEASON),
}
DOCUMENTATION = Documentation(
    "The forecasts' estimated models, by fit_key: a build estimates only the models whose months are "
    "not here, and keeps those it used. Losing it costs new estimates, never other numbers.",
    {
        "fit_key": "Digest of the months the model was estimated on and of the forecasting code.",
        "trend": "True with a damped additive trend.",
        "seasonal": "True with additive 12-month seasonality.",
        "alpha": "Smoothing parameter of the level.",
        "beta": "Smoothing parameter of the trend (0 without).",
        "gamma": "Smoothing parameter of the season (0 without).",
        "phi": "Damping parameter (1 without a trend).",
        "level": "Initial level.",
        "slope": "Initial slope (0 without a trend).",
        "season": "Initial seasonal states of the series' months 1-12 (0 without seasonality).",
    },
)


class ParameterStore:
    """Parameters by fit key: those of an earlier build (`known`) and those estimated in this one."""

    def __init__(self, known: pl.DataFrame | None = None) -> None:
        self._index: dict[str, int] = {}
        self._parts: list[Parameters] = []
        self._rows = 0
        self.used: dict[str, int] = {}
        self.fitted = 0
        if known is not None and known.height:
            self._add(
                known["fit_key"].to_list(),
                Parameters(
                    **{
                        name: known[name].to_numpy()
                        for name in ("trend", "seasonal", "alpha", "beta", "gamma", "phi", "level", "slope")
                    },
                    season=known["season"].to_numpy().reshape(-1, SEASON),
                ),
            )

    def _add(self, keys: list[str], params: Parameters) -> None:
        self._parts.append(params)
        for key in keys:
            self._index[key] = self._rows
            self._rows += 1

    def parameters(self, keys: list[str], prefixes: list[np.ndarray]) -> Parameters:
        """Return the parameters for each key, estimating (on its prefix) only those not yet known."""
        missing = {}
        for key, values in zip(keys, prefixes, strict=True):
            if key not in self._index and key not in missing:
                missing[key] = values
        if missing:
            self._add(list(missing), fit(list(missing.values())))
            self.fitted += len(missing)
        everything = Parameters.stack(self._parts) if len(self._parts) > 1 else self._parts[0]
        self._parts = [everything]
        rows = [self._index[key] for key in keys]
        self.used.update(zip(keys, rows, strict=True))
        return everything.take(np.array(rows, dtype=np.int64))

    def frame(self) -> pl.DataFrame:
        """Return the parameters used since the store was made, one row per fit key."""
        if not self.used:
            return pl.DataFrame(schema=SCHEMA)
        keys = sorted(self.used)
        params = self._parts[0].take(np.array([self.used[k] for k in keys], dtype=np.int64))
        return pl.DataFrame(
            {
                "fit_key": keys,
                "trend": params.trend,
                "seasonal": params.seasonal,
                "alpha": params.alpha,
                "beta": params.beta,
                "gamma": params.gamma,
                "phi": params.phi,
                "level": params.level,
                "slope": params.slope,
                "season": params.season,
            },
            schema=SCHEMA,
        )
