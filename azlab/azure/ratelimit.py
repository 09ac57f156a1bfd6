"""Reads Azure's rate-limit headers so bulk work can pace itself instead of meeting 429s.

ARM reports what is left of the caller's buckets on every answer:
`x-ms-ratelimit-remaining-subscription-writes: 187`, and for compute
`x-ms-ratelimit-remaining-resource: Microsoft.Compute/PowerAction3Min;120,...`.
`RateLimitMonitor` is an SDK pipeline policy that records them and counts the
429s met; `WritePacer` waits before a write when the smallest bucket is nearly
empty, assuming the documented refill rate.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy

WRITE_HEADERS = (
    "x-ms-ratelimit-remaining-subscription-writes",
    "x-ms-ratelimit-remaining-subscription-global-writes",
)
RESOURCE_HEADER = "x-ms-ratelimit-remaining-resource"


class RateLimitMonitor(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Records the remaining write budget and the number of 429 answers."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.throttled = 0
        self.requests = 0
        self.remaining_writes: int | None = None
        self.seen_at = 0.0

    def on_response(self, request: Any, response: Any) -> None:
        http = response.http_response
        headers = http.headers
        budgets: list[int] = []
        for name in WRITE_HEADERS:
            value = headers.get(name)
            if value and value.strip().isdigit():
                budgets.append(int(value))
        for entry in (headers.get(RESOURCE_HEADER) or "").split(","):
            _, _, count = entry.partition(";")
            if count.strip().isdigit():
                budgets.append(int(count))
        with self._lock:
            self.requests += 1
            if http.status_code == 429:
                self.throttled += 1
            if budgets and request.http_request.method in ("PUT", "POST", "PATCH", "DELETE"):
                self.remaining_writes = min(budgets)
                self.seen_at = time.monotonic()


class WritePacer:
    """Holds writes back while the tightest reported bucket is near empty."""

    def __init__(
        self, monitor: RateLimitMonitor, *, refill_per_second: float = 8.0, reserve: int = 5
    ) -> None:
        self.monitor = monitor
        self.refill = refill_per_second
        self.reserve = reserve
        self.waited = 0.0
        self._lock = asyncio.Lock()
        self._observed_at = 0.0
        self._spent = 0

    async def acquire(self) -> None:
        """Return when one more write fits in the budget."""
        async with self._lock:
            while True:
                budget = self._estimate()
                if budget is None or budget > self.reserve:
                    self._spent += 1
                    return
                pause = max(0.05, (self.reserve + 1 - budget) / self.refill)
                self.waited += pause
                await asyncio.sleep(pause)

    def _estimate(self) -> float | None:
        seen = self.monitor.remaining_writes
        if seen is None:
            return None
        if self.monitor.seen_at != self._observed_at:
            # A fresh answer already counts the writes made before it.
            self._observed_at = self.monitor.seen_at
            self._spent = 0
        refilled = (time.monotonic() - self._observed_at) * self.refill
        return seen + refilled - self._spent
