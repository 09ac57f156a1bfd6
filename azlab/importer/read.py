"""Everything `import` reads: list calls only, never a GET per resource.

The resource group through the same observe layer as `plan` (one list per kind,
DevTest Labs auto-shutdown schedules among them), plus two lists the plan's kinds
leave out: every resource of the group (what the plan cannot express), and the
subscription's virtual networks (address spaces that overlap).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from azlab.azure.errors import azure_errors
from azlab.azure.observe import as_json
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.model import Kind
from azlab.resources.base import Json
from azlab.resources.observe import Listing, read_group

SCHEDULES = "Microsoft.DevTestLab/schedules"


@dataclass
class Inventory:
    resource_group: str
    listing: Listing
    # Every resource of the group, in the generic list's shape (id, name, type, location).
    resources: list[Json] = field(default_factory=list)
    # The subscription's virtual networks, this group's included.
    subscription_networks: list[Json] = field(default_factory=list)

    @property
    def schedules(self) -> list[Json]:
        return self.listing.items.get(Kind.SHUTDOWN, [])


async def read_inventory(session: AzureSession, rg: str) -> Inventory:
    with azure_errors(resource=f"resource group {rg}"):
        listing, resources, networks = await asyncio.gather(
            read_group(session, rg),
            _collect(session.resource.resources.list_by_resource_group(rg)),
            _collect(session.network.virtual_networks.list_all()),
        )
    if not listing.observed:
        raise AzlabError(
            f"resource group {rg} does not exist in subscription {session.subscription}",
            hint="check --resource-group and --subscription (az group list)",
        )
    return Inventory(rg, listing, resources, networks)


async def _collect(pages: Any) -> list[Json]:
    return [as_json(item) async for item in pages]
