"""A virtual machine: built from an image, or booted from a retained OS disk."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypedDict, cast

from azlab.azure.observe import last_segment
from azlab.azure.session import AzureSession
from azlab.model import ADMIN_TAG, IMAGE_TAG, Desired, Key, Kind, Observed
from azlab.plan.model import Vm
from azlab.resources import disk, nic
from azlab.resources.base import (
    Handler,
    Json,
    PlanEntry,
    VmSecrets,
    as_json,
    put,
    remove,
    sub_id,
    tags_of,
    wait,
)

PROVIDER = "Microsoft.Compute/virtualMachines"
# What cannot change without building the VM again.
# Azure refuses a priority change on an existing VM, so it is one of them.
CREATE_ONLY = frozenset(
    {"location", "os", "image", "admin_username", "os_disk_sku", "os_disk_size_gb", "priority"}
)
# What Azure changes only on a deallocated VM: apply deallocates it first.
NEEDS_DEALLOCATION = frozenset({"max_price", "hibernation"})
# The plan's licence -> Azure's licenseType.
LICENSE_TYPES = {"windows_server": "Windows_Server", "windows_client": "Windows_Client"}
PLAN_LICENSES = {azure: plan for plan, azure in LICENSE_TYPES.items()}


class _Always(TypedDict):
    location: str
    size: str
    # Azure may report none of these four for a VM it is still building.
    os: str | None
    # publisher:offer:sku:version
    image: str | None
    admin_username: str | None
    nic: str | None
    os_disk_sku: str | None
    # LUN (as text) -> managed disk name.
    data_disks: dict[str, str]
    # Regular or Spot; a Spot VM is deallocated when evicted, at up to `max_price` an hour
    # (-1: up to the pay-as-you-go price; None for a regular VM).
    priority: str
    max_price: float | None
    # Azure Hybrid Benefit: Windows_Server, Windows_Client, or None.
    license_type: str | None
    hibernation: bool


class Props(_Always, total=False):
    # Only when the plan sets it: otherwise the image's size, whatever Azure reports.
    os_disk_size_gb: int | None
    os_disk_name: str | None
    # Boots from the existing disk `os_disk_name` instead of the image.
    attach_os_disk: bool


def desired(
    vm: Vm,
    location: str,
    nic_name: str,
    data_disks: dict[str, str],
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    props = Props(
        location=location,
        size=vm.size,
        os=vm.os,
        image=vm.image,
        admin_username=vm.admin.username,
        nic=nic_name,
        os_disk_sku=vm.os_disk.sku,
        data_disks=data_disks,
        priority="Spot" if vm.priority == "spot" else "Regular",
        max_price=vm.max_price if vm.max_price is not None else _default_price(vm.priority),
        license_type=LICENSE_TYPES[vm.license] if vm.license else None,
        hibernation=vm.hibernate,
    )
    vm_tags = dict(tags)
    if vm.os_disk.name:
        # A VM rebuilt from a retained disk boots from it; Azure then reports no image
        # and no admin, so the tags keep what the disk was made from for `plan` to compare.
        props["os_disk_name"] = vm.os_disk.name
        props["attach_os_disk"] = True
        vm_tags = {**vm_tags, IMAGE_TAG: vm.image, ADMIN_TAG: vm.admin.username}
    elif vm.os_disk.size_gb is not None:
        # An attached disk keeps the size it has; only a disk built from the image gets one.
        props["os_disk_size_gb"] = vm.os_disk.size_gb
    return Desired(
        Kind.VM,
        vm.name,
        props,
        tags=vm_tags,
        depends_on=depends_on,
        create_only=CREATE_ONLY,
        needs_deallocation=NEEDS_DEALLOCATION,
        source=source,
    )


def _default_price(priority: str) -> float | None:
    return -1.0 if priority == "spot" else None


def observed(item: Mapping[str, Any]) -> Observed:
    p = item.get("properties", {})
    storage = p.get("storageProfile", {})
    image = storage.get("imageReference", {})
    os_disk = storage.get("osDisk", {})
    nics = p.get("networkProfile", {}).get("networkInterfaces", [])
    data_disks = {
        str(d["lun"]): str(d.get("name") or last_segment(d.get("managedDisk", {}).get("id")))
        for d in storage.get("dataDisks", [])
    }
    uses: list[Key] = [(Kind.NIC, (last_segment(n.get("id")) or "").lower()) for n in nics]
    uses += [(Kind.DISK, str(name).lower()) for name in data_disks.values()]
    os_disk_name = os_disk.get("name") or last_segment(os_disk.get("managedDisk", {}).get("id"))
    if os_disk_name:
        uses.append((Kind.DISK, str(os_disk_name).lower()))
    urn = ":".join(str(image.get(k, "")) for k in ("publisher", "offer", "sku", "version"))
    tags = tags_of(item)
    props = Props(
        location=item.get("location", ""),
        size=p.get("hardwareProfile", {}).get("vmSize"),
        os=str(os_disk.get("osType", "")).lower() or None,
        # A VM booted from an attached disk has neither; its tags keep them.
        image=urn if image else tags.get(IMAGE_TAG),
        admin_username=p.get("osProfile", {}).get("adminUsername") or tags.get(ADMIN_TAG),
        nic=last_segment(nics[0].get("id")) if nics else None,
        os_disk_sku=os_disk.get("managedDisk", {}).get("storageAccountType"),
        os_disk_size_gb=os_disk.get("diskSizeGB"),
        os_disk_name=os_disk_name,
        attach_os_disk=str(os_disk.get("createOption", "")).lower() == "attach",
        data_disks=data_disks,
        priority=str(p.get("priority") or "Regular"),
        max_price=_max_price(p),
        license_type=_license_type(p.get("licenseType")),
        hibernation=bool((p.get("additionalCapabilities") or {}).get("hibernationEnabled")),
    )
    return Observed(Kind.VM, item["name"], props, tags, uses=tuple(uses))


# What an imported VM whose image azlab cannot tell says instead; AZL080 accepts it, and a
# rebuild from it fails at Azure, so the note asks for the real one.
UNKNOWN_IMAGE = "unknown:unknown:unknown:latest"
_IMAGE_ID = re.compile(r"/publishers/([^/]+)/.*/offers/([^/]+)/skus/([^/]+)/versions/([^/]+)", re.I)


def to_plan(item: Mapping[str, Any], os_disk: Mapping[str, Any] | None) -> PlanEntry:
    """A VM's own plan fields: size, OS, image, OS disk, admin and location (its parts, the
    NIC and the data disks, read theirs). `os_disk` is its OS disk's REST JSON, if listed."""
    seen = observed(item)
    props = cast(Props, seen.props)
    p = item.get("properties", {})
    notes: list[str] = []
    fields: Json = {
        "name": item["name"],
        "location": props["location"],
        "size": props["size"],
        "os": props["os"] or "linux",
    }
    disk_fields: Json = {}
    if props.get("attach_os_disk"):
        disk_fields["name"] = props.get("os_disk_name")
    elif props.get("os_disk_size_gb"):
        disk_fields["size_gb"] = props.get("os_disk_size_gb")
    disk_fields["sku"] = props["os_disk_sku"] or (os_disk or {}).get("sku", {}).get("name")
    image = props["image"] or _disk_image(os_disk)
    reference = p.get("storageProfile", {}).get("imageReference", {})
    if reference.get("id") or not image or image.startswith(":"):
        notes.append("built from a custom or gallery image: set `image` to a marketplace URN")
        image = UNKNOWN_IMAGE
    fields["image"] = image
    fields["os_disk"] = disk_fields
    linux = p.get("osProfile", {}).get("linuxConfiguration") or {}
    admin: Json = {"username": props["admin_username"] or "azureadmin"}
    if not props["admin_username"]:
        notes.append("boots from an attached disk with no record of its admin: check `admin`")
    if linux.get("disablePasswordAuthentication"):
        admin["ssh_key_env"] = "LAB_SSH_KEY"
    else:
        admin["password_env"] = "LAB_ADMIN_PASSWORD"
    fields["admin"] = admin
    fields.update(_cost_fields(props))
    notes += _unexpressed(p, item)
    return PlanEntry(fields, tuple(notes))


