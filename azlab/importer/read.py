"""Everything `import` reads: list calls only, never a GET per resource.

The resource group through the same observe layer as `plan` (one list per kind),
plus three lists the plan's kinds leave out: every resource of the group (what the
plan cannot express), the group's DevTest Labs schedules (auto-shutdown), and the
subscription's virtual networks (address spaces that overlap).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from azlab.azure.errors import azure_errors
from azlab.azure.observe import as_json
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.resources.base import Json
from azlab.resources.observe import Listing, read_group

SCHEDULES = "Microsoft.DevTestLab/schedules"
SCHEDULES_API = "2018-09-15"


@dataclass
class Inventory:
    resource_group: str
    listing: Listing
    # Every resource of the group, in the generic list's shape (id, name, type, location).
    resources: list[Json] = field(default_factory=list)
    schedules: list[Json] = field(default_factory=list)
    # Why the DevTest Labs schedules could not be read, when they could not.
    schedules_skipped: str | None = None
    # The subscription's virtual networks, this group's included.
    subscription_networks: list[Json] = field(default_factory=list)


async def read_inventory(session: AzureSession, rg: str) -> Inventory:
    with azure_errors(resource=f"resource group {rg}"):
        listing, resources, networks, schedules = await asyncio.gather(
            read_group(session, rg),
            _collect(session.resource.resources.list_by_resource_group(rg)),
            _collect(session.network.virtual_networks.list_all()),
            _schedules(session, rg),
        )
    if not listing.observed:
        raise AzlabError(
            f"resource group {rg} does not exist in subscription {session.subscription}",
            hint="check --resource-group and --subscription (az group list)",
        )
    found, skipped = schedules
    return Inventory(rg, listing, resources, found, skipped, networks)


async def _collect(pages: Any) -> list[Json]:
    return [as_json(item) async for item in pages]


async def _schedules(session: AzureSession, rg: str) -> tuple[list[Json], str | None]:
    """The group's DevTest Labs schedules by a plain REST list (azlab has no SDK client for
    them); a provider the cloud or sandbox does not serve is skipped, with the reason."""
    url: str | None = (
        f"/subscriptions/{session.subscription}/resourceGroups/{rg}/providers/{SCHEDULES}"
        f"?api-version={SCHEDULES_API}"
    )
    found: list[Json] = []
    while url:
        response = await session.resource.send_request(HttpRequest("GET", url))
        await response.read()
        if response.status_code in (400, 404):
            code = _error_code(response.text()) or response.status_code
            return [], f"{SCHEDULES} could not be listed ({code}): auto-shutdown not read"
        if response.status_code >= 400:
            raise HttpResponseError(response=response)
        page: dict[str, Any] = response.json()
        found += page.get("value", [])
        url = page.get("nextLink")
    return found, None


def _error_code(text: str) -> str | None:
    try:
        error = json.loads(text).get("error") or {}
    except (ValueError, AttributeError):
        return None
    return str(error.get("code")) if isinstance(error, dict) and error.get("code") else None
