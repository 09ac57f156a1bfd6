"""Azure's published request limits as token buckets, answering 429 with Retry-After.

ARM, per subscription and region: reads 250 (refill 25/s), writes 200 (10/s),
deletes 200 (10/s). Compute, per region: power actions and put/delete 12 per VM
(refill 4/min) and 1,500 per subscription (500/min); gets 36 per VM (12/min)
and 24,000 per subscription (8,000/min); lists 900 per subscription (300/min).
Microsoft.ComputeSchedule publishes no limits; the sandbox assumes its own
buckets per subscription and region (docs/sandbox.md): execute requests 60
(refill 20/min), status, cancel and error reads 300 (100/min), on top of ARM's.
`xN` scales every bucket and refill by N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ARM_LIMITS = {"read": (250, 25.0), "write": (200, 10.0), "delete": (200, 10.0)}
COMPUTE_SUB = {"action": (1500, 500 / 60), "get": (24000, 8000 / 60), "list": (900, 300 / 60)}
COMPUTE_VM = {"action": (12, 4 / 60), "get": (36, 12 / 60)}
SCHEDULE = {"schedule-execute": (60, 20 / 60), "schedule-read": (300, 100 / 60)}
SCHEDULE_POLICY = {"schedule-execute": "ExecuteVM3Min", "schedule-read": "ReadVM3Min"}
HEADER_NAMES = {
    "read": "x-ms-ratelimit-remaining-subscription-reads",
    "write": "x-ms-ratelimit-remaining-subscription-writes",
    "delete": "x-ms-ratelimit-remaining-subscription-deletes",
}
COMPUTE_POLICY = {"action": "PutVM", "get": "GetVM", "list": "ListVM"}


@dataclass
class Bucket:
    capacity: float
    refill: float  # tokens per second
    tokens: float
    stamp: float

    def level(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.refill)
        self.stamp = now
        return self.tokens

    def wait_for_one(self, now: float) -> float:
        missing = 1 - self.level(now)
        return 0.0 if missing <= 0 else missing / self.refill


class Throttle:
    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.buckets: dict[tuple[str, ...], Bucket] = {}

    def _bucket(self, key: tuple[str, ...], limit: tuple[float, float], now: float) -> Bucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            capacity, refill = limit[0] * self.scale, limit[1] * self.scale
            bucket = Bucket(capacity, refill, capacity, now)
            self.buckets[key] = bucket
        return bucket

    def take(
        self,
        subscription: str,
        arm_kind: str,
        compute_kind: str | None,
        vm: str | None,
        now: float,
        region: str = "",
    ) -> tuple[int | None, dict[str, str]]:
        """Spend one token from each bucket the request uses.

        Returns (retry-after seconds, None when allowed) and the remaining-count headers.
        """
        used: list[tuple[Bucket, str | None]] = [
            (self._bucket(("arm", subscription, arm_kind), ARM_LIMITS[arm_kind], now), arm_kind)
        ]
        schedule = SCHEDULE.get(compute_kind or "")
        if schedule is not None:
            key = ("sched", subscription.lower(), region.lower(), str(compute_kind))
            used.append((self._bucket(key, schedule, now), None))
        elif compute_kind is not None:
            limit = COMPUTE_SUB.get(compute_kind)
            if limit is not None:
                used.append((self._bucket(("csub", subscription, compute_kind), limit, now), None))
            per_vm = COMPUTE_VM.get(compute_kind)
            if vm is not None and per_vm is not None:
                used.append((self._bucket(("cvm", vm.lower(), compute_kind), per_vm, now), None))
        waits = [bucket.wait_for_one(now) for bucket, _ in used]
        wait = max(waits)
        if wait <= 0:
            for bucket, _ in used:
                bucket.tokens -= 1
        headers = {HEADER_NAMES[arm_kind]: str(int(used[0][0].tokens))}
        if schedule is not None:
            headers["x-ms-ratelimit-remaining-resource"] = (
                f"Microsoft.ComputeSchedule/{SCHEDULE_POLICY[str(compute_kind)]};{int(used[1][0].tokens)}"
            )
        elif compute_kind is not None and len(used) > 1:
            # Like Azure, report the subscription's compute bucket, not the per-VM one.
            policy = COMPUTE_POLICY.get(compute_kind, "PutVM")
            headers["x-ms-ratelimit-remaining-resource"] = (
                f"Microsoft.Compute/{policy}3Min;{int(used[1][0].tokens)}"
            )
        if wait > 0:
            return max(1, math.ceil(wait)), headers
        return None, headers