def _disk_image(os_disk: Mapping[str, Any] | None) -> str | None:
    """The marketplace URN an OS disk was made from (a VM that now boots from it has none)."""
    ref = (os_disk or {}).get("properties", {}).get("creationData", {}).get("imageReference", {})
    found = str(ref.get("id") or "")
    match = _IMAGE_ID.search(found)
    if match:
        return ":".join(match.groups())
    return found if found.count(":") == 3 else None


def _unexpressed(p: Mapping[str, Any], item: Mapping[str, Any]) -> list[str]:
    """What the VM has that a plan cannot say: kept as Azure has it, never written by azlab."""
    notes = []
    storage = p.get("storageProfile", {})
    if storage.get("osDisk", {}).get("vhd"):
        notes.append("its OS disk is an unmanaged VHD: azlab manages managed disks only")
    nics = p.get("networkProfile", {}).get("networkInterfaces", [])
    if len(nics) > 1:
        notes.append(f"{len(nics)} network interfaces: the plan gives a VM one")
    if item.get("zones"):
        notes.append(f"availability zone {', '.join(item['zones'])}: the plan sets no zone")
    if p.get("availabilitySet"):
        name = last_segment(p["availabilitySet"].get("id"))
        notes.append(f"availability set {name}: azlab groups by it but does not create sets")
    if str(p.get("priority", "")).lower() == "low":
        notes.append("priority Low (retired): the plan's spot is Spot")
    if p.get("evictionPolicy") and str(p["evictionPolicy"]).lower() != "deallocate":
        notes.append(f"eviction policy {p['evictionPolicy']}: the plan's spot VMs deallocate")
    license_type = _license_type(p.get("licenseType"))
    if license_type and license_type not in PLAN_LICENSES:
        notes.append(f"license type {license_type}: the plan knows Windows ones only")
    return notes


