"""The publish stage's definitions: the warehouse and the scorecards, published together."""

import dagster as dg

from assets.publish.assets import publication

defs = dg.Definitions(assets=[publication])
