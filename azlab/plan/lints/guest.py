"""The health gate and guest hooks: limits Run Command sets, and scripts that cannot run.

Scripts run through Azure Run Command, which ends a script after 90 minutes
and takes a VM's writes at 4 a minute (a probe is one); a tick gives up on a
power run after 20 minutes, so a longer wait for Ready never ends in one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from azlab.plan.context import LintContext, Rule
from azlab.plan.durations import format_duration
from azlab.plan.model import Guest
from azlab.plan.source import PathKey

HOOK_LIMIT = timedelta(minutes=90)  # Run Command's own limit on a script
READY_LIMIT = timedelta(minutes=20)  # the tick's deadline for a power run
SHORTEST = timedelta(seconds=10)
# Azure takes 4 writes a minute per VM (12 in a burst): probes closer than 15 s get throttled.
PROBE_DELAY = timedelta(seconds=15)


def _declarers(ctx: LintContext) -> Iterator[tuple[tuple[PathKey, ...], Guest, str]]:
    """Every group and VM with its path and what it is called in a message."""
    for gi, group in enumerate(ctx.plan.groups):
        yield ("groups", gi), group, f"group {group.name!r}"
        for vi, vm in enumerate(group.vms):
            yield ("groups", gi, "vms", vi), vm, f"vm {vm.name!r}"


def timeouts(ctx: LintContext) -> None:
    for at, guest, who in _declarers(ctx):
        hooks = {"before_stop": guest.before_stop, "after_start": guest.after_start}
        for name, hook in hooks.items():
            if hook is not None and not SHORTEST <= hook.timeout <= HOOK_LIMIT:
                ctx.error(
                    "AZL130",
                    f"{who}: {name}.timeout {format_duration(hook.timeout)} is outside 10s to "
                    "90m; Run Command ends every script after 90 minutes",
                    *at,
                    name,
                    "timeout",
                )
        ready = guest.ready
        if ready is not None and not SHORTEST <= ready.timeout <= READY_LIMIT:
            ctx.error(
                "AZL130",
                f"{who}: ready.timeout {format_duration(ready.timeout)} is outside 10s to 20m; "
                "a tick gives up on its power run after 20 minutes",
                *at,
                "ready",
                "timeout",
            )


def probe_delays(ctx: LintContext) -> None:
    for at, guest, who in _declarers(ctx):
        ready = guest.ready
        if ready is None or ready.script is None:
            continue
        if ready.delay < PROBE_DELAY:
            ctx.warning(
                "AZL134",
                f"{who}: ready.delay {format_duration(ready.delay)} probes faster than Azure "
                "takes a VM's writes (4 a minute); use 15s or more",
                *at,
                "ready",
                "delay",
            )
        elif ready.delay >= ready.timeout:
            ctx.error(
                "AZL131",
                f"{who}: ready.delay {format_duration(ready.delay)} is not shorter than "
                f"ready.timeout {format_duration(ready.timeout)}, so the probe is never retried",
                *at,
                "ready",
                "delay",
            )


def mixed_shells(ctx: LintContext) -> None:
    """A group's script runs in each VM's shell: one text cannot be both shell and PowerShell."""
    for gi, group in enumerate(ctx.plan.groups):
        kinds = {vm.os for vm in group.vms}
        if len(kinds) < 2:
            continue
        scripts = {
            "ready": group.ready.script if group.ready else None,
            "before_stop": group.before_stop,
            "after_start": group.after_start,
        }
        for name, value in scripts.items():
            inherited = [vm.name for vm in group.vms if getattr(vm, name) is None]
            if value is not None and inherited:
                ctx.error(
                    "AZL132",
                    f"group {group.name!r}: its {name} script would run as shell on Linux and "
                    f"as PowerShell on Windows ({', '.join(inherited)}); give those VMs their own",
                    "groups",
                    gi,
                    name,
                    key=True,
                )


def required_after_start(ctx: LintContext) -> None:
    for at, guest, who in _declarers(ctx):
        if guest.after_start is not None and guest.after_start.required:
            ctx.warning(
                "AZL133",
                f"{who}: after_start.required does nothing (a failed after_start is reported, "
                "the VM stays running); required is for before_stop",
                *at,
                "after_start",
                "required",
            )


RULES: list[Rule] = [timeouts, probe_delays, mixed_shells, required_after_start]