def _cost_fields(props: Props) -> Json:
    """Spot, the licence and hibernation as plan fields, where the VM has them."""
    fields: Json = {}
    if str(props.get("priority", "")).lower() == "spot":
        fields["priority"] = "spot"
        price = props.get("max_price")
        if price is not None and price != -1:
            fields["max_price"] = price
    plan_license = PLAN_LICENSES.get(str(props.get("license_type")))
    if plan_license:
        fields["license"] = plan_license
    if props.get("hibernation"):
        fields["hibernate"] = True
    return fields


def _max_price(p: Mapping[str, Any]) -> float | None:
    price = (p.get("billingProfile") or {}).get("maxPrice")
    if price is None:
        return -1.0 if str(p.get("priority", "")).lower() == "spot" else None
    return float(price)


def _license_type(value: Any) -> str | None:
    # Azure answers "None" for a licence removed by an update.
    return None if value in (None, "", "None") else str(value)


def _cost_options(props: Props) -> Json:
    """Spot, the licence and hibernation: the properties that make the VM cheaper to run."""
    out: Json = {}
    if props.get("priority") == "Spot":
        out["priority"] = "Spot"
        out["evictionPolicy"] = "Deallocate"
        price = props.get("max_price")
        out["billingProfile"] = {"maxPrice": -1 if price is None else price}
    if props.get("license_type"):
        out["licenseType"] = props["license_type"]
    if props.get("hibernation"):
        out["additionalCapabilities"] = {"hibernationEnabled": True}
    return out


def _os_type(props: Props) -> str:
    return "Windows" if props["os"] == "windows" else "Linux"


def _data_disks(session: AzureSession, rg: str, props: Props) -> list[Json]:
    return [
        {
            "lun": int(lun),
            "name": name,
            "createOption": "Attach",
            "managedDisk": sub_id(session, rg, disk.PROVIDER, name),
        }
        for lun, name in sorted(props["data_disks"].items(), key=lambda kv: int(kv[0]))
    ]


def _network_profile(session: AzureSession, rg: str, props: Props) -> Json:
    primary = {
        **sub_id(session, rg, nic.PROVIDER, str(props["nic"])),
        "properties": {"primary": True},
    }
    return {"networkInterfaces": [primary]}


def _attached_body(
    session: AzureSession, rg: str, name: str, props: Props, tags: Mapping[str, str]
) -> Json:
    """A VM that boots from an existing managed disk: no image, no admin profile."""
    os_disk_name = str(props.get("os_disk_name"))
    return {
        "location": props["location"],
        "tags": dict(tags),
        "properties": {
            "hardwareProfile": {"vmSize": props["size"]},
            "storageProfile": {
                "osDisk": {
                    "name": os_disk_name,
                    "createOption": "Attach",
                    "osType": _os_type(props),
                    "managedDisk": sub_id(session, rg, disk.PROVIDER, os_disk_name),
                },
                "dataDisks": _data_disks(session, rg, props),
            },
            "networkProfile": _network_profile(session, rg, props),
            **_cost_options(props),
        },
    }


