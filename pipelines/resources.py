"""The resources of one installation, configured from its settings: the one place they are built."""

from __future__ import annotations

import dagster as dg

from assets.publish.data_docs_alongside import DataDocsBuilder
from assets.resources import BoardRulesResource, PathsResource, WorkingDatabase
from pipelines.settings import Settings


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """Return the `duckdb` (the working database a run builds), `paths`, `board_rules` and `data_docs`
    resources."""
    return {
        "duckdb": WorkingDatabase(
            database=str(settings.build_database),
            published_warehouse=str(settings.warehouse),
            connection_config={"memory_limit": settings.duckdb_memory_limit},
        ),
        "paths": PathsResource(
            inbox=str(settings.inbox),
            reference_dir=str(settings.reference_dir),
            warehouse=str(settings.warehouse),
            site_dir=str(settings.site_dir),
            publications=str(settings.publications),
            partners_dir=str(settings.partners_dir),
            expectations_dir=str(settings.expectations_dir),
            cache_dir=str(settings.cache_dir),
            lake=settings.lake.url if settings.lake else "",
            lake_data=(settings.lake.data_path or "") if settings.lake else "",
            lake_schema=settings.lake.schema if settings.lake else "marts",
        ),
        "board_rules": BoardRulesResource(min_peers=settings.min_peers),
        "data_docs": DataDocsBuilder(),
    }
