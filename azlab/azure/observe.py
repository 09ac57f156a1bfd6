"""Observed state: one list call per resource type per resource group, never a GET per resource.

Each SDK result is read as its REST JSON (`as_dict()`), normalised to the same
property names `azlab.reconcile.desired` uses, so the diff compares like with like.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.session import AzureSession
from azlab.reconcile.model import ADMIN_TAG, IMAGE_TAG, Key, Kind, Observed


def _props(item: Any) -> dict[str, Any]:
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


async def _collect(pages: AsyncIterator[Any]) -> list[dict[str, Any]]:
    return [_props(item) async for item in pages]


async def observe(session: AzureSession, resource_group: str) -> list[Observed]:
    """Everything in the resource group (and the group itself) as observed resources."""
    try:
        group = await session.resource.resource_groups.get(resource_group)
    except ResourceNotFoundError:
        return []
    rg = _props(group)
    found = [
        Observed(
            Kind.RESOURCE_GROUP,
            rg["name"],
            {"location": rg.get("location")},
            tags=rg.get("tags") or {},
        )
    ]
    vnets, nsgs, pips, nics, accounts, disks, vms = await asyncio.gather(
        _collect(session.network.virtual_networks.list(resource_group)),
        _collect(session.network.network_security_groups.list(resource_group)),
        _collect(session.network.public_ip_addresses.list(resource_group)),
        _collect(session.network.network_interfaces.list(resource_group)),
        _collect(session.storage.storage_accounts.list_by_resource_group(resource_group)),
        _collect(session.compute.disks.list_by_resource_group(resource_group)),
        _collect(session.compute.virtual_machines.list(resource_group)),
    )
    found += [_state(_network(v), v) for v in vnets]
    found += [_state(_nsg(n), n) for n in nsgs]
    found += [_state(_public_ip(p), p) for p in pips]
    found += [_state(_nic(n), n) for n in nics]
    found += [_state(_storage_account(a), a) for a in accounts]
    found += await _containers(session, resource_group, accounts)
    found += [_state(_disk(d), d) for d in disks if not d.get("properties", {}).get("osType")]
    found += [_state(_vm(v), v) for v in vms]
    return found


def _state(seen: Observed, item: Mapping[str, Any]) -> Observed:
    state = item.get("properties", {}).get("provisioningState")
    return replace(seen, provisioning=str(state)) if state else seen


async def power_states(session: AzureSession, resource_group: str) -> dict[str, str]:
    """VM name (lower case) -> power state (`running`, `deallocated`, ...), from one paged call."""
    states: dict[str, str] = {}
    async for item in session.compute.virtual_machines.list_all(status_only="true"):
        vm = _props(item)
        vm_id: str = vm.get("id", "")
        if f"/resourcegroups/{resource_group.lower()}/" not in vm_id.lower():
            continue
        statuses = vm.get("properties", {}).get("instanceView", {}).get("statuses", [])
        for status in statuses:
            code: str = status.get("code", "")
            if code.startswith("PowerState/"):
                states[vm["name"].lower()] = code.split("/", 1)[1]
    return states


def _tags(item: Mapping[str, Any]) -> dict[str, str]:
    return dict(item.get("tags") or {})


def _network(item: Mapping[str, Any]) -> Observed:
    p = item.get("properties", {})
    return Observed(
        Kind.NETWORK,
        item["name"],
        {
            "location": item.get("location"),
            "address_space": sorted(p.get("addressSpace", {}).get("addressPrefixes", [])),
            "dns_servers": list(p.get("dhcpOptions", {}).get("dnsServers", [])),
            "subnets": {
                s["name"]: s.get("properties", {}).get("addressPrefix")
                for s in p.get("subnets", [])
            },
        },
        tags=_tags(item),
    )


def _nsg(item: Mapping[str, Any]) -> Observed:
    rules = {}
    for rule in item.get("properties", {}).get("securityRules", []):
        r = rule.get("properties", {})
        rules[rule["name"]] = {
            "priority": r.get("priority"),
            "port": r.get("destinationPortRange"),
            "protocol": r.get("protocol"),
            "source": r.get("sourceAddressPrefix"),
        }
    return Observed(
        Kind.NSG, item["name"], {"location": item.get("location"), "rules": rules}, _tags(item)
    )


def _public_ip(item: Mapping[str, Any]) -> Observed:
    return Observed(
        Kind.PUBLIC_IP,
        item["name"],
        {
            "location": item.get("location"),
            "sku": item.get("sku", {}).get("name"),
            "idle_timeout": item.get("properties", {}).get("idleTimeoutInMinutes"),
        },
        _tags(item),
    )


def _nic(item: Mapping[str, Any]) -> Observed:
    p = item.get("properties", {})
    configs = p.get("ipConfigurations", [])
    ip = configs[0].get("properties", {}) if configs else {}
    static = ip.get("privateIPAllocationMethod", "").lower() == "static"
    return Observed(
        Kind.NIC,
        item["name"],
        {
            "location": item.get("location"),
            "subnet": subnet_ref(ip.get("subnet", {}).get("id")),
            "private_ip": ip.get("privateIPAddress") if static else None,
            "public_ip": last_segment(ip.get("publicIPAddress", {}).get("id")),
            "nsg": last_segment(p.get("networkSecurityGroup", {}).get("id")),
        },
        _tags(item),
    )


def _storage_account(item: Mapping[str, Any]) -> Observed:
    return Observed(
        Kind.STORAGE_ACCOUNT,
        item["name"],
        {"location": item.get("location"), "sku": item.get("sku", {}).get("name")},
        _tags(item),
    )


async def _containers(
    session: AzureSession, resource_group: str, accounts: list[dict[str, Any]]
) -> list[Observed]:
    async def of(account: Mapping[str, Any]) -> list[Observed]:
        name = account["name"]
        listed = await _collect(session.storage.blob_containers.list(resource_group, name))
        # Containers have no tags of their own: they belong to whoever owns the account.
        return [Observed(Kind.CONTAINER, f"{name}/{c['name']}", {}, _tags(account)) for c in listed]

    nested = await asyncio.gather(*(of(a) for a in accounts))
    return [c for group in nested for c in group]


def _disk(item: Mapping[str, Any]) -> Observed:
    return Observed(
        Kind.DISK,
        item["name"],
        {
            "location": item.get("location"),
            "size_gb": item.get("properties", {}).get("diskSizeGB"),
            "sku": item.get("sku", {}).get("name"),
        },
        _tags(item),
    )


def _vm(item: Mapping[str, Any]) -> Observed:
    p = item.get("properties", {})
    storage = p.get("storageProfile", {})
    image = storage.get("imageReference", {})
    os_disk = storage.get("osDisk", {})
    nics = p.get("networkProfile", {}).get("networkInterfaces", [])
    data_disks = {
        str(d["lun"]): d.get("name") or last_segment(d.get("managedDisk", {}).get("id"))
        for d in storage.get("dataDisks", [])
    }
    uses: list[Key] = [(Kind.NIC, (last_segment(n.get("id")) or "").lower()) for n in nics]
    uses += [(Kind.DISK, str(name).lower()) for name in data_disks.values()]
    os_disk_name = os_disk.get("name") or last_segment(os_disk.get("managedDisk", {}).get("id"))
    if os_disk_name:
        uses.append((Kind.DISK, str(os_disk_name).lower()))
    urn = ":".join(str(image.get(k, "")) for k in ("publisher", "offer", "sku", "version"))
    tags = _tags(item)
    return Observed(
        Kind.VM,
        item["name"],
        {
            "location": item.get("location"),
            "size": p.get("hardwareProfile", {}).get("vmSize"),
            "os": str(os_disk.get("osType", "")).lower() or None,
            # A VM booted from an attached disk has neither; its tags keep them.
            "image": urn if image else tags.get(IMAGE_TAG),
            "admin_username": p.get("osProfile", {}).get("adminUsername") or tags.get(ADMIN_TAG),
            "nic": last_segment(nics[0].get("id")) if nics else None,
            "os_disk_sku": os_disk.get("managedDisk", {}).get("storageAccountType"),
            "os_disk_name": os_disk_name,
            "attach_os_disk": str(os_disk.get("createOption", "")).lower() == "attach",
            "data_disks": data_disks,
        },
        tags,
        uses=tuple(uses),
    )
