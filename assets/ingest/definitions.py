"""The ingest stage's definitions: one asset per submission type, loading new partner files into `raw`."""

import dagster as dg

from assets.ingest.assets import raw_assets

defs = dg.Definitions(assets=raw_assets)
