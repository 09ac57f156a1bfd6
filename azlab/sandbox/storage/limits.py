"""Per-blob throughput limits: a token bucket per blob for bytes and one for requests.

A bucket may go into debt by one request's worth (the size of a read is known
only once it is answered), and refuses while in debt, as a busy blob does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from azlab.sandbox.storage.gateway_settings import BlobLimits


@dataclass
class _Bucket:
    rate: float
    level: float
    stamp: float

    def take(self, now: float, amount: float) -> bool:
        self.level = min(self.rate, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.level < 0:
            return False
        self.level -= amount
        return True


class BlobBuckets:
    def __init__(self, limits: BlobLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._bytes: dict[str, _Bucket] = {}
        self._requests: dict[str, _Bucket] = {}
        self.refused = 0

    def admit(self, blob: str, nbytes: int) -> bool:
        now = self.clock()
        ok = True
        if self.limits.requests_per_s > 0:
            bucket = self._requests.setdefault(
                blob, _Bucket(self.limits.requests_per_s, self.limits.requests_per_s, now)
            )
            ok = bucket.take(now, 1) and ok
        if ok and self.limits.bytes_per_s > 0:
            bucket = self._bytes.setdefault(
                blob, _Bucket(self.limits.bytes_per_s, self.limits.bytes_per_s, now)
            )
            ok = bucket.take(now, nbytes)
        if not ok:
            self.refused += 1
        return ok
