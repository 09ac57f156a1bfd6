"""A data disk: an empty managed disk a VM attaches at a LUN."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.plan.model import DataDisk
from azlab.resources.base import (
    Handler,
    Json,
    PlanEntry,
    VmSecrets,
    put,
    remove,
    tags_of,
)

PROVIDER = "Microsoft.Compute/disks"


class Props(TypedDict):
    location: str
    size_gb: int
    sku: str


def desired(
    disk: DataDisk,
    name: str,
    location: str,
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    return Desired(
        Kind.DISK,
        name,
        Props(location=location, size_gb=disk.size_gb, sku=disk.sku),
        tags=tags,
        depends_on=depends_on,
        create_only=frozenset({"location"}),
        source=source,
    )


def observed(item: Mapping[str, Any]) -> Observed | None:
    p = item.get("properties", {})
    if p.get("osType"):
        # An OS disk belongs to its VM (vm.py), not to the plan's data disks.
        return None
    props = Props(
        location=item.get("location", ""),
        size_gb=p.get("diskSizeGB"),
        sku=item.get("sku", {}).get("name"),
    )
    return Observed(Kind.DISK, item["name"], props, tags_of(item))


def to_plan(item: Mapping[str, Any], lun: int) -> PlanEntry:
    """A VM's `data_disks` entry for the managed disk it attaches at `lun`."""
    p = item.get("properties", {})
    fields: Json = {
        "lun": lun,
        "size_gb": p.get("diskSizeGB"),
        "sku": item.get("sku", {}).get("name"),
        "name": item["name"],
    }
    notes = []
    created = str(p.get("creationData", {}).get("createOption", "Empty"))
    if created.lower() != "empty":
        notes.append(f"data disk {item['name']} was made by {created}: azlab makes empty ones")
    return PlanEntry(fields, tuple(notes))


def body(props: Props, tags: Mapping[str, str]) -> Json:
    return {
        "location": props["location"],
        "tags": dict(tags),
        "sku": {"name": props["sku"]},
        "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": props["size_gb"]},
    }


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(cast(Props, want.props), want.tags)
    await put(session, session.compute.disks.begin_create_or_update, rg, want.name, request)


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await remove(session, session.compute.disks.begin_delete, rg, name)


HANDLER = Handler(
    Kind.DISK,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.compute.disks.list_by_resource_group(rg),
)
