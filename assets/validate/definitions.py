"""The validate stage's definitions: validated submissions (each step runs its type's checks, the
blocking rules among them), the checks that the marts' codes refer to rows of the marts they name, and
the check that no partner's return is overdue. The marts' suites run in the steps that build them."""

import dagster as dg

from assets.contract import SUBMISSION_TYPES
from assets.validate.assets import validated_asset
from assets.validate.overdue import no_returns_overdue
from assets.validate.reference_checks import reference_checks


def definitions() -> dg.Definitions:
    """Return the validate stage: each type's validated rows with its checks, and the marts' reference
    checks."""
    return dg.Definitions(
        assets=[validated_asset(kind) for kind in SUBMISSION_TYPES.values()],
        asset_checks=[reference_checks(), no_returns_overdue],
    )
