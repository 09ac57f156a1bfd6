"""What a command writes to the ledger: the states it saw and the ones it brought VMs to."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.money.blob_ledger import open_store
from azlab.money.ledger import Entry, Store, month_of
from azlab.plan.model import Plan

log = logging.getLogger("azlab.ledger")


class Recorder:
    """The ledger of one plan for one command (`source`: tick, worker, up, down, ...).

    The store is opened at the first write, on the session the command holds.
    A ledger that cannot be written is logged, never fatal: the power action
    matters more than its accounting.
    """

    def __init__(self, plan: Plan, source: str, store: Store | None = None) -> None:
        self.plan = plan
        self.source = source
        self.store = store
        self.written = 0
        self.failed: str | None = None
        self._groups = {vm.name.lower(): (g.name, vm.name) for g, vm in plan.all_vms()}

    async def open(self, session: AzureSession | None) -> Store:
        if self.store is None:
            self.store = await open_store(self.plan, session)
        return self.store

    def power_entries(
        self, at: datetime, seen: Mapping[str, str], arrived: Mapping[str, str]
    ) -> list[Entry]:
        """`seen` and `arrived`: VM name -> power state; only the plan's VMs are kept."""
        entries = []
        for kind, states in (("seen", seen), ("power", arrived)):
            for name, power in sorted(states.items()):
                found = self._groups.get(name.lower())
                if found is not None:
                    group, vm = found
                    entries.append(Entry(at, self.source, kind, vm, group, str(power)))
        return entries

    async def write(self, session: AzureSession | None, entries: list[Entry]) -> None:
        if not entries:
            return
        try:
            store = await self.open(session)
            by_month: dict[str, list[Entry]] = {}
            for entry in entries:
                by_month.setdefault(month_of(entry.at), []).append(entry)
            for month, batch in by_month.items():
                await store.append(month, batch)
            self.written += len(entries)
        except (AzlabError, OSError) as exc:
            self.failed = str(exc)
            log.warning("spend ledger not written: %s", exc)

    async def record(
        self,
        session: AzureSession | None,
        at: datetime,
        seen: Mapping[str, str],
        arrived: Mapping[str, str],
    ) -> None:
        await self.write(session, self.power_entries(at, seen, arrived))


async def record_lab(
    session: AzureSession, plan: Plan, source: str, at: datetime, *, gone: bool = False
) -> Recorder:
    """After apply: the lab exists, with its VMs' power states; after destroy: it is gone."""
    from azlab.azure.power import list_states

    recorder = Recorder(plan, source)
    if gone:
        await recorder.write(session, [Entry(at, source, "gone")])
        return recorder
    states = await list_states(session, plan.resource_group)
    entries = [Entry(at, source, "exists")]
    entries += recorder.power_entries(at, {n: s.power for n, s in states.items()}, {})
    await recorder.write(session, entries)
    return recorder
