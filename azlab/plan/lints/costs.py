"""The cheaper ways to run a VM: Spot, Azure Hybrid Benefit, hibernation, the auto-shutdown.

Each rule catches what Azure would refuse at apply, or a setting that quietly
undoes the schedule.
"""

from __future__ import annotations

import re

from azlab.plan.context import LintContext, Rule, vm_path
from azlab.plan.lints.schedules import DAY_NAMES, _weekly_running

# Azure's hibernation overview: these series, up to 64 GB of memory (D: 4 GB a vCPU, so
# 16 vCPUs; E: 8 GB a vCPU, so 8).
_HIBERNATION = re.compile(r"standard_(?P<series>[de])(?P<cpus>\d+)(a?d?s)_v5", re.IGNORECASE)
_HIBERNATION_CPUS = {"d": 16, "e": 8}


def hibernation_size(size: str) -> bool:
    """Whether Azure documents hibernation for the size."""
    match = _HIBERNATION.fullmatch(size)
    if match is None:
        return False
    return int(match["cpus"]) <= _HIBERNATION_CPUS[match["series"].lower()]


def spot_fields(ctx: LintContext) -> None:
    for gi, vi, _, vm in ctx.vms():
        if vm.max_price is not None and vm.priority != "spot":
            ctx.error(
                "AZL110",
                f"vm {vm.name!r}: max_price is for Spot VMs only; set priority: spot or "
                "remove max_price",
                *vm_path(gi, vi, "max_price"),
            )
        elif vm.max_price is not None and vm.max_price != -1 and vm.max_price <= 0:
            ctx.error(
                "AZL110",
                f"vm {vm.name!r}: max_price {vm.max_price} is not a price: use -1 (up to the "
                "pay-as-you-go price) or US dollars an hour above 0",
                *vm_path(gi, vi, "max_price"),
            )
        if vm.priority == "spot" and vm.hibernate:
            ctx.error(
                "AZL113",
                f"vm {vm.name!r}: Azure does not hibernate Spot VMs; drop hibernate or "
                "priority: spot",
                *vm_path(gi, vi, "hibernate"),
            )


def license_fields(ctx: LintContext) -> None:
    for gi, vi, _, vm in ctx.vms():
        if vm.license is not None and vm.os != "windows":
            ctx.error(
                "AZL111",
                f"vm {vm.name!r}: license {vm.license} is Azure Hybrid Benefit for Windows; "
                f"this VM's image is {vm.os}",
                *vm_path(gi, vi, "license"),
            )


def hibernate_fields(ctx: LintContext) -> None:
    for gi, vi, _, vm in ctx.vms():
        if vm.hibernate and not hibernation_size(vm.size):
            ctx.warning(
                "AZL112",
                f"vm {vm.name!r}: Azure documents hibernation only for the Dsv5, Ddsv5, Dasv5, "
                f"Dadsv5, Esv5, Edsv5, Easv5 and Eadsv5 series up to 64 GB, not {vm.size}; "
                "apply will be refused unless Azure now supports it",
                *vm_path(gi, vi, "hibernate"),
            )


def failsafe_fields(ctx: LintContext) -> None:
    for gi, vi, group, vm in ctx.vms():
        if vm.failsafe_shutdown is None:
            continue
        at = vm_path(gi, vi, "failsafe_shutdown")
        schedule = ctx.plan.schedule(group.schedule) if group.schedule else None
        if schedule is None:
            ctx.warning(
                "AZL114",
                f"vm {vm.name!r}: failsafe_shutdown needs a time zone; group {group.name!r} "
                "has no schedule, so Azure shuts the VM down at that time in UTC",
                *at,
            )
            continue
        running = _weekly_running(ctx, group.schedule)
        if not running:
            continue
        hh, mm = (int(x) for x in vm.failsafe_shutdown.split(":"))
        clash = [d for d in range(7) if d * 1440 + hh * 60 + mm in running]
        if clash:
            ctx.warning(
                "AZL115",
                f"vm {vm.name!r}: failsafe_shutdown {vm.failsafe_shutdown} shuts the VM down "
                f"while schedule {schedule.name!r} keeps it running (on "
                f"{', '.join(DAY_NAMES[d] for d in clash)}); set it after the schedule's stop",
                *at,
            )


RULES: list[Rule] = [spot_fields, license_fields, hibernate_fields, failsafe_fields]
