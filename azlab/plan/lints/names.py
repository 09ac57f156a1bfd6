"""Azure's naming rules, and the plan's own `naming` patterns (warnings)."""

from __future__ import annotations

import re

from azlab.plan.context import LintContext, Rule, vm_path
from azlab.plan.source import PathKey

STORAGE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
CONTAINER = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
RESOURCE_GROUP = re.compile(r"^[-\w._()]{1,90}$")
NETWORK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$|^[A-Za-z0-9]$")
VM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]$|^[A-Za-z0-9]$")
WINDOWS_COMPUTER_NAME_MAX = 15
LINUX_COMPUTER_NAME_MAX = 64


GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def azure_names(ctx: LintContext) -> None:
    plan = ctx.plan
    if "${" not in plan.subscription and not GUID.match(plan.subscription):
        ctx.error(
            "AZL003",
            f"subscription {plan.subscription!r} is not a GUID; write a GUID or ${{NAME}}",
            "subscription",
        )
    if not RESOURCE_GROUP.match(plan.resource_group) or plan.resource_group.endswith("."):
        ctx.error(
            "AZL042",
            f"resource group name {plan.resource_group!r}: use 1-90 letters, digits, "
            "'_', '-', '.', '(' or ')', not ending in '.'",
            "resource_group",
        )
    for ni, net in enumerate(plan.networks):
        if not NETWORK.match(net.name):
            ctx.error(
                "AZL043",
                f"network name {net.name!r}: use 2-80 letters, digits, '_', '.', '-', "
                "starting with a letter or digit",
                "networks",
                ni,
                "name",
            )
        for si, sub in enumerate(net.subnets):
            if not NETWORK.match(sub.name):
                ctx.error(
                    "AZL043",
                    f"subnet name {sub.name!r}: use letters, digits, '_', '.', '-'",
                    "networks",
                    ni,
                    "subnets",
                    si,
                    "name",
                )
    for ai, account in enumerate(plan.storage_accounts):
        if not STORAGE_ACCOUNT.match(account.name):
            ctx.error(
                "AZL040",
                f"storage account name {account.name!r}: use 3-24 lowercase letters and digits",
                "storage_accounts",
                ai,
                "name",
            )
        for ci, container in enumerate(account.containers):
            if not CONTAINER.match(container):
                ctx.error(
                    "AZL041",
                    f"container name {container!r}: use 3-63 lowercase letters, digits and single "
                    "hyphens, starting and ending with a letter or digit",
                    "storage_accounts",
                    ai,
                    "containers",
                    ci,
                )
    for gi, vi, _, vm in ctx.vms():
        at = vm_path(gi, vi, "name")
        if not VM.match(vm.name) or vm.name.isdigit():
            ctx.error(
                "AZL044",
                f"vm name {vm.name!r}: use letters, digits, '.' and '-', not all digits",
                *at,
            )
        elif vm.os == "windows" and len(vm.name) > WINDOWS_COMPUTER_NAME_MAX:
            ctx.error(
                "AZL044",
                f"windows vm name {vm.name!r} is {len(vm.name)} characters; its computer name "
                f"allows at most {WINDOWS_COMPUTER_NAME_MAX}",
                *at,
            )
        elif vm.os == "linux" and len(vm.name) > LINUX_COMPUTER_NAME_MAX:
            ctx.error("AZL044", f"linux vm name {vm.name!r} is over 64 characters", *at)


def naming_patterns(ctx: LintContext) -> None:
    naming = ctx.plan.naming
    if naming is None:
        return
    checks: list[tuple[str, str | None, list[tuple[str, tuple[PathKey, ...]]]]] = [
        (
            "network",
            naming.network,
            [(n.name, ("networks", i, "name")) for i, n in enumerate(ctx.plan.networks)],
        ),
        (
            "subnet",
            naming.subnet,
            [
                (s.name, ("networks", i, "subnets", j, "name"))
                for i, n in enumerate(ctx.plan.networks)
                for j, s in enumerate(n.subnets)
            ],
        ),
        (
            "storage_account",
            naming.storage_account,
            [
                (a.name, ("storage_accounts", i, "name"))
                for i, a in enumerate(ctx.plan.storage_accounts)
            ],
        ),
        (
            "group",
            naming.group,
            [(g.name, ("groups", i, "name")) for i, g in enumerate(ctx.plan.groups)],
        ),
        (
            "vm",
            naming.vm,
            [(vm.name, tuple(vm_path(gi, vi, "name"))) for gi, vi, _, vm in ctx.vms()],
        ),
    ]
    for kind, pattern, names in checks:
        if pattern is None:
            continue
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            ctx.error(
                "AZL046",
                f"naming.{kind}: {pattern!r} is not a valid regular expression: {exc}",
                "naming",
                kind,
            )
            continue
        for name, at in names:
            if not regex.search(name):
                ctx.warning(
                    "AZL045", f"{kind} name {name!r} does not match naming.{kind} {pattern!r}", *at
                )


RULES: list[Rule] = [azure_names, naming_patterns]
