"""The publish stage's definitions: the warehouse and the scorecards, published together."""

import dagster as dg

from assets.publish.assets import publication_asset


def definitions() -> dg.Definitions:
    """Return the publish stage: the one step publishing the warehouse and the scorecards."""
    return dg.Definitions(assets=[publication_asset()])
