"""A simulated week of schedule ticks against a sandbox, checked from outside.

Every 5 minutes of simulated time the schedules are evaluated. When what they
want has changed since the last tick, the sandbox is observed with one status
list (in between, nothing but a tick changes a VM's power state, so the last
observation still holds). Where a VM is not where its group's schedule wants
it, azlab's tick runs at that instant; then the sandbox is observed again and
every VM must be where the schedule wants it. The order of the power actions the sandbox
received is checked against the plan itself (tiers, `depends_on`), and the
running hours per group are counted from the observations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from azlab.azure.session import AzureSession
from azlab.power import tick as ticking
from azlab.power.steps import DEALLOCATED, RUNNING
from azlab.power.watch import VmState, list_states

STEP = timedelta(minutes=5)
# (vm name, action) in the order the sandbox received them
ActionLog = Callable[[], list[tuple[str, str]]]


@dataclass
class GroupWeek:
    group: str
    vms: int
    running_hours: float = 0.0  # hours with at least one VM of the group running
    vm_hours: float = 0.0
    week_hours: float = 0.0
    transitions: int = 0

    @property
    def saved_share(self) -> float:
        always_on = self.vms * self.week_hours
        return 0.0 if always_on == 0 else 1 - self.vm_hours / always_on


@dataclass
class WeekResult:
    start: datetime
    end: datetime
    ticks: int = 0
    acting_ticks: int = 0
    groups: dict[str, GroupWeek] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def week_bounds(plan: Any, week_of: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, local to the plan's first schedule (or UTC)."""
    zone: Any = timezone.utc
    if plan.schedules:
        zone = ZoneInfo(plan.schedules[0].timezone)
    monday = week_of - timedelta(days=week_of.weekday())
    start = datetime.combine(monday, time(0, 0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _members(plan: Any) -> dict[str, list[str]]:
    return {g.name: [vm.name.lower() for vm in g.vms] for g in plan.groups}


def out_of_place(
    plan: Any, wants: Mapping[str, str | None], states: Mapping[str, VmState]
) -> list[str]:
    """VMs whose group wants a state they are not in (the sandbox has no holds or exclusions)."""
    wrong = []
    for group, vms in _members(plan).items():
        want = wants.get(group)
        for vm in vms:
            state = states.get(vm)
            if want is not None and state is not None and state.power != want:
                wrong.append(vm)
    return wrong


def order_problems(plan: Any, actions: list[tuple[str, str]]) -> list[str]:
    """Actions that came before an action they must follow, by the plan's tiers and groups."""
    where = {vm.name.lower(): (g.name, vm.tier) for g in plan.groups for vm in g.vms}
    depends = {g.name: set(g.depends_on) for g in plan.groups}
    position = {(vm, verb): n for n, (vm, verb) in enumerate(actions)}
    problems = []
    for (vm, verb), n in position.items():
        if vm not in where:
            continue
        group, tier = where[vm]
        for (other, other_verb), m in position.items():
            if other_verb != verb or other not in where or m <= n:
                continue
            other_group, other_tier = where[other]
            if verb == "start":
                first = (other_group == group and other_tier < tier) or other_group in depends[
                    group
                ]
            else:
                first = (other_group == group and other_tier > tier) or group in depends[
                    other_group
                ]
            if first:
                problems.append(f"{verb} {vm} came before {verb} {other}, which must go first")
    return problems


async def simulate_week(
    session: AzureSession, plan: Any, start: datetime, end: datetime, actions: ActionLog
) -> WeekResult:
    result = WeekResult(start, end)
    members = _members(plan)
    for group, vms in members.items():
        result.groups[group] = GroupWeek(
            group, len(vms), week_hours=(end - start) / timedelta(hours=1)
        )
    previous: dict[str, str | None] | None = None
    states: dict[str, VmState] = {}
    at = start
    while at < end:
        result.ticks += 1
        wants, reasons = ticking.group_wants(plan, at)
        if wants != previous:
            states = await list_states(session, plan.resource_group)
        if out_of_place(plan, wants, states):
            result.acting_ticks += 1
            sent_before = len(actions())
            report = await ticking.enforce(
                session,
                plan,
                wants,
                reasons,
                at,
                deadline_seconds=60,
                poll_interval=0.01,
                retry_delay=0.05,
            )
            sent = actions()[sent_before:]
            result.problems += [f"{at:%a %H:%M} UTC: {p}" for p in order_problems(plan, sent)]
            states = await list_states(session, plan.resource_group)
            for vm in out_of_place(plan, wants, states):
                detail = next((r.detail for r in report.results.values() if r.vm.lower() == vm), "")
                result.problems.append(
                    f"{at:%a %H:%M} UTC: {vm} is {states[vm].power}, the schedule wants "
                    f"{wants[_group_of(members, vm)]} {detail}".rstrip()
                )
        for group, vms in members.items():
            running = sum(1 for vm in vms if vm in states and states[vm].power == RUNNING)
            week = result.groups[group]
            week.vm_hours += running * STEP / timedelta(hours=1)
            if running:
                week.running_hours += STEP / timedelta(hours=1)
            was = (previous or {}).get(group)
            if wants.get(group) in (RUNNING, DEALLOCATED) and was not in (None, wants[group]):
                week.transitions += 1
        previous = dict(wants)
        at += STEP
    return result


def _group_of(members: Mapping[str, list[str]], vm: str) -> str:
    return next(g for g, vms in members.items() if vm in vms)