def _os_profile(name: str, props: Props, secrets: VmSecrets) -> Json:
    admin = str(props["admin_username"])
    profile: Json = {"computerName": name, "adminUsername": admin}
    if props["os"] == "windows":
        profile["adminPassword"] = secrets.password
        profile["windowsConfiguration"] = {"provisionVMAgent": True}
        return profile
    linux: Json = {"provisionVMAgent": True}
    if secrets.ssh_public_key:
        linux["disablePasswordAuthentication"] = True
        key = {"path": f"/home/{admin}/.ssh/authorized_keys", "keyData": secrets.ssh_public_key}
        linux["ssh"] = {"publicKeys": [key]}
    else:
        profile["adminPassword"] = secrets.password
    profile["linuxConfiguration"] = linux
    return profile


def body(
    session: AzureSession,
    rg: str,
    name: str,
    props: Props,
    tags: Mapping[str, str],
    secrets: VmSecrets,
) -> Json:
    if props.get("attach_os_disk"):
        return _attached_body(session, rg, name, props, tags)
    publisher, offer, sku, version = str(props["image"]).split(":")
    os_disk: Json = {
        "name": props.get("os_disk_name") or f"{name}-osdisk",
        "createOption": "FromImage",
        "osType": _os_type(props),
        "managedDisk": {"storageAccountType": props["os_disk_sku"] or "StandardSSD_LRS"},
    }
    size_gb = props.get("os_disk_size_gb")
    if size_gb:
        os_disk["diskSizeGB"] = size_gb
    image = {"publisher": publisher, "offer": offer, "sku": sku, "version": version}
    return {
        "location": props["location"],
        "tags": dict(tags),
        "properties": {
            "hardwareProfile": {"vmSize": props["size"]},
            "storageProfile": {
                "imageReference": image,
                "osDisk": os_disk,
                "dataDisks": _data_disks(session, rg, props),
            },
            "osProfile": _os_profile(name, props, secrets),
            "networkProfile": _network_profile(session, rg, props),
            **_cost_options(props),
        },
    }


def update_body(session: AzureSession, rg: str, props: Props, tags: Mapping[str, str]) -> Json:
    """What can change on a VM without building it again: size, tags, data disks, the licence,
    and (on a deallocated VM) the spot price and hibernation."""
    properties: Json = {
        "hardwareProfile": {"vmSize": props["size"]},
        "storageProfile": {"dataDisks": _data_disks(session, rg, props)},
        # "None" takes a licence away; leaving it out would keep it.
        "licenseType": props.get("license_type") or "None",
        "additionalCapabilities": {"hibernationEnabled": bool(props.get("hibernation"))},
    }
    if props.get("priority") == "Spot":
        price = props.get("max_price")
        properties["billingProfile"] = {"maxPrice": -1 if price is None else price}
    return {"tags": dict(tags), "properties": properties}


def props_of(want: Desired) -> Props:
    return cast(Props, want.props)


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(session, rg, want.name, props_of(want), want.tags, secrets)
    await put(
        session, session.compute.virtual_machines.begin_create_or_update, rg, want.name, request
    )


async def update(session: AzureSession, rg: str, want: Desired) -> None:
    request = update_body(session, rg, props_of(want), want.tags)
    await put(session, session.compute.virtual_machines.begin_update, rg, want.name, request)


async def update_deallocated(session: AzureSession, rg: str, want: Desired) -> None:
    """Update a VM whose change Azure makes only while it is deallocated (the spot price,
    hibernation): deallocate it, update it, and start it again if it was running."""
    vms = session.compute.virtual_machines
    view = as_json(await vms.instance_view(rg, want.name))
    powers = [
        str(s.get("code", "")).partition("/")[2]
        for s in view.get("statuses", [])
        if str(s.get("code", "")).startswith("PowerState/")
    ]
    was_on = bool(powers) and powers[0] in ("running", "starting")
    if was_on or (powers and powers[0] == "stopped"):
        await wait(vms.begin_deallocate(rg, want.name, polling=session.outcome_polling()))
    await update(session, rg, want)
    if was_on:
        await wait(vms.begin_start(rg, want.name, polling=session.outcome_polling()))


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await remove(session, session.compute.virtual_machines.begin_delete, rg, name)


HANDLER = Handler(
    Kind.VM,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.compute.virtual_machines.list(rg),
)
