"""How fresh each published mart must be: Dagster freshness checks and the sensor that runs them."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

import dagster as dg

from pipelines.automation import DATED

# The nightly run starts at 02:00 Europe/London; by 06:00 it has published (a national run takes
# minutes), so from 06:00 what it rebuilds must have been updated since 02:00.
NIGHTLY_DEADLINE_CRON = "0 6 * * *"
NIGHTLY_WINDOW = timedelta(hours=4)
# Marts built from partner files are rebuilt when files arrive; partners send monthly returns, so a
# mart not rebuilt for 35 days means nothing has arrived from any partner for a month.
PARTNER_DATA_WINDOW = timedelta(days=35)
TIMEZONE = "Europe/London"
PARTNER_DATA = ("raw", "validated")


@contextmanager
def _checks_not_policies() -> Iterator[None]:
    """Silence Dagster's advice to use `FreshnessPolicy` instead of freshness checks, here only.

    A policy reports freshness as asset health; a check gives a result that fails, which the UI's
    check history shows and the notification sensor (pipelines.alerts) sends to a person.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        yield


def freshness_tiers(assets: Sequence[dg.AssetsDefinition]) -> tuple[list[dg.AssetKey], list[dg.AssetKey]]:
    """Return (rebuilt every night, rebuilt when partner files arrive): the published marts by freshness.

    Every night's run rebuilds the data-quality marts and publishes (publish/*); the other marts fed
    by partner files are rebuilt when files arrive. Marts of reference data alone (the dimensions)
    change only with the reference tables: they have no freshness bound.
    """
    keys = [key for definition in assets for key in definition.keys]
    nightly = dg.AssetSelection.assets(*[k for k in DATED if k in keys]).downstream().resolve(assets)
    from_partners = (
        dg.AssetSelection.assets(*[k for k in keys if k.path[0] in PARTNER_DATA]).downstream().resolve(assets)
    )
    published = [k for k in keys if k.path[0] in ("marts", "publish")]
    return (
        sorted(k for k in published if k in nightly),
        sorted(k for k in published if k in from_partners and k not in nightly),
    )


def freshness_checks(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetChecksDefinition]:
    """Return the freshness checks of the published marts (a warning when one is stale)."""
    nightly, from_partners = freshness_tiers(assets)
    with _checks_not_policies():
        return [
            check
            for keys, window in ((nightly, NIGHTLY_WINDOW), (from_partners, PARTNER_DATA_WINDOW))
            for check in dg.build_last_update_freshness_checks(
                assets=keys, lower_bound_delta=window, deadline_cron=NIGHTLY_DEADLINE_CRON, timezone=TIMEZONE
            )
        ]


def freshness_sensor(checks: Sequence[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    """Return the sensor that runs the freshness checks when one could have become overdue."""
    with _checks_not_policies():
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=checks,
            minimum_interval_seconds=600,
            default_status=dg.DefaultSensorStatus.RUNNING,
        )
