"""The health gate: a started tier counts as up only when its VMs are Ready.

Ready means running, the guest agent reporting Ready (`vmAgent` in the
instance view), and then, where the plan has a `ready:` probe, the probe
exiting 0 through Run Command, tried every `delay` until `timeout`. The agent
is read from the shared watcher's list rounds, which carry the instance view;
only where the list has no `vmAgent` is each VM's instance view asked. A VM
that is not Ready in time fails its step with `NotReady`, so the graph leaves
the later tiers of its group, and the groups that depend on it, unstarted.

A start step is gated where it matters: when a later step still has VMs to
start, or when it started a VM that something follows, or that has a probe or
an `after_start` hook. `after_start` runs once the VM is Ready, before the
next tier starts; it reports, never blocks. `before_stop` runs before a stop
is sent, on the VMs still running (see hooks.py for what a failure does).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

from azlab.azure.run_command import ScriptRun, agent_ready, run_script
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.plan.durations import format_duration
from azlab.plan.model import Guest, Hook
from azlab.power.hooks import HOOK_NAMES, GuestRun, as_sent
from azlab.power.steps import Step
from azlab.power.watch import StateWatcher
from azlab.power_state import PowerState, VmState

ENV = "AZLAB_HEALTH_GATE"
DEFAULT_TIMEOUT = timedelta(minutes=10)  # the wait for the agent where no `ready:` says
NOT_READY = "NotReady"


def gate_enabled(explicit: bool | None = None, env: Mapping[str, str] | None = None) -> bool:
    """On unless turned off (AZLAB_HEALTH_GATE=off)."""
    if explicit is not None:
        return explicit
    value = (os.environ if env is None else env).get(ENV, "on").strip().lower()
    return value not in ("off", "0", "false", "no")


class HealthGate:
    def __init__(
        self,
        session: AzureSession,
        resource_group: str,
        watcher: StateWatcher,
        guests: Mapping[str, Guest],
        *,
        poll: float,
        deadline: float,
    ) -> None:
        self.session = session
        self.rg = resource_group
        self.watcher = watcher
        self.guests = {name.lower(): guest for name, guest in guests.items()}
        self.poll = poll
        self.deadline = deadline
        self.runs: list[GuestRun] = []
        self.instance_views = 0  # per-VM instance view reads (a list without vmAgent)
        self.scripts = 0  # run commands sent
        self.seconds = 0.0  # time start steps spent waiting for Ready and after_start

    def _guest(self, vm: str) -> Guest:
        return self.guests.get(vm.lower()) or Guest()

    def _state(self, vm: str) -> VmState | None:
        return self.watcher.states.get(vm.lower())

    async def _script(self, vm: str, hook: str, script: str, timeout: float) -> ScriptRun:
        self.scripts += 1
        state = self._state(vm)
        return await run_script(
            self.session,
            self.rg,
            vm,
            state.location if state is not None else "",
            HOOK_NAMES[hook],
            as_sent(script),
            timeout=max(10.0, min(timeout, self.deadline - time.monotonic())),
            poll=self.poll,
        )

    # stopping
    async def stopping(self, step: Step, vms: Sequence[str]) -> dict[str, str]:
        """Run `before_stop` on the running VMs of `vms`; VM -> why a required one blocks it."""
        blocked: dict[str, str] = {}

        async def one(vm: str) -> None:
            hook = self._guest(vm).before_stop
            state = self._state(vm)
            if hook is None or state is None or state.power != PowerState.RUNNING:
                return  # nothing runs inside a VM that is not running
            run = await self._script(vm, "before_stop", hook.script, hook.timeout.total_seconds())
            stops = run.ok or not hook.required
            self.runs.append(
                GuestRun(vm, step.group, "before_stop", run.ok, run.summary, run.seconds,
                         blocked=not stops)
            )  # fmt: skip
            if not stops:
                blocked[vm] = (
                    f"BeforeStopFailed: before_stop {run.summary}; left running (required: true)"
                )

        await asyncio.gather(*(one(vm) for vm in vms))
        return blocked

    # starting
    async def started(
        self, step: Step, started: Sequence[str], already: Sequence[str], *, needed: bool,
        followed: bool,
    ) -> dict[str, str]:  # fmt: skip
        """Wait for each VM to be Ready and run the `after_start` of those started; VM -> why
        it is not Ready. `needed`: a later step has VMs to start; `followed`: one comes after."""
        began = time.monotonic()
        mine = {vm.lower() for vm in started}
        not_ready: dict[str, str] = {}

        async def one(vm: str) -> None:
            guest = self._guest(vm)
            ours = vm.lower() in mine
            waits = needed or (
                ours and (followed or guest.ready is not None or guest.after_start is not None)
            )
            if not waits:
                return
            why = await self._ready(step, vm, guest)
            if why is not None:
                not_ready[vm] = why
            elif ours and guest.after_start is not None:
                await self._after_start(step, vm, guest.after_start)

        await asyncio.gather(*(one(vm) for vm in [*started, *already]))
        self.seconds += time.monotonic() - began
        return not_ready

    async def _ready(self, step: Step, vm: str, guest: Guest) -> str | None:
        ready = guest.ready
        timeout = ready.timeout if ready is not None else DEFAULT_TIMEOUT
        began = time.monotonic()
        until = min(self.deadline, began + timeout.total_seconds())
        if not await self._agent(vm, until):
            detail = f"the guest agent did not report Ready within {format_duration(timeout)}"
            self.runs.append(GuestRun(vm, step.group, "ready", False, detail, until - began, 0))
            return f"{NOT_READY}: {detail}"
        if ready is None or ready.script is None:
            return None
        attempts = 0
        while True:
            attempts += 1
            run = await self._script(vm, "ready", ready.script, until - time.monotonic())
            if run.ok:
                spent = time.monotonic() - began
                self.runs.append(
                    GuestRun(vm, step.group, "ready", True, run.summary, spent, attempts)
                )
                return None
            delay = ready.delay.total_seconds()
            if time.monotonic() + delay >= until:
                spent = time.monotonic() - began
                detail = f"the ready probe failed {attempts} time(s), last: {run.summary}"
                self.runs.append(GuestRun(vm, step.group, "ready", False, detail, spent, attempts))
                return f"{NOT_READY}: {detail}"
            await asyncio.sleep(delay)

    async def _agent(self, vm: str, until: float) -> bool:
        """Whether the agent reports Ready by `until`: from the list, else the instance view."""
        state = self._state(vm)
        if state is not None and state.power == PowerState.RUNNING and state.agent == "ready":
            return True

        def settled(s: VmState) -> bool:
            return s.power != PowerState.RUNNING or s.agent in ("ready", "")

        while True:
            found = await self.watcher.wait_until([vm], settled, deadline=until)
            state = found.get(vm.lower())
            if state is None or state.power != PowerState.RUNNING:
                return False
            if state.agent == "ready":
                return True
            if state.agent == "":
                return await self._agent_by_view(vm, until)
            if time.monotonic() >= until:
                return False

    async def _agent_by_view(self, vm: str, until: float) -> bool:
        while True:
            self.instance_views += 1
            try:
                if await agent_ready(self.session, self.rg, vm):
                    return True
            except AzlabError:
                pass  # read again next round
            if time.monotonic() + self.poll >= until:
                return False
            await asyncio.sleep(self.poll)

    async def _after_start(self, step: Step, vm: str, hook: Hook) -> None:
        run = await self._script(vm, "after_start", hook.script, hook.timeout.total_seconds())
        self.runs.append(GuestRun(vm, step.group, "after_start", run.ok, run.summary, run.seconds))
