"""Spot VMs Azure evicted: which a tick sees, and which it starts again inside their window.

An eviction is not a person's choice, so the schedule's `enforce` window (which
leaves alone a VM someone stopped by hand) does not apply: an evicted VM is
started again whenever its schedule's latest event is a start. Pure: plain
states, the plan and an injected instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from azlab.plan.model import Plan
from azlab.power_state import PowerState, VmState
from azlab.schedule.desired import desired_state
from azlab.schedule.model import from_plan


def evicted(plan: Plan, states: Mapping[str, VmState]) -> list[str]:
    """The plan's VMs the status read shows evicted, by their plan names."""
    return [
        vm.name
        for _, vm in plan.all_vms()
        if (state := states.get(vm.name.lower())) is not None and state.evicted
    ]


def restarts(
    plan: Plan,
    wants: Mapping[str, str | None],
    states: Mapping[str, VmState],
    at: datetime,
) -> dict[str, set[str]]:
    """Group -> its evicted VMs (lower case) to start although the group's want is none:
    the schedule is inside a running window, past its enforce time."""
    found: dict[str, set[str]] = {}
    for group in plan.groups:
        if wants.get(group.name) is not None or not group.schedule:
            continue
        schedule = plan.schedule(group.schedule)
        if schedule is None:
            continue
        window = desired_state(replace(from_plan(schedule), enforce=None), at)
        if window.power != PowerState.RUNNING:
            continue
        names = {
            vm.name.lower()
            for vm in group.vms
            if (state := states.get(vm.name.lower())) is not None
            and state.evicted
            and state.power == PowerState.DEALLOCATED
        }
        if names:
            found[group.name] = names
    return found
