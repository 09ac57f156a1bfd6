"""One tick: evaluate every group's schedule at an instant and bring its VMs there, in order.

Also the manual `up` and `down`. Reads per tick: one paged `list_all(statusOnly)`
before acting. With the batch API (the default): one execute request per 100
VMs of a (region, action) wave and one operation-status request per 100
operations per polling round; per VM (where the batch API is absent or off):
one action per VM that is not where it should be and one list per polling round.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from azlab.azure.power import list_states
from azlab.azure.session import AzureSession, Target
from azlab.graph import Listener
from azlab.money.budget import Decision
from azlab.money.gate import TickMoney
from azlab.money.record import Recorder
from azlab.notify.deliver import Delivery
from azlab.plan.model import Plan
from azlab.power import evictions
from azlab.power.batch import BatchPower, batch_enabled
from azlab.power.enforce import PowerRun, Result, VmResult
from azlab.power.hooks import GuestRun, hook_failures
from azlab.power.lease import DEFAULT_WAIT, group_leases
from azlab.power.notices import after_tick
from azlab.power.ready import NOT_READY, HealthGate, gate_enabled
from azlab.power.steps import PowerVm, Step, StepKey, build_steps
from azlab.power.watch import StateWatcher
from azlab.power_state import PowerState, VmState
from azlab.reconcile.model import PLAN_TAG
from azlab.schedule.desired import desired_state
from azlab.schedule.model import from_plan
from azlab.schedule.overrides import override


@dataclass
class TickReport:
    at: datetime
    wants: dict[str, str | None]  # group -> running | deallocated | None
    reasons: dict[str, str]
    skipped: dict[str, str] = field(default_factory=dict)  # vm -> why left alone
    evicted: list[str] = field(default_factory=list)  # Spot VMs found evicted
    results: dict[str, VmResult] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    actions_sent: int = 0
    list_rounds: int = 0
    throttled: int = 0
    seconds: float = 0.0
    budget: Decision | None = None
    observed: dict[str, VmState] = field(default_factory=dict)  # before acting
    notices: list[Delivery] = field(default_factory=list)
    batch: bool = False  # whether the batch API was tried
    batch_requests: int = 0  # execute requests
    status_requests: int = 0  # operation-status reads
    fallbacks: dict[str, str] = field(default_factory=dict)  # vm -> why it went per VM
    guest: list[GuestRun] = field(default_factory=list)  # probes and hooks run in the VMs
    gate_seconds: float = 0.0  # time start steps waited for Ready and after_start
    gate_requests: int = 0  # run commands sent and instance views read for the gate

    @property
    def ok(self) -> bool:
        return not any(r.result in (Result.FAILED, Result.BLOCKED) for r in self.results.values())


def group_wants(plan: Plan, at: datetime) -> tuple[dict[str, str | None], dict[str, str]]:
    wants: dict[str, str | None] = {}
    reasons: dict[str, str] = {}
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        state = desired_state(from_plan(schedule) if schedule else None, at)
        wants[group.name] = state.power
        reasons[group.name] = state.reason
    return wants, reasons


def plan_steps(
    plan: Plan,
    wants: Mapping[str, str | None],
    states: Mapping[str, VmState],
    at: datetime,
    skipped: dict[str, str],
    only: Mapping[str, set[str]] | None = None,
) -> list[Step]:
    """`only`: groups whose listed VMs alone are acted on (evicted Spot VMs started again)."""
    vms: list[PowerVm] = []
    for group in plan.groups:
        if wants.get(group.name) is None:
            continue
        for vm in group.vms:
            if only and group.name in only and vm.name.lower() not in only[group.name]:
                continue
            state = states.get(vm.name.lower())
            if state is None:
                skipped[vm.name] = "not found in Azure (run apply)"
                continue
            if state.tags.get(PLAN_TAG) != plan.name:
                # Someone else's VM with this name: azlab acts only on what its plan owns.
                skipped[vm.name] = f"not managed: no tag {PLAN_TAG}={plan.name} (apply adopts none)"
                continue
            why = override(state.tags, at)
            if why is not None:
                skipped[vm.name] = why
                continue
            vms.append(PowerVm(vm.name, group.name, vm.tier))
    active = {g: w for g, w in wants.items() if w is not None}
    return build_steps(vms, active, {g.name: list(g.depends_on) for g in plan.groups})


async def enforce(
    session: AzureSession,
    plan: Plan,
    wants: Mapping[str, str | None],
    reasons: Mapping[str, str],
    at: datetime,
    *,
    dry_run: bool = False,
    deadline_seconds: float = 1200,
    poll_interval: float = 5.0,
    retry_delay: float = 10.0,
    listener: Listener[StepKey] | None = None,
    ledger: Recorder | None = None,
    restart_evicted: bool = False,
    batch: bool | None = None,
    health_gate: bool | None = None,
) -> TickReport:
    """`restart_evicted`: a scheduled tick's, also start evicted Spot VMs inside their window.

    `batch` None reads the setting (`AZLAB_BATCH_POWER`), `health_gate` None
    `AZLAB_HEALTH_GATE` (on: later tiers wait for Ready, hooks run; ready.py).
    """
    began = time.monotonic()
    report = TickReport(at, dict(wants), dict(reasons))
    states = await list_states(session, plan.resource_group)
    report.observed = states
    report.evicted = evictions.evicted(plan, states)
    again = evictions.restarts(plan, wants, states, at) if restart_evicted else {}
    for group in again:
        why = report.reasons.get(group, "")
        report.reasons[group] = f"{why}; evicted Spot VMs started again inside the window"
    wants = {**wants, **dict.fromkeys(again, PowerState.RUNNING.value)}
    report.steps = plan_steps(plan, wants, states, at, report.skipped, again)
    if dry_run:
        for step in report.steps:
            for vm in step.vms:
                current = states[vm.lower()].power
                if current == step.want:
                    result = Result.ALREADY
                elif step.want == PowerState.RUNNING:
                    result = Result.WOULD_START
                else:
                    result = Result.WOULD_STOP
                report.results[vm.lower()] = VmResult(vm, step.group, step.want, result)
        report.list_rounds = 1
        return report
    watcher = StateWatcher(session, plan.resource_group, interval=poll_interval, initial=states)
    report.batch = batch_enabled(batch)
    batcher = BatchPower(session, interval=poll_interval) if report.batch else None
    deadline = time.monotonic() + deadline_seconds
    gate = (
        HealthGate(
            session,
            plan.resource_group,
            watcher,
            {vm.name: plan.guest(group, vm) for group, vm in plan.all_vms()},
            poll=poll_interval,
            deadline=deadline,
        )
        if gate_enabled(health_gate)
        else None
    )
    run = PowerRun(
        session,
        plan.resource_group,
        watcher,
        deadline=deadline,
        retry_delay=retry_delay,
        hibernate=frozenset(vm.name.lower() for _, vm in plan.all_vms() if vm.hibernate),
        batch=batcher,
        gate=gate,
    )
    try:
        await run.run(report.steps, listener=listener)
    finally:
        await watcher.close()
        if batcher is not None:
            await batcher.close()
    report.results = run.results
    if ledger is not None:
        # A VM that started but never got Ready is running (and billed) all the same.
        arrived = {
            r.vm: r.want
            for r in run.results.values()
            if r.result is Result.DONE or r.detail.startswith(NOT_READY)
        }
        await ledger.record(session, at, {n: s.power for n, s in states.items()}, arrived)
    report.fallbacks = dict(run.fallbacks)
    if batcher is not None:
        report.batch_requests = batcher.execute_requests
        report.status_requests = batcher.status_requests
    if gate is not None:
        report.guest = list(gate.runs)
        report.gate_seconds = gate.seconds
        report.gate_requests = gate.instance_views + gate.scripts
    report.actions_sent = run.actions_sent
    report.list_rounds = watcher.rounds + 1
    report.throttled = session.rate_limits.throttled
    report.seconds = time.monotonic() - began
    return report


def manual_wants(plan: Plan, groups: Iterable[str], want: str) -> dict[str, str | None]:
    names = {g.name for g in plan.groups}
    chosen = list(groups)
    unknown = [g for g in chosen if g not in names]
    if unknown:
        from azlab.errors import UsageError

        raise UsageError(
            f"unknown group {unknown[0]!r}",
            hint=f"the plan's groups are: {', '.join(sorted(names))}",
        )
    return {g.name: (want if g.name in chosen else None) for g in plan.groups}


async def tick_plan(
    plan: Plan,
    target: Target,
    at: datetime,
    wants: Mapping[str, str | None] | None = None,
    reasons: Mapping[str, str] | None = None,
    *,
    dry_run: bool = False,
    deadline_seconds: float = 1200,
    money: TickMoney | None = None,
    restart_evicted: bool | None = None,
    command: str = "tick",
    lock_wait: float = DEFAULT_WAIT,
    batch: bool | None = None,
    health_gate: bool | None = None,
) -> TickReport:
    """Open a session on `target` and enforce `wants` (default: the schedules at `at`);
    `money` has the budget adjust them and records what the tick saw and did. Evicted Spot
    VMs are started again inside their window when the schedules decide (the default).
    The lease of every group acted on is held meanwhile (none for a dry run)."""
    if restart_evicted is None:
        restart_evicted = wants is None
    if wants is None:
        wants, reasons = group_wants(plan, at)
    poll = target.polling_interval if target.polling_interval is not None else 5.0
    async with AzureSession(target) as session:
        if money is not None and not dry_run:
            wants, reasons = await money.before(session, wants, reasons or {}, at)
        acted_on = [] if dry_run else [g for g, w in wants.items() if w is not None]
        async with group_leases(session, plan, acted_on, command=command, wait=lock_wait):
            report = await enforce(
                session,
                plan,
                wants,
                reasons or {},
                at,
                dry_run=dry_run,
                deadline_seconds=deadline_seconds,
                poll_interval=poll,
                retry_delay=max(poll, 1.0),
                ledger=None if money is None or dry_run else money.recorder,
                restart_evicted=restart_evicted,
                batch=batch,
                health_gate=health_gate,
            )
        report.budget = None if money is None else money.decision
    if plan.notify and command == "tick" and not dry_run:
        report.notices = await after_tick(
            plan,
            report.observed,
            report.results,
            report.budget,
            at,
            extra=hook_failures(plan.name, report.guest, at),
        )
    return report
