"""The Retail Prices client against the sandbox's API: filters, every page, cache and expiry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from azlab.money.retail import PriceSource, PricesUnavailable, RetailPrices
from azlab.sandbox.runner import Sandbox


def source(tmp_path: Path, currency: str = "USD") -> PriceSource:
    found = PriceSource.from_env(currency, {**os.environ, "AZLAB_PRICES_CACHE": str(tmp_path)})
    assert found is not None
    return found


def test_every_page_is_read_and_the_cache_expires(sandbox: Sandbox, tmp_path: Path) -> None:
    query = {"serviceName": "Virtual Machines", "armRegionName": "westus2"}
    prices = RetailPrices(source(tmp_path), now=1000.0)
    items = prices.items(query)
    # 32 sizes: Linux and Windows, spot where there is one, a reservation: more than a page.
    assert prices.requests == 2 and len(items) > 100
    assert len({(i["meterId"], i["type"]) for i in items}) == len(items)
    assert {i["armRegionName"] for i in items} == {"westus2"}
    again = RetailPrices(source(tmp_path), now=1000.0 + 3600)
    assert again.items(query) == items and again.requests == 0  # from the cache
    later = RetailPrices(source(tmp_path), now=1000.0 + 2 * 86400)
    assert later.items(query) == items and later.requests == 2  # expired: asked again


def test_filters_are_case_sensitive_and_currencies_convert(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    prices = RetailPrices(source(tmp_path))
    usd = prices.items({"serviceName": "Virtual Machines", "armSkuName": "Standard_D2s_v5",
                        "armRegionName": "eastus", "priceType": "Consumption"})  # fmt: skip
    assert {i["meterName"] for i in usd} == {"D2s v5", "D2s v5 Spot"}
    assert prices.items({"serviceName": "virtual machines"}) == []
    eur = RetailPrices(source(tmp_path, "EUR")).items(
        {
            "serviceName": "Virtual Machines",
            "armSkuName": "Standard_D2s_v5",
            "armRegionName": "eastus",
            "priceType": "Consumption",
        }
    )
    assert {i["currencyCode"] for i in eur} == {"EUR"}
    assert sorted(i["unitPrice"] for i in eur) == sorted(
        round(i["unitPrice"] * 0.93, 4) for i in usd
    )


def test_no_price_list_off_azure_unless_named() -> None:
    assert PriceSource.from_env("USD", {"AZLAB_PRICES_ENDPOINT": "off"}) is None
    assert PriceSource.from_env("USD", {"AZLAB_ENDPOINT": "https://127.0.0.1:9"}) is None
    public = PriceSource.from_env("USD", {})
    assert public is not None and public.endpoint == "https://prices.azure.com"


def test_an_unreachable_price_list_is_one_clear_error(tmp_path: Path) -> None:
    dead = PriceSource("https://127.0.0.1:9", cache_dir=tmp_path)
    with pytest.raises(PricesUnavailable, match=r"cannot read prices from https://127\.0\.0\.1:9"):
        RetailPrices(dead).items({"serviceName": "Storage"})
