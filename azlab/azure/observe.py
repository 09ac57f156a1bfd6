"""Reading Azure's answers: resource ids as names, and every VM's power state in one call."""

from __future__ import annotations

from typing import Any

from azlab.azure.session import AzureSession


def as_json(item: Any) -> dict[str, Any]:
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


async def power_states(session: AzureSession, resource_group: str) -> dict[str, str]:
    """VM name (lower case) -> power state (`running`, `deallocated`, ...), from one paged call."""
    states: dict[str, str] = {}
    async for item in session.compute.virtual_machines.list_all(status_only="true"):
        vm = as_json(item)
        vm_id: str = vm.get("id", "")
        if f"/resourcegroups/{resource_group.lower()}/" not in vm_id.lower():
            continue
        statuses = vm.get("properties", {}).get("instanceView", {}).get("statuses", [])
        for status in statuses:
            code: str = status.get("code", "")
            if code.startswith("PowerState/"):
                states[vm["name"].lower()] = code.split("/", 1)[1]
    return states
