"""The migration's steps against Azure. Each is safe to run again after a crash.

Source disks are never deleted here except by `cleanup_source`, which runs
only after the new VM is up on verified copies; deleting the source VM keeps
its disks (their delete option is set to Detach first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from azlab.azure.session import AzureSession
from azlab.azure.storage import find_account, get_account
from azlab.copy.engine import DEFAULT_PARALLELISM
from azlab.copy.progress import CopyProgress
from azlab.copy.run import CopyOptions, copy
from azlab.migrate.model import Destination, DiskMove, VmMove
from azlab.plan.model import Plan
from azlab.reconcile.desired import desired_resources, nic_name, nsg_name, public_ip_name
from azlab.reconcile.model import PLAN_TAG, Desired, Kind
from azlab.resources import operations

RETAINED_TAG = "azlab-retained"


async def _wait(begin: Any) -> Any:
    return await (await begin).result()


async def _get_vm(session: AzureSession, rg: str, name: str) -> dict[str, Any] | None:
    try:
        vm = await session.compute.virtual_machines.get(rg, name)
    except ResourceNotFoundError:
        return None
    data: dict[str, Any] = vm.as_dict()
    return data


async def deallocate(session: AzureSession, rg: str, move: VmMove) -> None:
    vm = await _get_vm(session, rg, move.name)
    if vm is None or vm["location"].lower() != move.source_location.lower():
        return  # already rebuilt elsewhere: nothing of the source is running
    await _wait(
        session.compute.virtual_machines.begin_deallocate(rg, move.name, polling=session.polling())
    )


async def ensure_container(session: AzureSession, destination: Destination, name: str) -> None:
    rg = await account_group(session, destination.storage_account)
    try:
        await session.storage.blob_containers.create(
            rg, destination.storage_account, name, {"properties": {}}
        )
    except ResourceExistsError:
        return


async def account_group(session: AzureSession, account: str) -> str:
    found = await find_account(session, account)
    if found is None:
        raise LookupError(account)
    return found.resource_group


async def copy_disk(
    session: AzureSession,
    rg: str,
    destination: Destination,
    disk: DiskMove,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    sas_lifetime: float | None = None,
    on_progress: Callable[[CopyProgress], None] | None = None,
) -> None:
    """Export the source disk, copy it to a VHD page blob, verify every range's content."""
    await copy(
        f"disk:{rg}/{disk.source}",
        f"{destination.storage_account}/{destination.container}/{disk.vhd}",
        CopyOptions(parallelism=parallelism, verify_content=True, sas_lifetime=sas_lifetime),
        session=session,
        on_progress=on_progress,
    )


async def import_disk(
    session: AzureSession,
    rg: str,
    destination: Destination,
    disk: DiskMove,
    tags: dict[str, str],
) -> None:
    """A managed disk in the destination region made from the VHD (the VHD stays)."""
    account = await get_account(
        session,
        await account_group(session, destination.storage_account),
        destination.storage_account,
    )
    endpoint = account.blob_endpoint.rstrip("/")
    properties: dict[str, Any] = {
        "creationData": {
            "createOption": "Import",
            "sourceUri": f"{endpoint}/{destination.container}/{disk.vhd}",
            "storageAccountId": account.id,
        }
    }
    if disk.os_type:
        properties["osType"] = disk.os_type
    if disk.hyper_v_generation:
        properties["hyperVGeneration"] = disk.hyper_v_generation
    try:
        existing = await session.compute.disks.get(rg, disk.target)
    except ResourceNotFoundError:
        existing = None
    if existing is not None and str(existing.location).lower() == destination.location.lower():
        return  # imported before a crash; Azure cannot import over an existing disk
    body = {"location": destination.location, "tags": tags, "sku": {"name": disk.sku}}
    await _wait(
        session.compute.disks.begin_create_or_update(
            rg, disk.target, {**body, "properties": properties}, polling=session.polling()
        )
    )


def _vm_parts(desired: list[Desired], vm: str) -> dict[Kind, Desired]:
    names = {
        Kind.NIC: nic_name(vm).lower(),
        Kind.PUBLIC_IP: public_ip_name(vm).lower(),
        Kind.NSG: nsg_name(vm).lower(),
        Kind.VM: vm.lower(),
    }
    return {d.kind: d for d in desired if names.get(d.kind) == d.name.lower()}


