"""The rehearsal's own view of the sandbox, independent of the code it checks.

Power states come from one raw `list_all(statusOnly=true)` ARM call, parsed
here rather than by azlab's tick; what a tick sent comes from the sandbox's
request log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from azure.core.rest import HttpRequest

from azlab.azure.session import AzureSession
from azlab.reconcile.model import Observed
from azlab.resources.observe import observe

# Any version that knows statusOnly; the sandbox accepts every version.
API_VERSION = "2024-07-01"
POWER_ACTIONS = ("start", "deallocate", "powerOff", "restart")
BATCH_PREFIX = "virtualMachinesExecute"  # Microsoft.ComputeSchedule's batch actions
BATCH_VERBS = {"start": "start", "deallocate": "deallocate", "hibernate": "hibernate"}


@dataclass(frozen=True)
class Seen:
    power: str
    provisioning: str = "succeeded"
    tags: Mapping[str, str] = field(default_factory=dict)


async def power_states(session: AzureSession, resource_group: str) -> dict[str, Seen]:
    """Every VM of the resource group, by lower-case name, from one paged list call."""
    marker = f"/resourcegroups/{resource_group.lower()}/"
    url: str | None = (
        f"/subscriptions/{session.subscription}/providers/Microsoft.Compute/virtualMachines"
        f"?api-version={API_VERSION}&statusOnly=true"
    )
    seen: dict[str, Seen] = {}
    while url:
        response = await session.compute.send_request(HttpRequest("GET", url))
        response.raise_for_status()
        await response.read()
        page: dict[str, Any] = response.json()
        for item in page.get("value", []):
            if marker in str(item.get("id", "")).lower():
                seen[str(item["name"]).lower()] = _seen(item)
        url = page.get("nextLink")
    return seen


def _seen(item: Mapping[str, Any]) -> Seen:
    power, provisioning = "unknown", "succeeded"
    for status in item.get("properties", {}).get("instanceView", {}).get("statuses", []):
        kind, _, value = str(status.get("code", "")).partition("/")
        if kind == "PowerState":
            power = value
        elif kind == "ProvisioningState":
            provisioning = value
    return Seen(power, provisioning, dict(item.get("tags") or {}))


async def owned_anywhere(session: AzureSession, plan_name: str) -> list[Observed]:
    """Every resource in the subscription that carries the plan's ownership tag."""
    groups = [g.name async for g in session.resource.resource_groups.list()]
    found: list[Observed] = []
    for group in groups:
        found += [o for o in await observe(session, group) if o.owned_by(plan_name)]
    return found


class Logged(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def reply(self) -> str | None: ...


@dataclass(frozen=True)
class Action:
    vm: str  # lower case
    verb: str  # start, deallocate, ...
    status: int


class RequestLog:
    """A cursor over the sandbox's request log (appended to by the sandbox's thread)."""

    def __init__(self, entries: Sequence[Logged]) -> None:
        self.entries = entries

    def mark(self) -> int:
        return len(self.entries)

    def writes_since(self, mark: int) -> int:
        return sum(1 for r in self.entries[mark:] if r.method not in ("GET", "HEAD"))

    def actions_since(self, mark: int) -> list[Action]:
        """Power actions in the order the sandbox received them."""
        return power_actions(self.entries[mark:])


def power_actions(entries: Sequence[Logged]) -> list[Action]:
    """Every power action in a request log: per-VM POSTs, and each VM of a batch request.

    A batch request's VMs are listed in the order it named them, with 202 for each VM it
    took and 409 for each it refused (its answer says which).
    """
    found = []
    for r in entries:
        if r.method != "POST":
            continue
        parts = r.path.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-1] in POWER_ACTIONS:
            found.append(Action(parts[-2].lower(), parts[-1], r.status))
        elif parts[-1].startswith(BATCH_PREFIX) and r.status == 200 and r.reply:
            verb = BATCH_VERBS.get(parts[-1][len(BATCH_PREFIX) :].lower())
            if verb is None:
                continue
            for result in json.loads(r.reply).get("results", []):
                vm = str(result.get("resourceId", "")).rsplit("/", 1)[-1].lower()
                found.append(Action(vm, verb, 202 if result.get("operation") else 409))
    return found
