"""Create, update and delete one resource of each kind, with REST-shaped bodies.

Each function waits for its long-running operation to finish. Bodies carry
exactly the properties azlab manages plus the tags; create-time secrets
(admin password, SSH key) come from `VmSecrets`, resolved before any change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.session import AzureSession
from azlab.reconcile.model import Desired, Kind


@dataclass(frozen=True)
class VmSecrets:
    """How a VM's administrator signs in; never printed."""

    password: str | None = None
    ssh_public_key: str | None = None

    def __repr__(self) -> str:
        return "VmSecrets(<redacted>)"


def _provider_path(kind: Kind, name: str) -> str:
    paths = {
        Kind.NETWORK: "Microsoft.Network/virtualNetworks",
        Kind.NSG: "Microsoft.Network/networkSecurityGroups",
        Kind.PUBLIC_IP: "Microsoft.Network/publicIPAddresses",
        Kind.NIC: "Microsoft.Network/networkInterfaces",
        Kind.STORAGE_ACCOUNT: "Microsoft.Storage/storageAccounts",
        Kind.DISK: "Microsoft.Compute/disks",
        Kind.VM: "Microsoft.Compute/virtualMachines",
    }
    return f"{paths[kind]}/{name}"


def resource_id(session: AzureSession, rg: str, kind: Kind, name: str) -> str:
    return session.resource_id(rg, _provider_path(kind, name))


async def create_or_update(
    session: AzureSession,
    rg: str,
    want: Desired,
    *,
    secrets: Mapping[str, VmSecrets] | None = None,
) -> None:
    p = want.props
    tags = dict(want.tags)
    if want.kind is Kind.RESOURCE_GROUP:
        await session.resource.resource_groups.create_or_update(
            want.name, {"location": p["location"], "tags": tags}
        )
    elif want.kind is Kind.NETWORK:
        body = {
            "location": p["location"],
            "tags": tags,
            "properties": {
                "addressSpace": {"addressPrefixes": list(p["address_space"])},
                "dhcpOptions": {"dnsServers": list(p["dns_servers"])},
                "subnets": [
                    {"name": n, "properties": {"addressPrefix": prefix}}
                    for n, prefix in p["subnets"].items()
                ],
            },
        }
        await _wait(
            session.network.virtual_networks.begin_create_or_update(
                rg, want.name, body, polling=session.outcome_polling()
            )
        )
    elif want.kind is Kind.NSG:
        rules = [
            {
                "name": name,
                "properties": {
                    "priority": r["priority"],
                    "direction": "Inbound",
                    "access": "Allow",
                    "protocol": _protocol(r["protocol"]),
                    "sourceAddressPrefix": r["source"],
                    "sourcePortRange": "*",
                    "destinationAddressPrefix": "*",
                    "destinationPortRange": r["port"],
                },
            }
            for name, r in p["rules"].items()
        ]
        body = {"location": p["location"], "tags": tags, "properties": {"securityRules": rules}}
        await _wait(
            session.network.network_security_groups.begin_create_or_update(
                rg, want.name, body, polling=session.outcome_polling()
            )
        )
    elif want.kind is Kind.PUBLIC_IP:
        body = {
            "location": p["location"],
            "tags": tags,
            "sku": {"name": p["sku"], "tier": "Regional"},
            "properties": {
                "publicIPAllocationMethod": "Static",
                "idleTimeoutInMinutes": p["idle_timeout"],
            },
        }
        await _wait(
            session.network.public_ip_addresses.begin_create_or_update(
                rg, want.name, body, polling=session.outcome_polling()
            )
        )
    elif want.kind is Kind.NIC:
        await _wait(
            session.network.network_interfaces.begin_create_or_update(
                rg, want.name, _nic_body(session, rg, want), polling=session.outcome_polling()
            )
        )
    elif want.kind is Kind.STORAGE_ACCOUNT:
        body = {
            "location": p["location"],
            "tags": tags,
            "sku": {"name": p["sku"]},
            "kind": "StorageV2",
            "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False},
        }
        await _wait(
            session.storage.storage_accounts.begin_create(
                rg, want.name, body, polling=session.outcome_polling()
            )
        )
    elif want.kind is Kind.CONTAINER:
        account, _, container = want.name.partition("/")
        await session.storage.blob_containers.create(rg, account, container, {"properties": {}})
    elif want.kind is Kind.DISK:
        body = {
            "location": p["location"],
            "tags": tags,
            "sku": {"name": p["sku"]},
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": p["size_gb"]},
        }
        await _wait(
            session.compute.disks.begin_create_or_update(
                rg, want.name, body, polling=session.outcome_polling()
            )
        )
    elif want.kind is Kind.VM:
        vm_secrets = (secrets or {}).get(want.name.lower(), VmSecrets())
        body = vm_body(session, rg, want, vm_secrets)
        await _wait(
            session.compute.virtual_machines.begin_create_or_update(
                rg, want.name, body, polling=session.outcome_polling()
            )
        )
    else:  # pragma: no cover - every kind is handled above
        raise ValueError(f"unknown kind {want.kind}")


