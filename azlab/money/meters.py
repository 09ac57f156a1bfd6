"""Which Retail Prices meter prices what: VM sizes, managed disk tiers, public IPs. Pure.

Items are the Retail Prices API's JSON objects. A VM is priced by the
pay-as-you-go meter of its size in its region: the Windows product for Windows
VMs (unless the licence is brought, Azure Hybrid Benefit, which bills the Linux
meter), the ` Spot` meter for spot VMs. A managed disk is billed by the tier
its size rounds up to (E10 for 128 GiB Standard SSD), per month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Item = Mapping[str, Any]
HOURS_PER_MONTH = 730  # Azure's pricing calculator bills a month as 730 hours

# Plan disk SKU -> (price list product, tier letter, redundancy).
DISK_PRODUCTS: dict[str, tuple[str, str, str]] = {
    "Standard_LRS": ("Standard HDD Managed Disks", "S", "LRS"),
    "StandardSSD_LRS": ("Standard SSD Managed Disks", "E", "LRS"),
    "StandardSSD_ZRS": ("Standard SSD Managed Disks", "E", "ZRS"),
    "Premium_LRS": ("Premium SSD Managed Disks", "P", "LRS"),
    "Premium_ZRS": ("Premium SSD Managed Disks", "P", "ZRS"),
}
# Tier number -> largest size in GiB; Standard HDD starts at S4.
DISK_TIERS = (
    (1, 4), (2, 8), (3, 16), (4, 32), (6, 64), (10, 128), (15, 256), (20, 512),
    (30, 1024), (40, 2048), (50, 4096), (60, 8192), (70, 16384), (80, 32767),
)  # fmt: skip
# The OS disk's size when the plan gives none: the images' own defaults.
DEFAULT_OS_DISK_GB = {"windows": 127, "linux": 30}


def disk_tier(sku: str, size_gb: int) -> str:
    """The billing tier of a managed disk: `E10 LRS` for 128 GiB StandardSSD_LRS."""
    _, letter, redundancy = DISK_PRODUCTS[sku]
    for number, largest in DISK_TIERS:
        if letter == "S" and number < 4:
            continue
        if size_gb <= largest:
            return f"{letter}{number} {redundancy}"
    raise ValueError(f"{size_gb} GiB is larger than any {sku} disk")


def _consumption(item: Item) -> bool:
    return item.get("type") == "Consumption" and float(item.get("tierMinimumUnits", 0)) == 0


@dataclass(frozen=True)
class VmMeter:
    """How a VM is billed: its size, region, the OS meter and the priority."""

    size: str
    region: str
    os: str = "linux"  # the meter's OS: windows, or linux (also Windows with Hybrid Benefit)
    spot: bool = False


def vm_hourly(items: Iterable[Item], meter: VmMeter) -> float | None:
    """The hourly price of `meter` among `items`, or None if there is no such meter."""
    for item in items:
        if item.get("serviceName") != "Virtual Machines" or not _consumption(item):
            continue
        if item.get("armSkuName") != meter.size or item.get("armRegionName") != meter.region:
            continue
        product, name = str(item.get("productName", "")), str(item.get("meterName", ""))
        if "Low Priority" in name or product.endswith("Cloud Services"):
            continue
        if name.endswith(" Spot") != meter.spot:
            continue
        if product.endswith(" Windows") != (meter.os == "windows"):
            continue
        return float(item["unitPrice"])
    return None


def disk_monthly(items: Iterable[Item], sku: str, size_gb: int, region: str) -> float | None:
    product, _, _ = DISK_PRODUCTS[sku]
    tier = disk_tier(sku, size_gb)
    for item in items:
        if item.get("productName") != product or item.get("armRegionName") != region:
            continue
        if _consumption(item) and item.get("meterName") == f"{tier} Disk":
            return float(item["unitPrice"])
    return None


def public_ip_hourly(items: Iterable[Item], region: str, sku: str = "Standard") -> float | None:
    for item in items:
        if item.get("productName") != "IP Addresses" or item.get("armRegionName") != region:
            continue
        if _consumption(item) and item.get("meterName") == f"{sku} IPv4 Static Public IP":
            return float(item["unitPrice"])
    return None
