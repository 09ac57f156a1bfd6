"""Schedules read back from what already stops a lab's VMs.

DevTest Labs auto-shutdown (`shutdown-computevm-VM`, one per VM) becomes the VM's
`failsafe_shutdown` and a plan schedule that stops the group at that time; VMs that
share a time and zone share the schedule. Start/Stop VMs
v2's sequence tags (`sequencestart`, `sequencestop`) order a group's VMs, so they become
tiers; its start and stop times live in its Logic Apps, which an import cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from azlab.azure.observe import last_segment
from azlab.resources.shutdown import iana_zone

SHUTDOWN_PREFIX = "shutdown-computevm-"
SEQUENCE_TAGS = ("sequencestart", "sequencestop")


@dataclass(frozen=True)
class Shutdown:
    """A VM's auto-shutdown: when (HH:MM) in which IANA zone, read from its schedule."""

    schedule: str
    at: str
    timezone: str

    @property
    def plan_name(self) -> str:
        zone = re.sub(r"[^a-z0-9]+", "-", self.timezone.lower()).strip("-")
        return f"shutdown-{self.at.replace(':', '')}-{zone}"[:80]


@dataclass(frozen=True)
class ShutdownReading:
    # VM name (lower case) -> its enabled auto-shutdown.
    by_vm: dict[str, Shutdown]
    # Schedules found and not used, each with why.
    notes: tuple[str, ...]


def read_shutdowns(schedules: Iterable[Mapping[str, Any]]) -> ShutdownReading:
    by_vm: dict[str, Shutdown] = {}
    notes: list[str] = []
    for item in schedules:
        name = str(item.get("name", ""))
        p = item.get("properties", {})
        target = last_segment(p.get("targetResourceId"))
        if p.get("taskType") != "ComputeVmShutdownTask" or not target:
            notes.append(f"{name}: a {p.get('taskType')} schedule is not an auto-shutdown")
            continue
        if str(p.get("status", "Enabled")).lower() != "enabled":
            notes.append(f"{name}: disabled, so nothing of it is in the plan")
            continue
        time = str(p.get("dailyRecurrence", {}).get("time", ""))
        zone = iana_zone(str(p.get("timeZoneId", "UTC")))
        if not re.fullmatch(r"\d{4}", time) or zone is None:
            notes.append(f"{name}: time {time!r} in zone {p.get('timeZoneId')!r} not understood")
            continue
        by_vm[target.lower()] = Shutdown(name, f"{time[:2]}:{time[2:]}", zone)
    return ShutdownReading(by_vm, tuple(notes))


def plan_schedule(shutdown: Shutdown) -> dict[str, Any]:
    return {
        "name": shutdown.plan_name,
        "timezone": shutdown.timezone,
        "stop": [{"at": shutdown.at, "days": "daily"}],
    }


def sequence(tags: Mapping[str, str]) -> int | None:
    """A VM's Start/Stop v2 start sequence number, or None without one."""
    lowered = {k.lower(): v for k, v in tags.items()}
    value = lowered.get("sequencestart")
    return int(value) if value is not None and value.strip().isdigit() else None


def tiers(sequences: Mapping[str, int | None]) -> dict[str, int]:
    """VM -> tier: the rank of its start sequence (lowest first), 0 without one."""
    ranks = sorted({s for s in sequences.values() if s is not None})
    return {vm: (ranks.index(s) if s is not None else 0) for vm, s in sequences.items()}
