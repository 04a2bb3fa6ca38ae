"""The validate stage's definitions: validated submissions with their checks, the marts' suites as
blocking checks with the checks that their codes refer to rows of the marts they name, and the check
that no partner's return is overdue."""

import dagster as dg

from assets.validate.assets import validated_assets, validation_checks
from assets.validate.mart_checks import mart_checks
from assets.validate.overdue import no_returns_overdue
from assets.validate.reference_checks import reference_checks

defs = dg.Definitions(
    assets=validated_assets,
    asset_checks=[*validation_checks, *mart_checks, *reference_checks, no_returns_overdue],
)
