"""The task graph runner: order, bounded concurrency, failure isolation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from azlab.errors import CycleError
from azlab.graph import (
    Listener,
    Outcome,
    RunStats,
    Status,
    Task,
    run_graph,
)


def run(
    tasks: list[Task[str]],
    parallelism: int,
    listener: Listener[str] | None = None,
    stats: RunStats | None = None,
) -> dict[str, Outcome[str]]:
    outcomes = asyncio.run(
        run_graph(tasks, parallelism=parallelism, listener=listener, stats=stats)
    )
    return {o.key: o for o in outcomes}


def noop() -> Callable[[], Awaitable[None]]:
    async def go() -> None:
        return None

    return go


def test_runs_each_task_after_its_needs() -> None:
    order: list[str] = []
    needs = {"rg": (), "vnet": ("rg",), "nic": ("vnet",), "disk": ("rg",), "vm": ("nic", "disk")}

    def step(name: str) -> Task[str]:
        async def go() -> None:
            await asyncio.sleep(0.001)
            order.append(name)

        return Task(name, go, needs=needs[name], label=name)

    outcomes = run([step(n) for n in needs], parallelism=4)
    assert {o.status for o in outcomes.values()} == {Status.DONE}
    for name, wanted in needs.items():
        for need in wanted:
            assert order.index(need) < order.index(name)


def test_never_exceeds_parallelism_and_overlaps_independent_work() -> None:
    live = 0
    peak = 0

    async def work() -> None:
        nonlocal live, peak
        live += 1
        peak = max(peak, live)
        await asyncio.sleep(0.05)
        live -= 1

    stats = RunStats()
    run([Task(str(i), work) for i in range(12)], parallelism=3, stats=stats)
    assert peak == 3
    assert stats.max_in_flight == 3
    # Twelve 50 ms tasks three at a time take about four rounds, far less than twelve in a row.
    assert stats.seconds < 12 * 0.05


def test_hundreds_in_flight_need_no_threads() -> None:
    async def wait() -> None:
        await asyncio.sleep(0.2)

    stats = RunStats()
    t0 = time.monotonic()
    run([Task(str(i), wait) for i in range(500)], parallelism=500, stats=stats)
    assert stats.max_in_flight == 500
    assert time.monotonic() - t0 < 2.0


def test_failure_blocks_dependents_only() -> None:
    async def boom() -> None:
        raise RuntimeError("AllocationFailed: no capacity\nmore detail")

    outcomes = run(
        [
            Task("nic", boom, label="nic dc01-nic"),
            Task("vm", noop(), needs=("nic",), label="vm dc01"),
            Task("vm2", noop(), needs=("vm",), label="vm dc02"),
            Task("other", noop(), label="vm sql01"),
        ],
        parallelism=2,
    )
    assert outcomes["nic"].status is Status.FAILED
    assert outcomes["nic"].error == "AllocationFailed: no capacity"
    assert outcomes["vm"].status is Status.BLOCKED
    assert "nic dc01-nic" in outcomes["vm"].error
    assert outcomes["vm2"].status is Status.BLOCKED
    assert outcomes["other"].status is Status.DONE


def test_listener_sees_start_and_finish_of_every_task() -> None:
    started: list[str] = []
    finished: list[str] = []
    listener: Listener[str] = Listener(
        started=lambda t: started.append(t.key), finished=lambda o: finished.append(o.key)
    )
    run([Task("a", noop()), Task("b", noop(), needs=("a",))], parallelism=2, listener=listener)
    assert started == ["a", "b"]
    assert finished == ["a", "b"]


def test_cycle_is_refused_before_anything_runs() -> None:
    ran: list[str] = []

    async def mark() -> None:
        ran.append("x")

    with pytest.raises(CycleError):
        run([Task("a", mark, needs=("b",)), Task("b", mark, needs=("a",))], parallelism=2)
    assert ran == []


def test_need_outside_the_graph_counts_as_satisfied() -> None:
    outcomes = run([Task("vm", noop(), needs=("existing-vnet",))], parallelism=1)
    assert outcomes["vm"].status is Status.DONE