async def _location_of(session: AzureSession, kind: Kind, rg: str, name: str) -> str | None:
    getters = {
        Kind.NIC: session.network.network_interfaces.get,
        Kind.PUBLIC_IP: session.network.public_ip_addresses.get,
        Kind.NSG: session.network.network_security_groups.get,
    }
    try:
        found = await getters[kind](rg, name)
    except ResourceNotFoundError:
        return None
    return str(found.location)


async def _keep_disks_on_delete(session: AzureSession, rg: str, vm: dict[str, Any]) -> None:
    """Deleting a VM must not take its disks with it."""
    storage = vm.get("properties", {}).get("storageProfile", {})
    disks = [storage.get("osDisk") or {}, *(storage.get("dataDisks") or [])]
    if all(str(d.get("deleteOption", "Detach")).lower() == "detach" for d in disks):
        return
    os_disk = {"deleteOption": "Detach"}
    data = [{"lun": d["lun"], "deleteOption": "Detach"} for d in storage.get("dataDisks") or []]
    await _wait(
        session.compute.virtual_machines.begin_update(
            rg,
            vm["name"],
            {"properties": {"storageProfile": {"osDisk": os_disk, "dataDisks": data}}},
            polling=session.polling(),
        )
    )


async def rebuild(
    session: AzureSession,
    rg: str,
    destination: Destination,
    move: VmMove,
    moved_plan: Plan,
) -> None:
    """Delete the source VM (keeping its disks) and its network parts, build the VM anew."""
    parts = _vm_parts(desired_resources(moved_plan), move.name)
    vm = await _get_vm(session, rg, move.name)
    new_os = move.os_disk.target.lower()
    if vm is not None:
        os_disk = vm.get("properties", {}).get("storageProfile", {}).get("osDisk", {})
        if str(os_disk.get("name", "")).lower() == new_os:
            return  # rebuilt before a crash
        await _keep_disks_on_delete(session, rg, vm)
        await operations.delete(session, rg, Kind.VM, move.name)
    # A NIC, public IP or NSG lives in one region (and a NIC in one vNet): make new ones.
    for kind in (Kind.NIC, Kind.PUBLIC_IP, Kind.NSG):
        want = parts.get(kind)
        name = want.name if want else None
        if name is None:
            continue
        where = await _location_of(session, kind, rg, name)
        stale = where is not None and where.lower() != destination.location.lower()
        if kind is Kind.NIC and where is not None and not stale:
            stale = move.source_subnet.lower() != destination.subnet.lower()
        if stale:
            await operations.delete(session, rg, kind, name)
    for kind in (Kind.PUBLIC_IP, Kind.NSG, Kind.NIC):
        if kind in parts:
            await operations.create_or_update(session, rg, parts[kind])
    want = parts[Kind.VM]
    body = operations.vm_body(session, rg, want, operations.VmSecrets())
    # Keep tags someone else put on the VM, and each data disk's caching.
    body["tags"] = {**move.tags, **body["tags"]}
    caching = {d.lun: d.caching for d in move.data_disks if d.caching}
    for entry in body["properties"]["storageProfile"]["dataDisks"]:
        if entry["lun"] in caching:
            entry["caching"] = caching[entry["lun"]]
    if move.os_disk.caching:
        body["properties"]["storageProfile"]["osDisk"]["caching"] = move.os_disk.caching
    await _wait(
        session.compute.virtual_machines.begin_create_or_update(
            rg, move.name, body, polling=session.polling()
        )
    )


async def retain_source_disks(
    session: AzureSession, rg: str, plan_name: str, move: VmMove, location: str
) -> None:
    """The source disks leave the plan's ownership: no apply or destroy will touch them."""
    for disk in move.disks:
        try:
            found = await session.compute.disks.get(rg, disk.source)
        except ResourceNotFoundError:
            continue
        tags = {k: v for k, v in (found.tags or {}).items() if k != PLAN_TAG}
        tags[RETAINED_TAG] = f"{plan_name}/{move.name} before its move to {location}"
        await _wait(
            session.compute.disks.begin_update(
                rg, disk.source, {"tags": tags}, polling=session.polling()
            )
        )


async def start(session: AzureSession, rg: str, move: VmMove) -> None:
    if move.was_running:
        await _wait(
            session.compute.virtual_machines.begin_start(rg, move.name, polling=session.polling())
        )


async def cleanup_source(session: AzureSession, rg: str, move: VmMove) -> None:
    for disk in move.disks:
        await operations.delete(session, rg, Kind.DISK, disk.source)
