"""VMs nothing stops: a lab left running around the clock is most of its bill."""

from __future__ import annotations

from azlab.plan.context import LintContext
from azlab.plan.context import Rule as LintRule


def unstopped_groups(ctx: LintContext) -> None:
    for gi, group in enumerate(ctx.plan.groups):
        if not group.vms:
            continue
        schedule = ctx.plan.schedule(group.schedule) if group.schedule else None
        if group.schedule and schedule is None:
            continue  # AZL012 names the unknown schedule
        if schedule is not None and (schedule.stop or schedule.start):
            continue  # AZL055 names a schedule that starts and never stops
        why = (
            f"schedule {schedule.name!r} has no rules"
            if schedule is not None
            else "it has no schedule"
        )
        vms = ", ".join(vm.name for vm in group.vms[:3]) + (", ..." if len(group.vms) > 3 else "")
        at = ("groups", gi, "schedule") if group.schedule else ("groups", gi, "name")
        ctx.warning(
            "AZL103",
            f"group {group.name!r} ({vms}): no schedule stops its VMs ({why}), so they run "
            "and bill around the clock; give it a schedule with a stop rule",
            *at,
        )


RULES: list[LintRule] = [unstopped_groups]
