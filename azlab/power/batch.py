"""Power steps through the batch API: waves gathered into requests of up to 100 VMs per region.

Steps that become ready together (the first tier of every group, then the next
tier as the first finishes) each hand their VMs to `BatchPower.submit`; VMs of
one (region, action) arriving within a short window share requests, so a wave
of 500 VMs costs five. The operations are then followed by id: one shared
loop asks `virtualMachinesGetOperationStatus` for every operation due a look,
up to 100 ids per request, first one polling interval after it was submitted.

The answers are turned into the `VmState`s the per-VM path reads from the VM
list, so `PowerRun` judges both paths alike. A region where the API is not
there (namespace not registered, region not offered) is remembered for the
run, and its VMs, like any VM the batch refuses, go to the per-VM call.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from azlab.azure.batch_power import (
    MAX_IDS,
    BatchUnavailable,
    OpStatus,
    RetryPolicy,
    Submitted,
    execute,
    statuses,
)
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.power_state import PowerState, VmState

ENV = "AZLAB_BATCH_POWER"
GATHER_SECONDS = 0.05  # how long a request waits for more VMs of its wave
ACTION = {PowerState.RUNNING.value: "start", PowerState.DEALLOCATED.value: "deallocate"}


def batch_enabled(explicit: bool | None = None, env: dict[str, str] | None = None) -> bool:
    """The batch path is on unless turned off (`--no-batch`, or AZLAB_BATCH_POWER=off)."""
    if explicit is not None:
        return explicit
    value = (os.environ if env is None else env).get(ENV, "on").strip().lower()
    return value not in ("off", "0", "false", "no")


@dataclass
class _Wave:
    ids: list[str] = field(default_factory=list)
    waiters: list[asyncio.Future[Submitted]] = field(default_factory=list)
    flush: asyncio.TimerHandle | None = None


@dataclass
class _Followed:
    region: str
    due: float
    future: asyncio.Future[OpStatus]


class BatchPower:
    def __init__(
        self,
        session: AzureSession,
        *,
        interval: float,
        retry: RetryPolicy | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.session = session
        self.interval = interval
        self.retry = retry or RetryPolicy()
        self.correlation_id = correlation_id or f"azlab-{uuid.uuid4()}"
        self.unavailable: dict[str, str] = {}  # region -> why the batch API is not there
        self.execute_requests = 0
        self.status_requests = 0
        self.last_error: Exception | None = None
        # Operation id -> the error of its last failed attempt, while the service retries it.
        self.attempt_errors: dict[str, str] = {}
        self._waves: dict[tuple[str, str], _Wave] = {}
        self._followed: dict[str, _Followed] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()

    # submitting
    def action_for(self, want: str) -> str | None:
        return ACTION.get(want)

    async def submit(
        self, region: str, action: str, resource_ids: Sequence[str]
    ) -> list[Submitted]:
        """Send the VMs with the rest of their wave; raise BatchUnavailable for the region."""
        key = (region.lower(), action)
        if key[0] in self.unavailable:
            raise BatchUnavailable(self.unavailable[key[0]])
        loop = asyncio.get_running_loop()
        futures = []
        for resource_id in resource_ids:
            wave = self._waves.setdefault(key, _Wave())
            future: asyncio.Future[Submitted] = loop.create_future()
            wave.ids.append(resource_id)
            wave.waiters.append(future)
            futures.append(future)
            if len(wave.ids) >= MAX_IDS:
                self._flush(key)
            elif wave.flush is None:
                wave.flush = loop.call_later(GATHER_SECONDS, self._flush, key)
        return list(await asyncio.gather(*futures))

    def _flush(self, key: tuple[str, str]) -> None:
        wave = self._waves.pop(key, None)
        if wave is None or not wave.ids:
            return
        if wave.flush is not None:
            wave.flush.cancel()
        task = asyncio.create_task(self._send(key, wave))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _send(self, key: tuple[str, str], wave: _Wave) -> None:
        region, action = key
        self.execute_requests += 1
        try:
            answers = await execute(
                self.session, region, action, wave.ids, self.correlation_id, self.retry
            )
        except BatchUnavailable as exc:
            self.unavailable[region] = exc.message
            for future in wave.waiters:
                if not future.done():
                    future.set_exception(BatchUnavailable(exc.message))
            return
        except AzlabError as exc:  # the request itself failed: each VM goes per-VM
            answers = [Submitted(r, None, exc.message) for r in wave.ids]
        for future, answer in zip(wave.waiters, answers, strict=True):
            if not future.done():
                future.set_result(answer)

    # following
    async def follow(
        self, region: str, operation_ids: Sequence[str], deadline: float
    ) -> dict[str, OpStatus]:
        """The operations' final states, as far as they got by the deadline."""
        loop = asyncio.get_running_loop()
        due = time.monotonic() + self.interval
        mine: dict[str, asyncio.Future[OpStatus]] = {}
        for op_id in operation_ids:
            future: asyncio.Future[OpStatus] = loop.create_future()
            self._followed[op_id] = _Followed(region.lower(), due, future)
            mine[op_id] = future
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._poll_loop())
        remaining = max(0.0, deadline - time.monotonic())
        await asyncio.wait(list(mine.values()), timeout=remaining)
        found = {}
        for op_id, future in mine.items():
            if future.done() and not future.cancelled():
                found[op_id] = future.result()
            else:
                self._followed.pop(op_id, None)
        return found

    async def _poll_loop(self) -> None:
        while self._followed:
            now = time.monotonic()
            earliest = min(f.due for f in self._followed.values())
            if earliest > now:
                await asyncio.sleep(earliest - now)
                continue
            # Whatever falls due within a quarter interval shares this round.
            horizon = now + self.interval / 4
            by_region: dict[str, list[str]] = {}
            for op_id, followed in self._followed.items():
                if followed.due <= horizon:
                    by_region.setdefault(followed.region, []).append(op_id)
            chunks = [
                (region, ids[i : i + MAX_IDS])
                for region, ids in by_region.items()
                for i in range(0, len(ids), MAX_IDS)
            ]
            # The round's answers are handed out together once all are in: steps released
            # chunk by chunk entered the health gate's list rounds apart, one round more.
            found = await asyncio.gather(*(self._poll(region, ids) for region, ids in chunks))
            next_due = time.monotonic() + self.interval
            for (_, ids), answers in zip(chunks, found, strict=True):
                self._settle(ids, answers, next_due)

    async def _poll(self, region: str, operation_ids: list[str]) -> dict[str, OpStatus]:
        self.status_requests += 1
        try:
            found = await statuses(self.session, region, operation_ids, self.correlation_id)
        except AzlabError as exc:  # read again next round
            self.last_error = exc
            return {}
        self.last_error = None
        return {s.operation_id: s for s in found}

    def _settle(
        self, operation_ids: list[str], answers: dict[str, OpStatus], next_due: float
    ) -> None:
        for op_id in operation_ids:
            followed = self._followed.get(op_id)
            if followed is None:
                continue
            status = answers.get(op_id)
            if status is not None and status.error_code:
                self.attempt_errors[op_id] = status.error_code
            if status is not None and status.done:
                del self._followed[op_id]
                if not followed.future.done():
                    followed.future.set_result(status)
            else:
                followed.due = next_due

    async def close(self) -> None:
        for wave in self._waves.values():
            if wave.flush is not None:
                wave.flush.cancel()
        self._waves.clear()
        tasks = [*self._sends, *([self._loop_task] if self._loop_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def as_state(name: str, want: str, status: OpStatus | None) -> VmState | None:
    """A batch operation's outcome as the VM state the per-VM path would have read."""
    if status is None or not status.done:
        return None  # still going at the deadline
    if status.state.lower() == "succeeded":
        return VmState(name, want)
    code = status.error_code or status.state
    return VmState(name, PowerState.UNKNOWN.value, f"failed/{code}")
