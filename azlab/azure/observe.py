"""Reading Azure's answers: resource ids as names, REST JSON of SDK models and of raw answers."""

from __future__ import annotations

import gc
import json
from typing import Any

from azure.core.rest import AsyncHttpResponse


def as_json(item: Any) -> dict[str, Any]:
    if hasattr(item, "_attribute_map"):
        # An older-style (msrest) model, as azure-mgmt-devtestlabs has: its `as_dict` gives
        # Python attribute names, flattened; `serialize` gives the REST JSON.
        rest: dict[str, Any] = item.serialize(keep_readonly=True)
        return rest
    data: dict[str, Any] = item.as_dict() if hasattr(item, "as_dict") else dict(item)
    return data


def last_segment(resource_id: str | None) -> str | None:
    return resource_id.rstrip("/").rsplit("/", 1)[-1] if resource_id else None


def subnet_ref(subnet_id: str | None) -> str | None:
    """`.../virtualNetworks/VNET/subnets/SUBNET` -> `VNET/SUBNET`."""
    if not subnet_id:
        return None
    parts = subnet_id.rstrip("/").split("/")
    return f"{parts[-3]}/{parts[-1]}"


async def json_body(response: AsyncHttpResponse) -> dict[str, Any]:
    """The answer's JSON object, decoded with the cyclic garbage collector paused.

    A page of 1,000 VMs is some 150,000 new objects, none of them in a cycle; collecting
    while they are made scans the process's whole heap (the plan, the states) over and
    over, and tripled the time to decode a page in a tick of 5,000 VMs.
    """
    body = await response.read()
    paused = gc.isenabled()
    gc.disable()
    try:
        found = json.loads(body)
    finally:
        if paused:
            gc.enable()
    return found if isinstance(found, dict) else {}
