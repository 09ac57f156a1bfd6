"""The task graph runner: order, bounded concurrency, failure isolation."""

from __future__ import annotations

import threading
import time

import pytest

from azlab.reconcile.executor import CycleError, Listener, RunStats, Status, Task, run_graph


def test_runs_each_task_after_its_needs() -> None:
    order: list[str] = []
    lock = threading.Lock()

    def step(name: str) -> Task[str]:
        def run() -> None:
            with lock:
                order.append(name)

        return Task(name, run, needs=NEEDS[name], label=name)

    NEEDS = {"rg": (), "vnet": ("rg",), "nic": ("vnet",), "disk": ("rg",), "vm": ("nic", "disk")}
    outcomes = run_graph([step(n) for n in NEEDS], parallelism=4)
    assert {o.status for o in outcomes} == {Status.DONE}
    for name, needs in NEEDS.items():
        for need in needs:
            assert order.index(need) < order.index(name)


def test_never_exceeds_parallelism_and_overlaps_independent_work() -> None:
    live = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal live, peak
        with lock:
            live += 1
            peak = max(peak, live)
        time.sleep(0.05)
        with lock:
            live -= 1

    stats = RunStats()
    tasks = [Task(i, work) for i in range(12)]
    run_graph(tasks, parallelism=3, stats=stats)
    assert peak == 3
    assert stats.max_in_flight == 3
    # 12 tasks of 50 ms three at a time take about 4 rounds, far less than 12 in a row.
    assert stats.seconds < 12 * 0.05


def test_failure_blocks_dependents_only() -> None:
    def boom() -> None:
        raise RuntimeError("AllocationFailed: no capacity\nmore detail")

    tasks = [
        Task("nic", boom, label="nic dc01-nic"),
        Task("vm", lambda: None, needs=("nic",), label="vm dc01"),
        Task("other", lambda: None, label="vm sql01"),
    ]
    outcomes = {o.key: o for o in run_graph(tasks, parallelism=2)}
    assert outcomes["nic"].status is Status.FAILED
    assert outcomes["nic"].error == "AllocationFailed: no capacity"
    assert outcomes["vm"].status is Status.BLOCKED
    assert "nic dc01-nic" in outcomes["vm"].error
    assert outcomes["other"].status is Status.DONE


def test_listener_sees_start_and_finish_of_every_task() -> None:
    started: list[str] = []
    finished: list[str] = []
    listener: Listener[str] = Listener(
        started=lambda t: started.append(t.key), finished=lambda o: finished.append(o.key)
    )
    run_graph(
        [Task("a", lambda: None), Task("b", lambda: None, needs=("a",))],
        parallelism=2,
        listener=listener,
    )
    assert started == ["a", "b"]
    assert sorted(finished) == ["a", "b"]


def test_cycle_is_refused_before_anything_runs() -> None:
    ran: list[str] = []
    tasks = [
        Task("a", lambda: ran.append("a"), needs=("b",)),
        Task("b", lambda: ran.append("b"), needs=("a",)),
    ]
    with pytest.raises(CycleError):
        run_graph(tasks, parallelism=2)
    assert ran == []


def test_need_outside_the_graph_counts_as_satisfied() -> None:
    outcomes = run_graph([Task("vm", lambda: None, needs=("existing-vnet",))], parallelism=1)
    assert outcomes[0].status is Status.DONE
