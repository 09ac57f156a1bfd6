"""One shared view of every VM's power state, refreshed by one paged list call per round.

Waiters for hundreds of VMs share each round, so the reads per round stay a
few list pages no matter how many VMs are in flight: never a GET or an
operation-status poll per VM.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable, Mapping

from azlab.azure.power import list_states
from azlab.azure.session import AzureSession
from azlab.power_state import VmState

# A round waits this long for more waiters once the first arrives: steps released by one
# answer reach their waits a few hops apart, and each one late would cost a round more.
GATHER_SECONDS = 0.05


class StateWatcher:
    """Refreshes the states while anyone waits, at most once per `interval`."""

    def __init__(
        self,
        session: AzureSession,
        resource_group: str,
        *,
        interval: float = 5.0,
        initial: Mapping[str, VmState] | None = None,
    ) -> None:
        self.session = session
        self.resource_group = resource_group
        self.interval = interval
        self.states: dict[str, VmState] = dict(initial or {})
        self.rounds = 0
        self._begun = 0  # rounds begun; `states` come from round number `_read_in`
        self._read_in = 0
        self._refreshed = asyncio.Event()
        self._waiters = 0
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0
        self.last_error: Exception | None = None  # of the latest round, if it failed

    async def refresh(self) -> None:
        self._begun += 1
        number = self._begun
        self.states = await list_states(self.session, self.resource_group)
        self.last_error = None
        self._read_in = number
        self.rounds += 1
        self._last = time.monotonic()
        event, self._refreshed = self._refreshed, asyncio.Event()
        event.set()

    async def _loop(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        while self._waiters:
            delay = self.interval - (time.monotonic() - self._last)
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await self.refresh()
            except Exception as exc:  # a failed round is retried next round
                self.last_error = exc
                self._last = time.monotonic()
        self._task = None

    async def wait_until(
        self, names: Iterable[str], done: Callable[[VmState], bool], *, deadline: float
    ) -> dict[str, VmState]:
        """Wait until `done(state)` holds for every named VM, or the deadline passes.

        Only states read after this call count, so an answer from before an
        action was sent is never taken for its result: not even a round already
        under way when it was called.
        """
        wanted = [n.lower() for n in names]
        entered = self._begun
        self._waiters += 1
        if self._task is None:
            self._task = asyncio.create_task(self._loop())
        try:
            while True:
                current = {n: self.states.get(n) for n in wanted}
                fresh = self._read_in > entered
                if fresh and all(s is not None and done(s) for s in current.values()):
                    return {n: s for n, s in current.items() if s is not None}
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return {n: s for n, s in current.items() if s is not None}
                event = self._refreshed
                try:
                    await asyncio.wait_for(event.wait(), timeout=remaining)
                except asyncio.TimeoutError:
                    continue
        finally:
            self._waiters -= 1

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
