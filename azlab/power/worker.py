"""The fan-out's worker: take group actions from the queue and carry them out.

Each message is handled on its own: a finished, superseded or unreadable one
is deleted (unreadable ones are copied to the poison queue first); one whose
dependencies are not there yet is put back with a delay as a fresh message; a
failed one becomes visible again after `retry_delay` and, once it has been
tried `max_dequeue` times, moves to the poison queue, as the Functions host
does with its queue triggers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from azure.storage.queue import QueueMessage
from azure.storage.queue.aio import QueueClient
from tenacity import stop_after_attempt, wait_fixed

from azlab.azure.power import list_states
from azlab.azure.session import AzureSession, Target
from azlab.errors import BusyError
from azlab.money.gate import TickMoney
from azlab.plan.model import Plan
from azlab.power import tick as ticking
from azlab.power.enforce import Result
from azlab.power.fanout import BadMessage, GroupAction, check_plan_matches, waiting_on
from azlab.power.lease import group_leases
from azlab.power.queue import ensure_queue, open_queue, poison_url
from azlab.retry import stops_after, wait_after

log = logging.getLogger("azlab.worker")

Clock = Callable[[], datetime]


class Disposal(str, Enum):
    """What became of one queued group action."""

    DONE = "done"
    SUPERSEDED = "superseded"  # the schedule no longer wants it
    WAITING = "waiting"  # put back until its dependencies are there
    FAILED = "failed"  # visible again after `retry_delay`
    POISONED = "poisoned"  # moved to the poison queue

    def __str__(self) -> str:
        return self.value


@dataclass
class Handled:
    group: str
    want: str
    result: Disposal
    detail: str = ""


def shifted_clock(at: datetime | None) -> Clock:
    """The current time, or a clock that started at `at` (rehearsals and tests)."""
    if at is None:
        return lambda: datetime.now(timezone.utc)
    began = time.monotonic()
    return lambda: at + timedelta(seconds=time.monotonic() - began)


async def carry_out(
    session: AzureSession,
    plan: Plan,
    action: GroupAction,
    now: datetime,
    *,
    deadline_seconds: float,
    poll_interval: float,
    money: TickMoney | None = None,
    batch: bool | None = None,
) -> Handled:
    """Re-evaluate the group's schedule (and budget) at `now`; act only if it still wants this.

    A group another run holds the lease of is put back to wait, like a dependency."""
    check_plan_matches(plan, action)
    try:
        async with group_leases(session, plan, [action.group], command="worker", wait=0):
            return await _carry_out(
                session,
                plan,
                action,
                now,
                deadline_seconds=deadline_seconds,
                poll_interval=poll_interval,
                money=money,
                batch=batch,
            )
    except BusyError as exc:
        return Handled(action.group, action.want, Disposal.WAITING, exc.message)


async def _carry_out(
    session: AzureSession,
    plan: Plan,
    action: GroupAction,
    now: datetime,
    *,
    deadline_seconds: float,
    poll_interval: float,
    money: TickMoney | None,
    batch: bool | None,
) -> Handled:
    wants, reasons = ticking.group_wants(plan, now)
    if money is not None:
        wants, reasons = await money.before(session, wants, reasons, now)
    if wants.get(action.group) != action.want:
        return Handled(
            action.group, action.want, Disposal.SUPERSEDED, f"now wants {wants[action.group]}"
        )
    states = await list_states(session, plan.resource_group)
    blocking = waiting_on(plan, action, wants, states, now)
    if blocking:
        if now > action.not_after:
            return Handled(
                action.group,
                action.want,
                Disposal.FAILED,
                f"gave up waiting for {', '.join(blocking)} at {action.not_after:%H:%M} UTC",
            )
        return Handled(action.group, action.want, Disposal.WAITING, f"for {', '.join(blocking)}")
    only = {g: (w if g == action.group else None) for g, w in wants.items()}
    report = await ticking.enforce(
        session,
        plan,
        only,
        reasons,
        now,
        deadline_seconds=deadline_seconds,
        poll_interval=poll_interval,
        retry_delay=max(poll_interval, 1.0),
        ledger=None if money is None else money.recorder,
        batch=batch,
    )
    failed = [
        f"{r.vm}: {r.detail or r.result}"
        for r in report.results.values()
        if r.result in (Result.FAILED, Result.BLOCKED)
    ]
    if failed:
        return Handled(action.group, action.want, Disposal.FAILED, "; ".join(failed))
    acted = sum(1 for r in report.results.values() if r.result is Result.DONE)
    return Handled(action.group, action.want, Disposal.DONE, f"{acted} VMs acted on")


class Worker:
    def __init__(
        self,
        plan: Plan,
        target: Target,
        queue_url: str,
        *,
        concurrency: int = 8,
        visibility: float = 300.0,
        retry_delay: float = 30.0,
        wait_delay: float = 15.0,
        max_dequeue: int = 5,
        deadline_seconds: float = 240.0,
        clock: Clock | None = None,
        batch: bool | None = None,
    ) -> None:
        self.plan = plan
        self.target = target
        self.batch = batch
        self.queue_url = queue_url
        self.concurrency = concurrency
        self.visibility = visibility
        self.retry_delay = retry_delay
        # Carried out by the queue: visible again after the wait, poisoned at the stop.
        self.retry_wait = wait_fixed(retry_delay)
        self.retry_stop = stop_after_attempt(max_dequeue)
        self.wait_delay = wait_delay
        self.max_dequeue = max_dequeue
        self.deadline_seconds = deadline_seconds
        self.clock = clock or shifted_clock(None)
        self.handled: list[Handled] = []
        self.money = TickMoney(plan, "worker")

    async def run(self, *, drain: bool = False, idle_sleep: float = 2.0) -> list[Handled]:
        """Work until stopped; with `drain`, until the queue holds no message at all."""
        poll = self.target.polling_interval if self.target.polling_interval is not None else 5.0
        async with AsyncExitStack() as stack:
            queue = open_queue(self.queue_url, stack)
            poison = open_queue(poison_url(self.queue_url), stack)
            await ensure_queue(queue)
            session = await stack.enter_async_context(AzureSession(self.target))
            slots = asyncio.Semaphore(self.concurrency)
            while True:
                batch = [
                    m
                    async for m in queue.receive_messages(
                        max_messages=min(32, self.concurrency),
                        visibility_timeout=int(self.visibility),
                    )
                ]
                if batch:
                    await asyncio.gather(
                        *(self._handle(m, queue, poison, session, poll, slots) for m in batch)
                    )
                    continue
                if drain and (await queue.get_queue_properties()).approximate_message_count == 0:
                    return self.handled
                await asyncio.sleep(idle_sleep)

    async def _handle(
        self,
        message: QueueMessage,
        queue: QueueClient,
        poison: QueueClient,
        session: AzureSession,
        poll: float,
        slots: asyncio.Semaphore,
    ) -> None:
        async with slots:
            try:
                action = GroupAction.from_json(message.content)
            except BadMessage as exc:
                await self._poison(message, queue, poison)
                self._record(Handled("?", "?", Disposal.POISONED, str(exc)))
                return
            try:
                outcome = await carry_out(
                    session,
                    self.plan,
                    action,
                    self.clock(),
                    deadline_seconds=self.deadline_seconds,
                    poll_interval=poll,
                    money=self.money,
                    batch=self.batch,
                )
            except BadMessage as exc:
                await self._poison(message, queue, poison)
                self._record(Handled(action.group, action.want, Disposal.POISONED, str(exc)))
                return
            except Exception as exc:  # an outage of ARM: retried like any failure
                outcome = Handled(
                    action.group, action.want, Disposal.FAILED, f"{type(exc).__name__}: {exc}"
                )
            if outcome.result in (Disposal.DONE, Disposal.SUPERSEDED):
                await queue.delete_message(message)
            elif outcome.result is Disposal.WAITING:
                # A fresh message, so waiting does not count as a failed attempt.
                await queue.send_message(message.content, visibility_timeout=int(self.wait_delay))
                await queue.delete_message(message)
            elif stops_after(self.retry_stop, message.dequeue_count or 0):
                await self._poison(message, queue, poison)
                outcome.result = Disposal.POISONED
            else:
                delay = wait_after(self.retry_wait, message.dequeue_count or 0)
                await queue.update_message(message, visibility_timeout=int(delay))
            self._record(outcome)

    async def _poison(self, message: QueueMessage, queue: QueueClient, poison: QueueClient) -> None:
        await ensure_queue(poison)
        await poison.send_message(message.content)
        await queue.delete_message(message)

    def _record(self, outcome: Handled) -> None:
        self.handled.append(outcome)
        log.info("%s %s: %s %s", outcome.want, outcome.group, outcome.result, outcome.detail)
