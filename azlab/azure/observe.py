"""Reading Azure's answers: resource ids as names, REST JSON of SDK models."""

from __future__ import annotations

from typing import Any


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
