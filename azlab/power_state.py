"""A VM's power state as Azure names it (`PowerState/running`), and one VM's status read.

Pure: the schedule, the power steps and the rehearsal's checks share this vocabulary
without loading an SDK client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class PowerState(str, Enum):
    """The code after `PowerState/` in a VM's instance view."""

    RUNNING = "running"
    STARTING = "starting"
    STOPPING = "stopping"
    STOPPED = "stopped"
    DEALLOCATING = "deallocating"
    DEALLOCATED = "deallocated"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


# Power states no operation is moving a VM out of.
SETTLED = frozenset({PowerState.RUNNING, PowerState.STOPPED, PowerState.DEALLOCATED})


@dataclass(frozen=True)
class VmState:
    name: str
    power: str  # a PowerState value; kept as Azure's text so an unknown one is still shown
    provisioning: str = "succeeded"  # succeeded, updating, failed/<Code>
    tags: Mapping[str, str] = field(default_factory=dict)
    # A Spot VM Azure evicted (deallocated to take its capacity back), not yet started again.
    evicted: bool = False
    # Deallocated by hibernation: it resumes where it was when started.
    hibernated: bool = False
    resource_id: str = ""  # ARM id and region, as listed (the batch API needs both)
    location: str = ""
    # The guest agent's report in the listed instance view: "ready", "not ready", or "" when
    # the list carries none (then only the VM's own instance view tells).
    agent: str = ""

    @property
    def failed_code(self) -> str | None:
        if self.provisioning.lower().startswith("failed"):
            _, _, code = self.provisioning.partition("/")
            return code or "Failed"
        return None


def parse_status_list_item(item: Mapping[str, Any]) -> VmState:
    """One VM of a `list_all(statusOnly=true)` answer, read as its REST JSON."""
    view = item.get("properties", {}).get("instanceView", {})
    statuses = view.get("statuses", [])
    power: str = PowerState.UNKNOWN.value
    provisioning = "succeeded"
    evicted = hibernated = False
    for status in statuses:
        kind, _, value = str(status.get("code", "")).partition("/")
        if kind == "PowerState":
            power = value
        elif kind == "ProvisioningState":
            provisioning = value
        elif kind == "EvictionState":
            evicted = value.lower() == "evicted"
        elif kind == "HibernationState":
            hibernated = value.lower() == "hibernated"
    return VmState(
        str(item["name"]),
        power,
        provisioning,
        dict(item.get("tags") or {}),
        evicted,
        hibernated,
        str(item.get("id") or ""),
        str(item.get("location") or ""),
        _agent(view.get("vmAgent")),
    )


def _agent(report: Any) -> str:
    if not isinstance(report, Mapping):
        return ""
    shown = [str(s.get("displayStatus", "")).lower() for s in report.get("statuses") or []]
    return "ready" if "ready" in shown else "not ready"
