"""Observed state: one list call per resource type per resource group, never a GET per resource.

Each SDK result is read as its REST JSON and normalised by its kind's `observed`,
into the same properties the kind's `desired` writes, so the diff compares like with like.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.session import AzureSession
from azlab.model import Kind, Observed
from azlab.resources import container, resource_group
from azlab.resources.base import Json, as_json
from azlab.resources.registry import HANDLERS


async def _collect(pages: AsyncIterator[Any]) -> list[Json]:
    return [as_json(item) async for item in pages]


async def observe(session: AzureSession, rg: str) -> list[Observed]:
    """Everything in the resource group (and the group itself) as observed resources."""
    try:
        group = await session.resource.resource_groups.get(rg)
    except ResourceNotFoundError:
        return []
    found = [resource_group.observed(as_json(group))]
    listed = [h for h in HANDLERS.values() if h.lister is not None]
    pages = await asyncio.gather(*(_collect(h.lister(session, rg)) for h in listed if h.lister))
    accounts: list[Json] = []
    for h, items in zip(listed, pages, strict=True):
        for item in items:
            seen = h.observed(item)
            if seen is not None:
                found.append(_state(seen, item))
        if h.kind is Kind.STORAGE_ACCOUNT:
            accounts = items
    found += await _containers(session, rg, accounts)
    return found


def _state(seen: Observed, item: Mapping[str, Any]) -> Observed:
    state = item.get("properties", {}).get("provisioningState")
    return replace(seen, provisioning=str(state)) if state else seen


async def _containers(session: AzureSession, rg: str, accounts: list[Json]) -> list[Observed]:
    async def of(account: Json) -> list[Observed]:
        listed = await _collect(session.storage.blob_containers.list(rg, account["name"]))
        return [container.observed_in(account, c) for c in listed]

    nested = await asyncio.gather(*(of(a) for a in accounts))
    return [c for group in nested for c in group]
