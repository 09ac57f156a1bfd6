"""A plan's prices: each VM's compute per hour and what it costs stopped (disks, public IP).

Pure over a lookup that answers Retail Prices filters with items (the API
client, or plain data in tests). A meter the price list lacks is reported,
not guessed: its figure is None and the views say so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from azlab.money.meters import (
    DEFAULT_OS_DISK_GB,
    DISK_PRODUCTS,
    HOURS_PER_MONTH,
    Item,
    VmMeter,
    disk_monthly,
    public_ip_hourly,
    vm_hourly,
)
from azlab.plan.model import Group, Plan, Vm

Lookup = Callable[[Mapping[str, str]], Sequence[Item]]


@dataclass(frozen=True)
class VmPrice:
    vm: str
    group: str
    meter: VmMeter
    compute_hourly: float | None  # billed while the VM is allocated
    disks_monthly: float | None  # billed whether it runs or not
    ip_hourly: float | None  # its static public IP, if it has one

    @property
    def fixed_hourly(self) -> float | None:
        if self.disks_monthly is None or self.ip_hourly is None:
            return None
        return self.disks_monthly / HOURS_PER_MONTH + self.ip_hourly


@dataclass(frozen=True)
class PlanPrices:
    currency: str
    vms: dict[str, VmPrice]  # lower-cased VM name ->
    missing: list[str] = field(default_factory=list)  # meters not in the price list

    def of(self, vm: str) -> VmPrice | None:
        return self.vms.get(vm.lower())


def vm_meter(plan: Plan, group: Group, vm: Vm) -> VmMeter:
    """The meter `vm` is billed by: its OS's pay-as-you-go meter, the Linux one when Azure
    Hybrid Benefit covers its Windows licence (`license:`), the spot meter for `priority: spot`."""
    os = "linux" if vm.os == "linux" or vm.license is not None else "windows"
    return VmMeter(vm.size, plan.vm_location(group, vm).lower(), os, vm.priority == "spot")


def vm_queries(meter: VmMeter) -> dict[str, str]:
    return {
        "serviceName": "Virtual Machines",
        "armRegionName": meter.region,
        "armSkuName": meter.size,
        "priceType": "Consumption",
    }


def disk_query(sku: str, region: str) -> dict[str, str]:
    return {
        "serviceName": "Storage",
        "armRegionName": region,
        "productName": DISK_PRODUCTS[sku][0],
        "priceType": "Consumption",
    }


def ip_query(region: str) -> dict[str, str]:
    return {
        "serviceName": "Virtual Network",
        "armRegionName": region,
        "productName": "IP Addresses",
        "priceType": "Consumption",
    }


def plan_prices(plan: Plan, lookup: Lookup) -> PlanPrices:
    vms: dict[str, VmPrice] = {}
    missing: list[str] = []
    for group, vm in plan.all_vms():
        meter = vm_meter(plan, group, vm)
        compute = vm_hourly(lookup(vm_queries(meter)), meter)
        if compute is None:
            missing.append(
                f"{vm.name}: no {meter.os} {'spot ' if meter.spot else ''}meter "
                f"for {meter.size} in {meter.region}"
            )
        disks: list[tuple[str, int]] = [
            (vm.os_disk.sku, vm.os_disk.size_gb or DEFAULT_OS_DISK_GB[vm.os])
        ]
        disks += [(d.sku, d.size_gb) for d in vm.data_disks]
        total: float | None = 0.0
        for sku, size_gb in disks:
            monthly = disk_monthly(
                lookup(disk_query(sku, meter.region)), sku, size_gb, meter.region
            )
            if monthly is None:
                missing.append(f"{vm.name}: no {sku} price for {size_gb} GiB in {meter.region}")
                total = None
            elif total is not None:
                total += monthly
        ip: float | None = 0.0
        if vm.public_ip:
            ip = public_ip_hourly(lookup(ip_query(meter.region)), meter.region)
            if ip is None:
                missing.append(f"{vm.name}: no public IP price in {meter.region}")
        vms[vm.name.lower()] = VmPrice(vm.name, group.name, meter, compute, total, ip)
    return PlanPrices(plan.currency, vms, missing)
