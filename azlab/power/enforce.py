"""Carry out power steps against Azure: fire actions, watch states, retry, isolate failures.

Each action is sent and not polled: the shared `StateWatcher` sees every VM
arrive in one list call per round. A 409 means another operation (another
tick, a person) is already on that VM; it is watched like our own. A VM that
fails (`AllocationFailed`), or that settles in another state (that operation
was the opposite one, or someone acted on it after ours), is sent the action
again with backoff until the deadline; if it still is not there, its step fails
and every step that needs it is reported blocked, while unrelated steps go on.

With the batch API (`azlab.power.batch`) a step's VMs go out in the shared
requests of their wave and are followed by operation id instead; a VM the
batch refuses, or whose region has no batch API, is sent the per-VM call, and
`fallbacks` says why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from azlab.azure.batch_power import BatchUnavailable, OpStatus
from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError, AzureOperationError, NetworkError
from azlab.graph import Listener, Outcome, RunStats, Status, Task, run_graph
from azlab.power.batch import BatchPower, as_state
from azlab.power.ready import HealthGate
from azlab.power.steps import Step, StepKey
from azlab.power.watch import StateWatcher
from azlab.power_state import SETTLED, PowerState, VmState


class Result(str, Enum):
    """What became of one VM in a power run."""

    DONE = "done"  # it arrived after our action
    ALREADY = "already"  # it was there before
    FAILED = "failed"
    BLOCKED = "blocked"  # a step it waits for failed
    WOULD_START = "would start"  # a dry run's answers
    WOULD_STOP = "would stop"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class VmResult:
    vm: str
    group: str
    want: str
    result: Result
    attempts: int = 0
    detail: str = ""


# Sends of one action when the connection breaks before Azure answers, about 0.5, 1 and
# 2 s apart.
SEND_ATTEMPTS = 4
SEND_WAIT = wait_exponential(multiplier=0.5)


class StepFailed(Exception):
    """Some VMs of a step did not reach the wanted state."""


class PowerRun:
    def __init__(
        self,
        session: AzureSession,
        resource_group: str,
        watcher: StateWatcher,
        *,
        deadline: float,
        retry_delay: float = 10.0,
        hibernate: frozenset[str] = frozenset(),
        batch: BatchPower | None = None,
        gate: HealthGate | None = None,
    ) -> None:
        self.session = session
        self.gate = gate
        self._needed: set[StepKey] = set()  # start steps a later step with work waits for
        self._followed: set[StepKey] = set()  # steps some other step waits for
        # VMs (lower case) stopped by hibernating them, as the plan's `hibernate` asks.
        self.hibernate = hibernate
        self.batch = batch
        self.fallbacks: dict[str, str] = {}  # vm -> why it went per VM instead of in a batch
        self.rg = resource_group
        self.watcher = watcher
        self.deadline = deadline
        self.retry_delay = retry_delay
        self.results: dict[str, VmResult] = {}
        self.actions_sent = 0

    async def run(
        self,
        steps: Iterable[Step],
        *,
        parallelism: int = 1000,
        listener: Listener[StepKey] | None = None,
    ) -> tuple[list[Outcome[StepKey]], RunStats]:
        steps = list(steps)
        for step in steps:
            work = any(
                not _arrived(self.watcher.states.get(v.lower()), step.want) for v in step.vms
            )
            self._followed.update(step.needs)
            if work:
                self._needed.update(step.needs)
        stats = RunStats()
        tasks = [Task(s.key, self._runner(s), s.needs, s.label) for s in steps]
        outcomes = await run_graph(tasks, parallelism=parallelism, listener=listener, stats=stats)
        by_key = {s.key: s for s in steps}
        for outcome in outcomes:
            if outcome.status is Status.BLOCKED:
                step = by_key[outcome.key]
                for vm in step.vms:
                    self.results[vm.lower()] = VmResult(
                        vm, step.group, step.want, Result.BLOCKED, detail=outcome.error
                    )
        return outcomes, stats

    def _runner(self, step: Step) -> Callable[[], Awaitable[None]]:
        async def go() -> None:
            await self.run_step(step)

        return go

    async def run_step(self, step: Step) -> None:
        current = self.watcher.states
        todo = [vm for vm in step.vms if not _arrived(current.get(vm.lower()), step.want)]
        for vm in step.vms:
            if vm not in todo:
                self.results[vm.lower()] = VmResult(vm, step.group, step.want, Result.ALREADY)
        if self.gate is not None and step.want == PowerState.DEALLOCATED and todo:
            held = await self.gate.stopping(step, todo)
            for vm, why in held.items():
                self.results[vm.lower()] = VmResult(
                    vm, step.group, step.want, Result.FAILED, 0, why
                )
            todo = [vm for vm in todo if vm not in held]
        attempts = dict.fromkeys(todo, 0)
        # The error code of each VM's last failed attempt, so a retry still going at the
        # deadline is reported with it, not as a bare time-out.
        failures: dict[str, str] = {}
        while todo:
            errors, followed = await self._send_wave(step, todo)
            for vm in todo:
                attempts[vm] += 1
                if errors.get(vm):
                    self.results[vm.lower()] = VmResult(
                        vm, step.group, step.want, Result.FAILED, attempts[vm], errors[vm] or ""
                    )
            todo = [vm for vm in todo if not errors.get(vm)]
            if not todo:
                break
            states = await self._wait(step, [vm for vm in todo if vm not in followed], followed)
            retry: list[str] = []
            for vm in todo:
                state = states.get(vm.lower())
                if state is not None and _arrived(state, step.want):
                    self.results[vm.lower()] = VmResult(
                        vm, step.group, step.want, Result.DONE, attempts[vm]
                    )
                    continue
                why, again = self._no_arrival(followed.get(vm), failures.get(vm)), False
                if state is not None and state.failed_code:
                    why, again = state.failed_code, True
                    failures[vm] = state.failed_code
                elif state is not None and _elsewhere(state, step.want):
                    why, again = f"another operation left it {state.power}", True
                room = self.deadline - time.monotonic()
                pause = self.retry_delay * 2 ** (attempts[vm] - 1)
                if again and room > pause:
                    retry.append(vm)
                    continue
                self.results[vm.lower()] = VmResult(
                    vm, step.group, step.want, Result.FAILED, attempts[vm], why
                )
            if retry:
                await asyncio.sleep(
                    min(self.retry_delay * 2 ** (min(attempts[v] for v in retry) - 1), 300)
                )
            todo = retry
        if self.gate is not None and step.want == PowerState.RUNNING:
            await self._gate_started(step)
        failed = [
            vm
            for vm in step.vms
            if (r := self.results.get(vm.lower())) is not None
            and r.group == step.group
            and r.result is Result.FAILED
        ]
        if failed:
            raise StepFailed(f"{', '.join(failed)} did not reach {step.want}")

    async def _gate_started(self, step: Step) -> None:
        """Hold the step until its VMs are Ready; a VM that is not fails with NotReady."""
        assert self.gate is not None
        by_result: dict[Result, list[str]] = {Result.DONE: [], Result.ALREADY: []}
        for vm in step.vms:
            result = self.results.get(vm.lower())
            if result is not None and result.result in by_result:
                by_result[result.result].append(vm)
        not_ready = await self.gate.started(
            step,
            by_result[Result.DONE],
            by_result[Result.ALREADY],
            needed=step.key in self._needed,
            followed=step.key in self._followed,
        )
        for vm, why in not_ready.items():
            done = self.results[vm.lower()]
            self.results[vm.lower()] = VmResult(
                vm, step.group, step.want, Result.FAILED, done.attempts, why
            )

    async def _send_wave(
        self, step: Step, vms: list[str]
    ) -> tuple[dict[str, str | None], dict[str, tuple[str, str]]]:
        """Send the step's action: through the batch API where it can, else per VM.

        Returns why each VM was refused (None: sent) and, for the VMs the batch took,
        (region, operation id).
        """
        followed: dict[str, tuple[str, str]] = {}
        per_vm = list(vms)
        action = self.batch.action_for(step.want) if self.batch is not None else None
        if self.batch is not None and action is not None:
            per_vm = []
            waves: dict[tuple[str, str], list[str]] = {}
            for vm in vms:
                state = self.watcher.states.get(vm.lower())
                if state is None or not state.resource_id or not state.location:
                    self.fallbacks[vm.lower()] = "its id or region is not known"
                    per_vm.append(vm)
                    continue
                hibernating = action == "deallocate" and vm.lower() in self.hibernate
                kind = "hibernate" if hibernating else action
                waves.setdefault((state.location.lower(), kind), []).append(vm)
            for (region, kind), names in waves.items():
                ids = [self.watcher.states[vm.lower()].resource_id for vm in names]
                try:
                    answers = await self.batch.submit(region, kind, ids)
                except BatchUnavailable as exc:
                    for vm in names:
                        self.fallbacks[vm.lower()] = exc.message
                    per_vm += names
                    continue
                for vm, answer in zip(names, answers, strict=True):
                    if answer.operation_id is None:
                        self.fallbacks[vm.lower()] = answer.error or "refused by the batch"
                        per_vm.append(vm)
                    else:
                        followed[vm] = (region, answer.operation_id)
        errors = dict(
            zip(
                per_vm,
                await asyncio.gather(*(self._send(vm, step.want) for vm in per_vm)),
                strict=True,
            )
        )
        return {vm: errors.get(vm) for vm in vms}, followed

    async def _wait(
        self, step: Step, per_vm: list[str], followed: Mapping[str, tuple[str, str]]
    ) -> dict[str, VmState]:
        """Wait for the VMs sent per VM (the shared list) and the batch's operations (by id)."""
        states: dict[str, VmState] = {}

        async def listed() -> None:
            states.update(
                await self.watcher.wait_until(
                    per_vm,
                    lambda s: (
                        _arrived(s, step.want)
                        or s.failed_code is not None
                        or _elsewhere(s, step.want)
                    ),
                    deadline=self.deadline,
                )
            )

        async def tracked() -> None:
            assert self.batch is not None
            by_region: dict[str, list[str]] = {}
            for region, op_id in followed.values():
                by_region.setdefault(region, []).append(op_id)
            found: dict[str, OpStatus] = {}
            for part in await asyncio.gather(
                *(self.batch.follow(r, ids, self.deadline) for r, ids in by_region.items())
            ):
                found.update(part)
            for vm, (_, op_id) in followed.items():
                state = as_state(vm, step.want, found.get(op_id))
                if state is not None:
                    states[vm.lower()] = state

        await asyncio.gather(*([listed()] if per_vm else []), *([tracked()] if followed else []))
        return states

    def _no_arrival(
        self, operation: tuple[str, str] | None = None, earlier: str | None = None
    ) -> str:
        """Why a VM was not seen arriving: its batch operation's last failed attempt (or the
        code an earlier attempt of this run failed with), or the watcher's last failed read."""
        failed = self.batch.attempt_errors.get(operation[1]) if self.batch and operation else None
        failed = failed or earlier
        if failed is not None:
            return f"timed out; the last attempt failed: {failed}"
        error = self.watcher.last_error
        if error is None:
            return "timed out"
        text = error.message if isinstance(error, AzlabError) else str(error)
        return f"timed out; the last status read failed: {text}"

    async def _send(self, vm: str, want: str) -> str | None:
        """Send the action; return why it was refused, if it was.

        The SDK does not retry a POST whose connection broke (Azure may have
        received it). Sending a start or deallocate again is safe: a VM already
        on its way answers 409, which is watched like our own action.
        """
        compute = self.session.compute.virtual_machines
        begin = compute.begin_start if want == PowerState.RUNNING else compute.begin_deallocate
        hibernating = want != PowerState.RUNNING and vm.lower() in self.hibernate
        options = {"hibernate": True} if hibernating else {}
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(SEND_ATTEMPTS),
                wait=SEND_WAIT,
                retry=retry_if_exception_type(NetworkError),
                reraise=True,
            ):
                with attempt:
                    self.actions_sent += 1
                    with azure_errors(resource=f"vm {vm}"):
                        await begin(self.rg, vm, polling=False, **options)
        except AzureOperationError as exc:
            if exc.status == 409:
                return None  # another operation is on it; watch it like our own
            return exc.message
        except NetworkError as exc:
            return exc.message
        return None


def _arrived(state: VmState | None, want: str) -> bool:
    return state is not None and state.power == want


def _elsewhere(state: VmState, want: str) -> bool:
    """At rest in another state, with no operation on it: nothing more will move it there."""
    return (
        state.power in SETTLED and state.power != want and state.provisioning.lower() == "succeeded"
    )


def summarize(results: Mapping[str, VmResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results.values():
        counts[result.result] = counts.get(result.result, 0) + 1
    return counts
