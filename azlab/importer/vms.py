"""One VM read back into its plan entry, from the VM and the parts it uses.

Each part's fields come from its kind's `to_plan` (azlab/resources); this module joins
them, and names in `parts` a NIC, public IP or NSG that is not named as azlab names
them (`<vm>-nic`, `<vm>-pip`, `<vm>-nsg`), as the portal's are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azlab.azure.observe import last_segment
from azlab.model import Kind
from azlab.reconcile import desired as names
from azlab.resources import disk, nic, nsg, public_ip, vm
from azlab.resources.base import Json, PlanEntry

AZLAB_TAG_PREFIX = "azlab-"


@dataclass(frozen=True)
class Parts:
    """The group's REST JSON by kind and lower-case name."""

    by_kind: dict[Kind, dict[str, Json]]

    @classmethod
    def of(cls, items: Mapping[Kind, list[Json]]) -> Parts:
        return cls({k: {str(i["name"]).lower(): i for i in v} for k, v in items.items()})

    def get(self, kind: Kind, name: str | None) -> Json | None:
        return self.by_kind.get(kind, {}).get(str(name).lower()) if name else None


@dataclass(frozen=True)
class VmEntry:
    name: str
    fields: Json
    notes: tuple[str, ...]
    # Names of the resources the entry covers, lower case, by kind.
    uses: tuple[tuple[Kind, str], ...]


def own_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags less azlab's own, which the plan writes itself."""
    return {k: v for k, v in tags.items() if not k.lower().startswith(AZLAB_TAG_PREFIX)}


def vm_entry(item: Json, parts: Parts) -> VmEntry | str:
    """The VM's plan entry, or why the plan cannot hold it at all."""
    name = str(item["name"])
    storage = item.get("properties", {}).get("storageProfile", {})
    os_disk_name = storage.get("osDisk", {}).get("name")
    own = vm.to_plan(item, parts.get(Kind.DISK, os_disk_name))
    interfaces = item.get("properties", {}).get("networkProfile", {}).get("networkInterfaces", [])
    nic_item = parts.get(Kind.NIC, last_segment(interfaces[0].get("id"))) if interfaces else None
    if nic_item is None:
        return "its network interface is not in this resource group"
    on_nic = nic.to_plan(nic_item)
    if not on_nic.fields.get("subnet"):
        return f"network interface {nic_item['name']} is on no subnet"
    if _subnet_elsewhere(nic_item, parts):
        return f"network interface {nic_item['name']} is on a vNet of another resource group"
    notes = [*own.notes, *on_nic.notes]
    uses: list[tuple[Kind, str]] = [(Kind.VM, name.lower()), (Kind.NIC, nic_item["name"].lower())]
    if os_disk_name:
        uses.append((Kind.DISK, str(os_disk_name).lower()))
    renamed: Json = {}
    if str(nic_item["name"]).lower() != names.nic_name(name).lower():
        renamed["nic"] = nic_item["name"]
    fields: Json = {k: own.fields[k] for k in ("name", "size", "os", "image", "location")}
    fields.update(on_nic.fields)
    ip_props = nic.observed(nic_item).props
    for kind, to_plan, derived in (
        (Kind.PUBLIC_IP, public_ip.to_plan, names.public_ip_name(name)),
        (Kind.NSG, nsg.to_plan, names.nsg_name(name)),
    ):
        part = parts.get(kind, ip_props.get(str(kind.value)))
        if part is None:
            continue
        entry: PlanEntry = to_plan(part)
        fields.update(entry.fields)
        notes += entry.notes
        if str(part["name"]).lower() != derived.lower():
            renamed[str(kind.value)] = part["name"]
        uses.append((kind, str(part["name"]).lower()))
    os_disk = {k: v for k, v in own.fields["os_disk"].items() if v is not None}
    if os_disk.get("sku") == "StandardSSD_LRS":
        del os_disk["sku"]  # the plan's default
    if os_disk:
        fields["os_disk"] = os_disk
    data = _data_disks(name, storage.get("dataDisks", []), parts, notes, uses)
    if data:
        fields["data_disks"] = data
    fields["admin"] = own.fields["admin"]
    endpoints = fields.pop("endpoints", None)
    fields["tier"] = 0
    if endpoints:
        fields["endpoints"] = endpoints
    if renamed:
        fields["parts"] = renamed
    return VmEntry(name, fields, tuple(notes), tuple(uses))


def _data_disks(
    vm_name: str,
    attached: list[Json],
    parts: Parts,
    notes: list[str],
    uses: list[tuple[Kind, str]],
) -> list[Json]:
    found = []
    for attachment in sorted(attached, key=lambda d: int(d.get("lun", 0))):
        lun = int(attachment.get("lun", 0))
        disk_name = attachment.get("name") or last_segment(
            attachment.get("managedDisk", {}).get("id")
        )
        item = parts.get(Kind.DISK, disk_name)
        if item is None:
            notes.append(f"data disk at LUN {lun} is not a managed disk of this resource group")
            continue
        entry = disk.to_plan(item, lun)
        fields = dict(entry.fields)
        if str(fields["name"]).lower() == names.data_disk_name(vm_name, lun).lower():
            del fields["name"]
        if fields.get("sku") == "Standard_LRS":
            del fields["sku"]  # the plan's default
        notes.extend(entry.notes)
        uses.append((Kind.DISK, str(item["name"]).lower()))
        found.append(fields)
    return found


def _subnet_elsewhere(nic_item: Json, parts: Parts) -> bool:
    configs = nic_item.get("properties", {}).get("ipConfigurations", [])
    subnet_id = (
        str(configs[0].get("properties", {}).get("subnet", {}).get("id", "")) if configs else ""
    )
    vnet = subnet_id.split("/virtualNetworks/")[-1].split("/")[0] if subnet_id else ""
    return bool(vnet) and parts.get(Kind.NETWORK, vnet) is None


def vm_tags(item: Mapping[str, Any], plan_tags: Mapping[str, str]) -> dict[str, str]:
    tags = own_tags(item.get("tags") or {})
    return {k: v for k, v in tags.items() if plan_tags.get(k) != v}
