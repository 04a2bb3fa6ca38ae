"""The ingest stage's definitions: one asset per submission type, loading new partner files into `raw`."""

import dagster as dg

from assets.contract import SUBMISSION_TYPES
from assets.ingest.assets import raw_asset


def definitions() -> dg.Definitions:
    """Return the ingest stage: the asset loading each submission type's new files."""
    return dg.Definitions(assets=[raw_asset(kind) for kind in SUBMISSION_TYPES.values()])
