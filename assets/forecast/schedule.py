"""When a series' model is estimated: on its months to the latest quarter's end, cached by their digest.

The parameters depend on the data alone, never on which builds came before: a build from scratch and
a nightly build estimate the same months and so get the same parameters; a month that is not a
quarter's last reuses the parameters of the months before it and only runs the filter.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

QUARTER_END_MONTHS = (3, 6, 9, 12)  # June, September, December and March end the financial quarters
CALIBRATION_QUARTERS = 4  # origins 3, 6, 9 and 12 months before the estimation months' end


def estimation_months(periods: list[date], minimum_months: int) -> int:
    """Return how many of the series' first months its parameters are estimated on.

    Those to the latest quarter's end (June, September, December or March) that leaves at least
    `minimum_months`; all of them when none does.
    """
    for count in range(len(periods), minimum_months - 1, -1):
        if periods[count - 1].month in QUARTER_END_MONTHS:
            return count
    return len(periods)


def calibration_origins(estimated: int, minimum_months: int) -> list[int]:
    """Return the origins (months before them) of the calibration forecasts: each quarter of the year
    before the estimation months' end, oldest first, leaving at least `minimum_months` to fit."""
    return [
        estimated - 3 * q for q in range(CALIBRATION_QUARTERS, 0, -1) if estimated - 3 * q >= minimum_months
    ]


def fit_key(values: np.ndarray, code_version: str) -> str:
    """Return the digest of the months a model is estimated on and the code estimating it."""
    digest = hashlib.sha256(code_version.encode())
    digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return digest.hexdigest()[:20]
