"""Pacing from Azure's remaining-budget headers."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from azlab.azure.ratelimit import Budget, PacingPolicy, kind_of, schedule_kind


def test_request_kinds_follow_arm_buckets() -> None:
    assert [kind_of(m) for m in ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE")] == [
        "read",
        "read",
        "write",
        "write",
        "write",
        "delete",
    ]


def test_waits_when_the_reported_budget_is_spent_and_not_before() -> None:
    async def go() -> tuple[float, float]:
        budget = Budget(refill=10.0, reserve=5)
        budget.observe(7, time.monotonic())
        await budget.acquire()  # 7 left: goes at once
        await budget.acquire()  # 6 left, one in flight: goes at once
        quick = budget.waited
        await budget.acquire()  # about 5 left: at the reserve
        await budget.acquire()  # about 4 left: under it, waits for refill
        return quick, budget.waited

    quick, waited = asyncio.run(go())
    assert quick == 0
    assert waited > 0


def test_first_answer_decides_whether_to_pace() -> None:
    async def go() -> bool:
        budget = Budget(refill=10.0)
        await budget.acquire()  # the probe
        second = asyncio.create_task(budget.acquire())
        await asyncio.sleep(0.05)
        held = not second.done()  # a burst waits for the first answer
        budget.in_flight -= 1
        budget.observe(None, time.monotonic())  # that answer reports no budget: no pacing
        await asyncio.wait_for(second, 1)
        return held

    assert asyncio.run(go()) is True


def test_compute_schedule_budgets_are_kept_apart_from_arms() -> None:
    """ComputeSchedule's remaining count refills at its own rate: it must not be taken for
    ARM's write budget (10/s), nor ARM's for its own."""
    base = "https://arm/subscriptions/s/providers/Microsoft.ComputeSchedule/locations/westus2/"
    assert schedule_kind(base + "virtualMachinesExecuteStart") == "execute"
    assert schedule_kind(base + "virtualMachinesGetOperationStatus") == "read"
    assert schedule_kind("https://arm/subscriptions/s/providers/Microsoft.Compute/x") is None

    class Answer:
        def __init__(self, headers: dict[str, str]) -> None:
            self.http_response = SimpleNamespace(status_code=200, headers=headers)

    class Next:
        async def send(self, request: object) -> Answer:
            return Answer(
                {
                    "x-ms-ratelimit-remaining-subscription-writes": "190",
                    "x-ms-ratelimit-remaining-resource": "Microsoft.ComputeSchedule/ExecuteVM3Min;41",
                }
            )

    policy = PacingPolicy()
    policy.next = Next()  # type: ignore[assignment]
    request = SimpleNamespace(
        http_request=SimpleNamespace(method="POST", url=base + "virtualMachinesExecuteStart")
    )
    asyncio.run(policy.send(request))
    assert policy.budgets["write"].seen == 190
    assert policy.schedule_budgets["execute"].seen == 41
    assert policy.schedule_budgets["read"].seen is None