async def update_vm(session: AzureSession, rg: str, want: Desired) -> None:
    """Change what can change on a VM in place: size, tags and attached data disks."""
    p = want.props
    body = {
        "tags": dict(want.tags),
        "properties": {
            "hardwareProfile": {"vmSize": p["size"]},
            "storageProfile": {"dataDisks": _data_disks(session, rg, p)},
        },
    }
    await _wait(
        session.compute.virtual_machines.begin_update(
            rg, want.name, body, polling=session.outcome_polling()
        )
    )


async def delete(session: AzureSession, rg: str, kind: Kind, name: str) -> None:
    """Delete one resource; a resource already gone counts as deleted."""
    try:
        if kind is Kind.RESOURCE_GROUP:
            await _wait(
                session.resource.resource_groups.begin_delete(
                    name, polling=session.outcome_polling()
                )
            )
        elif kind is Kind.NETWORK:
            await _wait(
                session.network.virtual_networks.begin_delete(
                    rg, name, polling=session.outcome_polling()
                )
            )
        elif kind is Kind.NSG:
            await _wait(
                session.network.network_security_groups.begin_delete(
                    rg, name, polling=session.outcome_polling()
                )
            )
        elif kind is Kind.PUBLIC_IP:
            await _wait(
                session.network.public_ip_addresses.begin_delete(
                    rg, name, polling=session.outcome_polling()
                )
            )
        elif kind is Kind.NIC:
            await _wait(
                session.network.network_interfaces.begin_delete(
                    rg, name, polling=session.outcome_polling()
                )
            )
        elif kind is Kind.STORAGE_ACCOUNT:
            await session.storage.storage_accounts.delete(rg, name)
        elif kind is Kind.CONTAINER:
            account, _, container = name.partition("/")
            await session.storage.blob_containers.delete(rg, account, container)
        elif kind is Kind.DISK:
            await _wait(
                session.compute.disks.begin_delete(rg, name, polling=session.outcome_polling())
            )
        elif kind is Kind.VM:
            await _wait(
                session.compute.virtual_machines.begin_delete(
                    rg, name, polling=session.outcome_polling()
                )
            )
    except ResourceNotFoundError:
        return


async def _wait(begin: Any) -> Any:
    poller = await begin
    return await poller.result()


def attached_vm_body(session: AzureSession, rg: str, want: Desired) -> dict[str, Any]:
    """A VM that boots from an existing managed disk: no image, no admin profile."""
    p = want.props
    return {
        "location": p["location"],
        "tags": dict(want.tags),
        "properties": {
            "hardwareProfile": {"vmSize": p["size"]},
            "storageProfile": {
                "osDisk": {
                    "name": p["os_disk_name"],
                    "createOption": "Attach",
                    "osType": "Windows" if p["os"] == "windows" else "Linux",
                    "managedDisk": {"id": resource_id(session, rg, Kind.DISK, p["os_disk_name"])},
                },
                "dataDisks": _data_disks(session, rg, p),
            },
            "networkProfile": {
                "networkInterfaces": [
                    {
                        "id": resource_id(session, rg, Kind.NIC, p["nic"]),
                        "properties": {"primary": True},
                    }
                ]
            },
        },
    }


