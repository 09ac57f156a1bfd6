"""Runs a graph of tasks with bounded concurrency, each as soon as its own needs are done.

Tasks are coroutines: an operation that waits minutes for Azure holds no
thread, so hundreds can be in flight at once. Starting each task the moment
its needs finish (rather than in whole waves) keeps a run close to its
critical path. A failed task marks every task that needs it as blocked; the
others go on.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from azlab.errors import AzlabError, CycleError

K = TypeVar("K", bound=Hashable)


class Status(str, Enum):
    DONE = "done"
    FAILED = "failed"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Task(Generic[K]):
    key: K
    run: Callable[[], Awaitable[object]]
    needs: tuple[K, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Outcome(Generic[K]):
    key: K
    status: Status
    label: str
    seconds: float = 0.0
    error: str = ""


@dataclass
class RunStats:
    max_in_flight: int = 0
    seconds: float = 0.0


def _ignore(_: object) -> None:
    return None


@dataclass
class Listener(Generic[K]):
    """Callbacks for progress displays."""

    started: Callable[[Task[K]], None] = field(default=_ignore)
    finished: Callable[[Outcome[K]], None] = field(default=_ignore)


_frozen = 0
_frozen_lock = threading.Lock()


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Keep what exists before a run out of the garbage collector's sight during it.

    A run makes hundreds of thousands of short-lived objects (coroutines, requests,
    answers), and every so often the collector's oldest generation rescans every object
    in the process: 170,000 from the SDKs alone, 50 to 150 ms each time, with every
    operation in flight stalled behind it. Objects made during the run are collected as
    usual; the frozen ones return to the collector when the last run ends.
    """
    global _frozen
    with _frozen_lock:
        if _frozen == 0:
            gc.freeze()
        _frozen += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen -= 1
            if _frozen == 0:
                gc.unfreeze()


async def run_graph(
    tasks: Iterable[Task[K]],
    *,
    parallelism: int,
    listener: Listener[K] | None = None,
    stats: RunStats | None = None,
) -> list[Outcome[K]]:
    """Run every task once its needs are done; return one outcome per task, in task order."""
    if parallelism < 1:
        raise ValueError("parallelism must be at least 1")
    listener = listener or Listener()
    stats = stats if stats is not None else RunStats()
    by_key: dict[K, Task[K]] = {t.key: t for t in tasks}
    # A need outside the graph is already satisfied (a resource that exists).
    pending: dict[K, set[K]] = {k: {n for n in t.needs if n in by_key} for k, t in by_key.items()}
    dependents: dict[K, list[K]] = {k: [] for k in by_key}
    for key, needs in pending.items():
        for need in needs:
            dependents[need].append(key)
    _check_acyclic(pending)

    outcomes: dict[K, Outcome[K]] = {}
    ready = [k for k, needs in pending.items() if not needs]
    running: dict[asyncio.Task[Outcome[K]], K] = {}
    # Each task reports its own end: waiting on all of them at once (asyncio.wait) added
    # and removed a callback on every running task for each that ended, O(n^2) in a burst.
    ended: asyncio.Queue[asyncio.Task[Outcome[K]]] = asyncio.Queue()
    begin = time.monotonic()

    async def execute(task: Task[K]) -> Outcome[K]:
        listener.started(task)
        t0 = time.monotonic()
        try:
            await task.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure becomes an outcome; the run goes on
            outcome = Outcome(task.key, Status.FAILED, task.label, time.monotonic() - t0, _say(exc))
        else:
            outcome = Outcome(task.key, Status.DONE, task.label, time.monotonic() - t0)
        listener.finished(outcome)
        return outcome

    def block(key: K, because: str) -> None:
        for child in dependents[key]:
            if child in outcomes:
                continue
            outcome = Outcome(child, Status.BLOCKED, by_key[child].label, error=because)
            outcomes[child] = outcome
            listener.finished(outcome)
            block(child, because)

    with _heap_frozen():
        try:
            while ready or running:
                while ready and len(running) < parallelism:
                    key = ready.pop(0)
                    if key not in outcomes:
                        started = asyncio.create_task(execute(by_key[key]))
                        started.add_done_callback(ended.put_nowait)
                        running[started] = key
                        stats.max_in_flight = max(stats.max_in_flight, len(running))
                if not running:
                    continue
                done = [await ended.get()]
                while not ended.empty():
                    done.append(ended.get_nowait())
                for finished in done:
                    key = running.pop(finished)
                    outcome = finished.result()
                    outcomes[key] = outcome
                    if outcome.status is Status.DONE:
                        for child in dependents[key]:
                            pending[child].discard(key)
                            if not pending[child] and child not in outcomes:
                                ready.append(child)
                    else:
                        block(key, f"needs {by_key[key].label or key}, which failed")
        finally:
            for leftover in running:
                leftover.cancel()
    stats.seconds = time.monotonic() - begin
    return [outcomes[k] for k in by_key if k in outcomes]


def _say(exc: Exception) -> str:
    if isinstance(exc, AzlabError):
        return str(exc)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_acyclic(pending: Mapping[K, set[K]]) -> None:
    remaining = {k: set(v) for k, v in pending.items()}
    while remaining:
        free = [k for k, needs in remaining.items() if not needs]
        if not free:
            raise CycleError(f"tasks need each other: {sorted(map(str, remaining))[:5]}")
        for k in free:
            del remaining[k]
        for needs in remaining.values():
            needs.difference_update(free)
