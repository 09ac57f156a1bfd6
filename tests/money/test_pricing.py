"""Meters, disk tiers and a plan's prices, from plain Retail Prices items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from azlab.money.meters import VmMeter, disk_monthly, disk_tier, public_ip_hourly, vm_hourly
from azlab.money.pricing import plan_prices
from azlab.plan.model import Plan


def vm_item(size: str, product: str, meter: str, price: float, **extra: Any) -> dict[str, Any]:
    return {
        "serviceName": "Virtual Machines", "armSkuName": size, "armRegionName": "westus2",
        "productName": product, "meterName": meter, "unitPrice": price, "type": "Consumption",
        "tierMinimumUnits": 0.0, **extra,
    }  # fmt: skip


ITEMS = [
    vm_item("Standard_D2s_v5", "Virtual Machines Dsv5 Series", "D2s v5", 999.0, type="Reservation"),
    vm_item("Standard_D2s_v5", "Virtual Machines Dsv5 Series", "D2s v5 Low Priority", 0.01),
    vm_item("Standard_D2s_v5", "Virtual Machines Dsv5 Series Windows", "D2s v5 Spot", 0.04),
    vm_item("Standard_D2s_v5", "Virtual Machines Dsv5 Series Windows", "D2s v5", 0.188),
    vm_item("Standard_D2s_v5", "Virtual Machines Dsv5 Series", "D2s v5 Spot", 0.02),
    vm_item("Standard_D2s_v5", "Virtual Machines Dsv5 Series", "D2s v5", 0.096),
    {"productName": "Standard SSD Managed Disks", "armRegionName": "westus2", "type": "Consumption",
     "meterName": "E10 LRS Disk", "unitPrice": 9.6},
    {"productName": "Standard SSD Managed Disks", "armRegionName": "westus2", "type": "Consumption",
     "meterName": "E4 LRS Disk", "unitPrice": 2.4},
    {"productName": "Standard SSD Managed Disks", "armRegionName": "westus2", "type": "Consumption",
     "meterName": "LRS Disk Operations", "unitPrice": 0.002},
    {"productName": "IP Addresses", "armRegionName": "westus2", "type": "Consumption",
     "meterName": "Standard IPv4 Static Public IP", "unitPrice": 0.005},
]  # fmt: skip


@pytest.mark.parametrize(
    ("os", "spot", "price"),
    [
        ("linux", False, 0.096),
        ("windows", False, 0.188),
        ("linux", True, 0.02),
        ("windows", True, 0.04),
    ],
)
def test_the_vm_meter_is_chosen_by_os_and_priority(os: str, spot: bool, price: float) -> None:
    assert vm_hourly(ITEMS, VmMeter("Standard_D2s_v5", "westus2", os, spot)) == price


def test_no_meter_is_none_not_a_guess() -> None:
    assert vm_hourly(ITEMS, VmMeter("Standard_D2s_v5", "eastus")) is None
    assert vm_hourly(ITEMS, VmMeter("Standard_B2ms", "westus2")) is None


@pytest.mark.parametrize(
    ("sku", "size", "tier"),
    [("StandardSSD_LRS", 127, "E10 LRS"), ("StandardSSD_LRS", 128, "E10 LRS"),
     ("StandardSSD_LRS", 129, "E15 LRS"), ("Standard_LRS", 4, "S4 LRS"),
     ("Premium_ZRS", 1024, "P30 ZRS"), ("StandardSSD_LRS", 30, "E4 LRS")],
)  # fmt: skip
def test_disks_bill_by_the_tier_their_size_rounds_up_to(sku: str, size: int, tier: str) -> None:
    assert disk_tier(sku, size) == tier


def test_disk_and_ip_prices() -> None:
    assert disk_monthly(ITEMS, "StandardSSD_LRS", 100, "westus2") == 9.6
    assert disk_monthly(ITEMS, "Premium_LRS", 100, "westus2") is None
    assert public_ip_hourly(ITEMS, "westus2") == 0.005


def plan(**vm: Any) -> Plan:
    base = {
        "name": "vm1", "size": "Standard_D2s_v5", "os": "linux", "image": "a:b:c:latest",
        "subnet": "n/s", "admin": {"username": "u"},
    }  # fmt: skip
    return Plan.model_validate(
        {
            "version": 1,
            "name": "p",
            "subscription": "s",
            "resource_group": "rg",
            "location": "westus2",
            "groups": [{"name": "g", "vms": [{**base, **vm}]}],
        }
    )


def lookup(query: Mapping[str, str]) -> list[dict[str, Any]]:
    return ITEMS


def test_a_plan_prices_compute_disks_and_ip() -> None:
    prices = plan_prices(
        plan(public_ip=True, data_disks=[{"lun": 0, "size_gb": 32, "sku": "StandardSSD_LRS"}]),
        lookup,
    )
    vm = prices.of("VM1")
    assert vm is not None and not prices.missing
    assert vm.compute_hourly == 0.096
    assert vm.disks_monthly == pytest.approx(
        2.4 + 2.4
    )  # a 30 GiB Linux OS disk and 32 GiB data: E4
    assert vm.fixed_hourly == pytest.approx(4.8 / 730 + 0.005)


def test_a_missing_meter_is_reported() -> None:
    prices = plan_prices(plan(size="Standard_B2ms", os="windows"), lookup)
    assert prices.of("vm1").compute_hourly is None  # type: ignore[union-attr]
    assert any("no windows meter for Standard_B2ms" in m for m in prices.missing)


@pytest.mark.parametrize(
    ("fields", "price"),
    [
        ({"os": "windows"}, 0.188),
        ({"os": "windows", "license": "windows_server"}, 0.096),  # Hybrid Benefit: Linux meter
        ({"os": "windows", "priority": "spot"}, 0.04),
        ({"os": "linux", "priority": "spot"}, 0.02),
    ],
)
def test_licence_and_priority_choose_the_meter(fields: dict[str, Any], price: float) -> None:
    vm = plan_prices(plan(**fields), lookup).of("vm1")
    assert vm is not None and vm.compute_hourly == price