def _protocol(value: str) -> str:
    return {"tcp": "Tcp", "udp": "Udp", "*": "*", "any": "*"}.get(value.lower(), value)


def _nic_body(session: AzureSession, rg: str, want: Desired) -> dict[str, Any]:
    p = want.props
    vnet, _, subnet = str(p["subnet"]).partition("/")
    ip: dict[str, Any] = {
        "subnet": {"id": resource_id(session, rg, Kind.NETWORK, vnet) + f"/subnets/{subnet}"},
        "privateIPAllocationMethod": "Static" if p.get("private_ip") else "Dynamic",
    }
    if p.get("private_ip"):
        ip["privateIPAddress"] = p["private_ip"]
    if p.get("public_ip"):
        ip["publicIPAddress"] = {"id": resource_id(session, rg, Kind.PUBLIC_IP, p["public_ip"])}
    props: dict[str, Any] = {"ipConfigurations": [{"name": "ipconfig1", "properties": ip}]}
    if p.get("nsg"):
        props["networkSecurityGroup"] = {"id": resource_id(session, rg, Kind.NSG, p["nsg"])}
    return {"location": p["location"], "tags": dict(want.tags), "properties": props}


def _data_disks(session: AzureSession, rg: str, p: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "lun": int(lun),
            "name": disk,
            "createOption": "Attach",
            "managedDisk": {"id": resource_id(session, rg, Kind.DISK, disk)},
        }
        for lun, disk in sorted(p.get("data_disks", {}).items(), key=lambda kv: int(kv[0]))
    ]


def vm_body(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> dict[str, Any]:
    p = want.props
    if p.get("attach_os_disk"):
        return attached_vm_body(session, rg, want)
    publisher, offer, sku, version = str(p["image"]).split(":")
    os_profile: dict[str, Any] = {
        "computerName": want.name,
        "adminUsername": p["admin_username"],
    }
    if p["os"] == "windows":
        os_profile["adminPassword"] = secrets.password
        os_profile["windowsConfiguration"] = {"provisionVMAgent": True}
    else:
        linux: dict[str, Any] = {"provisionVMAgent": True}
        if secrets.ssh_public_key:
            linux["disablePasswordAuthentication"] = True
            linux["ssh"] = {
                "publicKeys": [
                    {
                        "path": f"/home/{p['admin_username']}/.ssh/authorized_keys",
                        "keyData": secrets.ssh_public_key,
                    }
                ]
            }
        else:
            os_profile["adminPassword"] = secrets.password
        os_profile["linuxConfiguration"] = linux
    os_disk: dict[str, Any] = {
        "name": p.get("os_disk_name") or f"{want.name}-osdisk",
        "createOption": "FromImage",
        "osType": "Windows" if p["os"] == "windows" else "Linux",
        "managedDisk": {"storageAccountType": p.get("os_disk_sku") or "StandardSSD_LRS"},
    }
    if p.get("os_disk_size_gb"):
        os_disk["diskSizeGB"] = p["os_disk_size_gb"]
    return {
        "location": p["location"],
        "tags": dict(want.tags),
        "properties": {
            "hardwareProfile": {"vmSize": p["size"]},
            "storageProfile": {
                "imageReference": {
                    "publisher": publisher,
                    "offer": offer,
                    "sku": sku,
                    "version": version,
                },
                "osDisk": os_disk,
                "dataDisks": _data_disks(session, rg, p),
            },
            "osProfile": os_profile,
            "networkProfile": {
                "networkInterfaces": [
                    {
                        "id": resource_id(session, rg, Kind.NIC, p["nic"]),
                        "properties": {"primary": True},
                    }
                ]
            },
        },
    }
