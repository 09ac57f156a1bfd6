"""Fold ledger entries into each VM's billed hours and present hours in a span. Pure.

A VM's state holds from the entry that shows it until the next one. Compute
is billed while a VM is allocated (running, starting, stopping, or stopped
without deallocation); its disks and public IP are billed while the lab
exists: from the first entry that shows it (or `exists`) to a `gone`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from azlab.money.ledger import Entry

BILLED = frozenset({"running", "starting", "stopping", "stopped"})
_STATE_KINDS = frozenset({"seen", "power"})


@dataclass
class VmUsage:
    billed_seconds: float = 0.0
    present_seconds: float = 0.0
    billed_now: bool = False  # at the span's end
    present_now: bool = False

    @property
    def billed_hours(self) -> float:
        return self.billed_seconds / 3600

    @property
    def present_hours(self) -> float:
        return self.present_seconds / 3600


def fold(
    entries: Iterable[Entry], vms: Iterable[str], start: datetime, end: datetime
) -> dict[str, VmUsage]:
    """Lower-cased VM name -> its usage in [start, end); entries before `start` set the
    state it begins with."""
    names = [v.lower() for v in vms]
    usage = {v: VmUsage() for v in names}
    billed = dict.fromkeys(names, False)
    present = dict.fromkeys(names, False)
    position = start

    def advance(to: datetime) -> None:
        nonlocal position
        if to <= position:
            return
        seconds = (min(to, end) - position).total_seconds()
        for v in names:
            if billed[v]:
                usage[v].billed_seconds += seconds
            if present[v]:
                usage[v].present_seconds += seconds
        position = min(to, end)

    for entry in sorted(entries, key=lambda e: e.at):  # stable: equal times keep their order
        if entry.at >= end:
            break
        advance(entry.at)
        targets = names if entry.vm is None else [entry.vm.lower()]
        for v in (t for t in targets if t in usage):
            if entry.kind in _STATE_KINDS and entry.vm is not None:
                present[v] = True
                billed[v] = str(entry.power) in BILLED
            elif entry.kind == "exists":
                present[v] = True
            elif entry.kind == "gone":
                present[v], billed[v] = False, False
    advance(end)
    for v in names:
        usage[v].billed_now, usage[v].present_now = billed[v], present[v]
    return usage
