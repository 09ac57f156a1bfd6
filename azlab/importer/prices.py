"""What a disk or public IP that nothing uses costs a month, from this environment's
Retail Prices list (the sandbox serves one); None wherever the list has no answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from azlab.importer.mess import MonthlyPrice
from azlab.model import Kind
from azlab.money.meters import DISK_PRODUCTS, HOURS_PER_MONTH, disk_monthly, public_ip_hourly
from azlab.money.pricing import disk_query, ip_query
from azlab.money.retail import PriceSource, PricesUnavailable, RetailPrices
from azlab.resources.base import Json

log = logging.getLogger("azlab.prices")


def idle_prices(env: Mapping[str, str] | None = None) -> MonthlyPrice | None:
    source = PriceSource.from_env("USD", env)
    if source is None:
        return None
    prices = RetailPrices(source)

    def price(kind: Kind, item: Json) -> tuple[float, str] | None:
        region = str(item.get("location", "")).lower()
        sku = str(item.get("sku", {}).get("name", ""))
        try:
            if kind is Kind.DISK and sku in DISK_PRODUCTS:
                size = int(item.get("properties", {}).get("diskSizeGB") or 0)
                found = disk_monthly(prices.items(disk_query(sku, region)), sku, size, region)
                return (found, source.currency) if found is not None else None
            if kind is Kind.PUBLIC_IP:
                hourly = public_ip_hourly(prices.items(ip_query(region)), region, sku or "Standard")
                return (hourly * HOURS_PER_MONTH, source.currency) if hourly is not None else None
        except (PricesUnavailable, ValueError) as exc:
            log.warning("%s", exc)
        return None

    return price
