"""Observed state: one list call per resource type per resource group, never a GET per resource.

Each SDK result is read as its REST JSON and normalised by its kind's `observed`,
into the same properties the kind's `desired` writes, so the diff compares like with like.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.session import AzureSession
from azlab.model import Kind, Observed
from azlab.resources import container, resource_group
from azlab.resources.base import Json, as_json
from azlab.resources.registry import HANDLERS


async def _collect(pages: AsyncIterator[Any]) -> list[Json]:
    return [as_json(item) async for item in pages]


@dataclass
class Listing:
    """One read of a resource group: the observed resources and the REST JSON they came from
    (`import` reads what the observed properties leave out, an OS disk's image, say)."""

    observed: list[Observed] = field(default_factory=list)
    items: dict[Kind, list[Json]] = field(default_factory=dict)


async def observe(session: AzureSession, rg: str) -> list[Observed]:
    """Everything in the resource group (and the group itself) as observed resources."""
    return (await read_group(session, rg)).observed


async def read_group(session: AzureSession, rg: str) -> Listing:
    """The same list calls as `observe`, keeping each item's REST JSON too."""
    try:
        group = await session.resource.resource_groups.get(rg)
    except ResourceNotFoundError:
        return Listing()
    group_json = as_json(group)
    listing = Listing([resource_group.observed(group_json)], {Kind.RESOURCE_GROUP: [group_json]})
    listed = [h for h in HANDLERS.values() if h.lister is not None]
    pages = await asyncio.gather(*(_collect(h.lister(session, rg)) for h in listed if h.lister))
    for h, items in zip(listed, pages, strict=True):
        listing.items[h.kind] = items
        for item in items:
            seen = h.observed(item)
            if seen is not None:
                listing.observed.append(_state(seen, item))
    accounts = listing.items.get(Kind.STORAGE_ACCOUNT, [])
    listing.observed += await _containers(session, rg, accounts)
    return listing


def _state(seen: Observed, item: Mapping[str, Any]) -> Observed:
    state = item.get("properties", {}).get("provisioningState")
    return replace(seen, provisioning=str(state)) if state else seen


async def _containers(session: AzureSession, rg: str, accounts: list[Json]) -> list[Observed]:
    async def of(account: Json) -> list[Observed]:
        listed = await _collect(session.storage.blob_containers.list(rg, account["name"]))
        return [container.observed_in(account, c) for c in listed]

    nested = await asyncio.gather(*(of(a) for a in accounts))
    return [c for group in nested for c in group]
