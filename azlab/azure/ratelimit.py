"""Pace requests from Azure's rate-limit headers instead of running into 429s.

ARM reports what is left of the caller's buckets on every answer:
`x-ms-ratelimit-remaining-subscription-reads: 187` (and `-writes`, `-deletes`),
and for compute `x-ms-ratelimit-remaining-resource: Microsoft.Compute/PutVM3Min;120`.
`PacingPolicy` is an SDK pipeline policy: before each request it waits while
the budget for that kind of request, as last reported and refilled since at
the documented rate, is nearly spent; it also counts the 429s met. Being in
the pipeline, it paces everything, long-running-operation polls included.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from azure.core.pipeline.policies import AsyncHTTPPolicy

# Documented refill rates per second of ARM's per-subscription buckets.
REFILL = {"read": 25.0, "write": 10.0, "delete": 10.0}
HEADERS = {
    "read": "x-ms-ratelimit-remaining-subscription-reads",
    "write": "x-ms-ratelimit-remaining-subscription-writes",
    "delete": "x-ms-ratelimit-remaining-subscription-deletes",
}
RESOURCE_HEADER = "x-ms-ratelimit-remaining-resource"
# Microsoft.ComputeSchedule publishes no limits: refills per second assumed as the sandbox
# assumes them (docs/sandbox.md), for its execute requests and its status reads.
SCHEDULE = "Microsoft.ComputeSchedule/"
SCHEDULE_REFILL = {"execute": 20 / 60, "read": 100 / 60}


def schedule_kind(url: str) -> str | None:
    """Which ComputeSchedule budget a request spends, from its URL (None: not one)."""
    lowered = url.lower()
    if "/providers/microsoft.computeschedule/" not in lowered:
        return None
    return "execute" if "/virtualmachinesexecute" in lowered else "read"


def kind_of(method: str) -> str:
    return {"GET": "read", "HEAD": "read", "DELETE": "delete"}.get(method.upper(), "write")


@dataclass
class Budget:
    """One bucket as the caller sees it: the last reported level, refilled since, minus the
    requests sent and not answered yet (the service has not counted those)."""

    refill: float
    reserve: int = 5
    # None until the first answer: is this budget reported at all? (The sandbox without
    # throttling reports nothing; then there is nothing to pace.)
    reported: bool | None = None
    seen: float | None = None
    seen_at: float = 0.0
    in_flight: int = 0
    waited: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def estimate(self, now: float) -> float | None:
        if self.seen is None:
            return None
        return self.seen + (now - self.seen_at) * self.refill - self.in_flight

    def observe(self, remaining: int | None, now: float) -> None:
        if remaining is None:
            if self.reported is None:
                self.reported = False
            return
        self.reported = True
        self.seen, self.seen_at = float(remaining), now

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                if self.reported is None and self.in_flight >= 1:
                    # Learn the budget from the first answer before sending a burst.
                    await asyncio.sleep(0.02)
                    continue
                level = self.estimate(time.monotonic())
                if level is None or level > self.reserve:
                    self.in_flight += 1
                    return
                pause = max(0.05, (self.reserve + 1 - level) / self.refill)
                self.waited += pause
                await asyncio.sleep(pause)


class PacingPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Waits for budget before each request; records budgets and 429s from each answer."""

    def __init__(self) -> None:
        super().__init__()
        self.budgets = {kind: Budget(refill) for kind, refill in REFILL.items()}
        self.schedule_budgets = {k: Budget(r, reserve=2) for k, r in SCHEDULE_REFILL.items()}
        self.throttled = 0
        self.requests = 0

    @property
    def waited(self) -> float:
        budgets = [*self.budgets.values(), *self.schedule_budgets.values()]
        return sum(b.waited for b in budgets)

    async def send(self, request: Any) -> Any:
        kind = kind_of(request.http_request.method)
        budget = self.budgets[kind]
        schedule = schedule_kind(str(request.http_request.url))
        extra = self.schedule_budgets[schedule] if schedule is not None else None
        if extra is not None:
            await extra.acquire()
        await budget.acquire()
        try:
            response = await self.next.send(request)
        finally:
            budget.in_flight -= 1
            if extra is not None:
                extra.in_flight -= 1
        self.requests += 1
        http = response.http_response
        if http.status_code == 429:
            self.throttled += 1
        levels: list[int] = []
        own: list[int] = []
        value = http.headers.get(HEADERS[kind])
        if value and value.strip().isdigit():
            levels.append(int(value))
        for entry in (http.headers.get(RESOURCE_HEADER) or "").split(","):
            policy, _, count = entry.partition(";")
            if count.strip().isdigit():
                # ComputeSchedule's buckets refill at their own rate: kept apart from ARM's.
                (own if policy.strip().startswith(SCHEDULE) else levels).append(int(count))
        now = time.monotonic()
        budget.observe(min(levels) if levels else None, now)
        if extra is not None:
            extra.observe(min(own) if own else None, now)
        return response
