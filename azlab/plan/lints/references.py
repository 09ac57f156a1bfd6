"""Names and references: duplicates, unknown subnets, schedules and groups, depends_on cycles."""

from __future__ import annotations

from collections.abc import Iterable

from azlab.plan.context import LintContext, Rule, vm_path
from azlab.plan.source import PathKey


def _duplicates(
    ctx: LintContext, kind: str, items: Iterable[tuple[str, tuple[PathKey, ...]]]
) -> None:
    seen: dict[str, tuple[PathKey, ...]] = {}
    for name, at in items:
        key = name.lower()
        if key in seen:
            ctx.error("AZL010", f"duplicate {kind}: {name!r}", *at)
        else:
            seen[key] = at


def duplicate_names(ctx: LintContext) -> None:
    plan = ctx.plan
    _duplicates(
        ctx, "network", ((n.name, ("networks", i, "name")) for i, n in enumerate(plan.networks))
    )
    for i, net in enumerate(plan.networks):
        _duplicates(
            ctx,
            "subnet",
            ((s.name, ("networks", i, "subnets", j, "name")) for j, s in enumerate(net.subnets)),
        )
    _duplicates(
        ctx,
        "storage account",
        ((a.name, ("storage_accounts", i, "name")) for i, a in enumerate(plan.storage_accounts)),
    )
    for i, account in enumerate(plan.storage_accounts):
        _duplicates(
            ctx,
            "container",
            (
                (c, ("storage_accounts", i, "containers", j))
                for j, c in enumerate(account.containers)
            ),
        )
    _duplicates(
        ctx, "schedule", ((s.name, ("schedules", i, "name")) for i, s in enumerate(plan.schedules))
    )
    _duplicates(ctx, "group", ((g.name, ("groups", i, "name")) for i, g in enumerate(plan.groups)))
    _duplicates(
        ctx, "vm", ((vm.name, tuple(vm_path(gi, vi, "name"))) for gi, vi, _, vm in ctx.vms())
    )
    for gi, vi, _, vm in ctx.vms():
        _duplicates(
            ctx,
            "data disk LUN",
            (
                (str(d.lun), tuple(vm_path(gi, vi, "data_disks", k, "lun")))
                for k, d in enumerate(vm.data_disks)
            ),
        )
        _duplicates(
            ctx,
            "endpoint",
            (
                (e.name, tuple(vm_path(gi, vi, "endpoints", k, "name")))
                for k, e in enumerate(vm.endpoints)
            ),
        )


def unknown_references(ctx: LintContext) -> None:
    plan = ctx.plan
    subnets = {f"{n.name}/{s.name}".lower() for n in plan.networks for s in n.subnets}
    schedules = {s.name for s in plan.schedules}
    groups = {g.name for g in plan.groups}
    for gi, group in enumerate(plan.groups):
        if group.schedule is not None and group.schedule not in schedules:
            ctx.error(
                "AZL012",
                f"group {group.name!r} uses undefined schedule {group.schedule!r}",
                "groups",
                gi,
                "schedule",
            )
        for di, dep in enumerate(group.depends_on):
            if dep not in groups:
                ctx.error(
                    "AZL013",
                    f"group {group.name!r} depends on unknown group {dep!r}",
                    "groups",
                    gi,
                    "depends_on",
                    di,
                )
            elif dep == group.name:
                ctx.error(
                    "AZL014",
                    f"group {group.name!r} depends on itself",
                    "groups",
                    gi,
                    "depends_on",
                    di,
                )
    for gi, vi, _, vm in ctx.vms():
        if "/" not in vm.subnet:
            ctx.error(
                "AZL011",
                f"vm {vm.name!r}: subnet must be NETWORK/SUBNET, got {vm.subnet!r}",
                *vm_path(gi, vi, "subnet"),
            )
        elif vm.subnet.lower() not in subnets:
            ctx.error(
                "AZL011",
                f"vm {vm.name!r} uses subnet {vm.subnet!r}, which the plan does not define",
                *vm_path(gi, vi, "subnet"),
            )


def dependency_cycles(ctx: LintContext) -> None:
    graph: dict[str, list[str]] = {
        g.name: [d for d in g.depends_on if d != g.name] for g in ctx.plan.groups
    }
    index = {g.name: i for i, g in enumerate(ctx.plan.groups)}
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    ctx.error(
                        "AZL014",
                        "depends_on cycle: " + " -> ".join(cycle),
                        "groups",
                        index[node],
                        "depends_on",
                    )
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])


RULES: list[Rule] = [duplicate_names, unknown_references, dependency_cycles]
