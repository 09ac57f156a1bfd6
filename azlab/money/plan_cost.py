"""What `apply` would change in the lab's monthly cost, resource by resource, as infracost
shows it for Terraform. Pure over a price lookup.

A month is 730 hours; a VM's compute runs the share of them its group's
schedule runs this week (all of them without a schedule); its OS disk goes with
it. Data disks bill by tier per month, public IPs per hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from azlab.money.meters import (
    DEFAULT_OS_DISK_GB,
    DISK_PRODUCTS,
    HOURS_PER_MONTH,
    VmMeter,
    disk_monthly,
    public_ip_hourly,
    vm_hourly,
)
from azlab.money.pricing import Lookup, disk_query, ip_query, vm_queries

Props = Mapping[str, Any]


@dataclass(frozen=True)
class Resource:
    """One change of the preview, in plain terms: before and after are the resource's
    observed and desired properties (None where it does not exist)."""

    action: str
    kind: str  # vm, disk, public_ip (others cost nothing here)
    name: str
    before: Props | None
    after: Props | None
    running_share: float = 1.0  # VMs: the share of the month their schedule runs
    meter_os: str | None = None  # VMs: the meter's OS from the plan (licence included)
    spot: bool = False


@dataclass(frozen=True)
class PricedResource:
    action: str
    kind: str
    name: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None and self.after is None:
            return None
        return (self.after or 0.0) - (self.before or 0.0)


def _disk(
    props: Props, lookup: Lookup, size_key: str, sku_key: str, os: str | None
) -> float | None:
    sku = props.get(sku_key) or "StandardSSD_LRS"
    size = props.get(size_key) or DEFAULT_OS_DISK_GB.get(str(os or "linux").lower(), 30)
    region = str(props.get("location", "")).lower()
    if sku not in DISK_PRODUCTS:
        return None
    return disk_monthly(lookup(disk_query(sku, region)), sku, int(size), region)


def monthly(r: Resource, props: Props, lookup: Lookup) -> float | None:
    region = str(props.get("location", "")).lower()
    if r.kind == "vm":
        os = r.meter_os or str(props.get("os") or "linux").lower()
        meter = VmMeter(str(props.get("size")), region, os, r.spot)
        hourly = vm_hourly(lookup(vm_queries(meter)), meter)
        disk = _disk(props, lookup, "os_disk_size_gb", "os_disk_sku", props.get("os"))
        if hourly is None or disk is None:
            return None
        return HOURS_PER_MONTH * r.running_share * hourly + disk
    if r.kind == "disk":
        return _disk(props, lookup, "size_gb", "sku", None)
    if r.kind == "public_ip":
        hourly = public_ip_hourly(
            lookup(ip_query(region)), region, str(props.get("sku") or "Standard")
        )
        return None if hourly is None else HOURS_PER_MONTH * hourly
    return None


PRICED = frozenset({"vm", "disk", "public_ip"})


def price_changes(resources: Iterable[Resource], lookup: Lookup) -> list[PricedResource]:
    priced = []
    for r in resources:
        if r.kind not in PRICED:
            continue
        before = None if r.before is None else monthly(r, r.before, lookup)
        if r.action == "delete":
            after = None
        elif r.after is None:  # kept as it is (an orphan without --prune)
            after = before
        else:
            after = monthly(r, r.after, lookup)
        priced.append(PricedResource(r.action, r.kind, r.name, before, after))
    return priced
