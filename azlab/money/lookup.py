"""A plan's prices from the Retail Prices API of this environment (cached), or None."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from azlab.money.pricing import PlanPrices, plan_prices
from azlab.money.retail import PriceSource, PricesUnavailable, RetailPrices
from azlab.plan.model import Plan

log = logging.getLogger("azlab.prices")


def prices_for(
    plan: Plan, *, env: Mapping[str, str] | None = None, strict: bool = False
) -> PlanPrices | None:
    """None when this environment has no price list, or (unless `strict`) cannot reach it."""
    source = PriceSource.from_env(plan.currency, env)
    if source is None:
        if strict:
            raise PricesUnavailable(
                "no price list for this target",
                hint="set AZLAB_PRICES_ENDPOINT (`azlab sandbox start` prints the sandbox's)",
            )
        return None
    try:
        return plan_prices(plan, RetailPrices(source).items)
    except PricesUnavailable as exc:
        if strict:
            raise
        log.warning("%s", exc)
        return None
