"""The validate stage's definitions: validated submissions with their checks, the marts' suites as
blocking checks with the checks that their codes refer to rows of the marts they name, and the check
that no partner's return is overdue."""

import dagster as dg

from assets.contract import SUBMISSION_TYPES
from assets.models.shipped import published_marts
from assets.validate.assets import blocking_check, validated_asset
from assets.validate.blocking import BLOCKING_RULES
from assets.validate.mart_checks import mart_check
from assets.validate.overdue import no_returns_overdue
from assets.validate.reference_checks import reference_checks


def definitions() -> dg.Definitions:
    """Return the validate stage: each type's validated rows and blocking checks, and every published
    mart's suite and reference checks."""
    kinds = list(SUBMISSION_TYPES.values())
    return dg.Definitions(
        assets=[validated_asset(kind) for kind in kinds],
        asset_checks=[
            *(blocking_check(kind, rule) for kind in kinds for rule in BLOCKING_RULES),
            *(mart_check(mart) for mart in published_marts()),
            *reference_checks(),
            no_returns_overdue,
        ],
    )
