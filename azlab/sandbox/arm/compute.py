"""Microsoft.Compute: managed disks and virtual machines, with power transitions that take time.

A VM's power state and any action in flight live in the state's private data;
an action is a long-running operation whose completion moves the VM to its
target state (or marks it failed, as `AllocationFailed` does). A second write
or action while one is in flight answers 409 `OperationNotAllowed`, as Azure does.
"""

from __future__ import annotations

import hashlib
import random
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

from azlab.sandbox.arm.compute_model import (
    TRANSITIONS,
    WINDOWS_COMPUTER_NAME_MAX,
    image_os,
    instance_view,
)
from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    body_of,
    new_etag,
    not_found,
    operation_headers,
    page,
)
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route

COMPUTE = PROVIDERS + "/microsoft.compute"
VM = COMPUTE + "/virtualmachines/{name}"
DISK = COMPUTE + "/disks/{name}"
DISK_TYPE = "Microsoft.Compute/disks"
VM_TYPE = "Microsoft.Compute/virtualMachines"


GIB = 1024**3


def disk_key(disk_id: str) -> str:
    """The name of a disk's page blob: stable for the disk's ARM id."""
    return hashlib.sha1(disk_id.lower().encode()).hexdigest()


class Compute:
    def __init__(self, state: State, backend: Any = None) -> None:
        self.state = state
        self.random = random.Random(state.settings.faults.seed)
        # Disk bytes need a backend with page blobs (Azurite); without one, disks are metadata.
        self.bytes = backend if hasattr(backend, "create_disk_blob") else None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sandbox-disks")
        self._writing: dict[str, Future[None]] = {}

    def _write_bytes(
        self,
        disk: Json,
        *,
        image: str | None = None,
        source_url: str | None = None,
        source_key: tuple[str, str] | None = None,
        source_disk: str | None = None,
    ) -> None:
        if self.bytes is None:
            return
        key = disk_key(disk["id"])
        try:
            if source_url:
                size = self.bytes.import_disk_blob(key, source_url, account_key=source_key)
                disk["properties"]["diskSizeGB"] = max(1, -(-size // GIB))
                disk["properties"]["diskSizeBytes"] = size
            elif source_disk:
                self._settle_bytes(disk_key(source_disk))
                self.bytes.copy_disk_blob(disk_key(source_disk), key)
            else:
                # Writing an image's extents takes a few Azurite calls; do it off the event
                # loop, and wait for it only when the bytes are needed.
                size = int(disk["properties"]["diskSizeGB"]) * GIB
                self._writing[key] = self._pool.submit(
                    self.bytes.create_disk_blob, key, size, image=image
                )
        except ArmError:
            raise
        except Exception as exc:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Cannot read the disk's source: {str(exc).splitlines()[0]}",
                "sourceUri",
            ) from None

    def close(self) -> None:
        # Disk bytes not yet written are dropped: a stopping sandbox must not wait on
        # thousands of queued writes (a 500-VM lab), nor send them to a stopped Azurite.
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _settle_bytes(self, key: str) -> None:
        writing = self._writing.pop(key, None)
        if writing is not None:
            writing.result()

    def _drop_bytes(self, disk_id: str) -> None:
        if self.bytes is not None:
            self._settle_bytes(disk_key(disk_id))
            self.bytes.delete_disk_blob(disk_key(disk_id))

    def routes(self) -> list[Route]:
        vms = VM.rsplit("/", 1)[0]
        disks = DISK.rsplit("/", 1)[0]
        routes = [
            route("PUT", VM, self.put_vm, compute="action"),
            route("PATCH", VM, self.patch_vm, compute="action"),
            route("GET", VM, self.get_vm, compute="get"),
            route("DELETE", VM, self.delete_vm, compute="action"),
            route("GET", VM + "/instanceview", self.get_instance_view, compute="get"),
            route("GET", vms, self.list_vms, compute="list"),
            route(
                "GET",
                "/subscriptions/{sub}/providers/microsoft.compute/virtualmachines",
                self.list_all_vms,
                compute="list",
            ),
            route("PUT", DISK, self.put_disk),
            route("PATCH", DISK, self.patch_disk),
            route("GET", DISK, self.get_disk),
            route("DELETE", DISK, self.delete_disk),
            route("GET", disks, self.list_disks),
            route(
                "GET", "/subscriptions/{sub}/providers/microsoft.compute/disks", self.list_all_disks
            ),
            route("POST", DISK + "/begingetaccess", self.grant_access),
            route("POST", DISK + "/endgetaccess", self.revoke_access),
        ]
        for action in ("start", "deallocate", "powerOff", "restart"):
            routes.append(
                route(
                    "POST",
                    f"{VM}/{action.lower()}",
                    self._action(action),
                    compute="action",
                    op=f"vm.{action}",
                )
            )
        return routes

    # ids and lookups
    def _vm_id(self, p: dict[str, str]) -> str:
        return f"{rg_id(p)}/providers/Microsoft.Compute/virtualMachines/{p['name']}"

    def _disk_id(self, p: dict[str, str], name: str | None = None) -> str:
        return f"{rg_id(p)}/providers/Microsoft.Compute/disks/{name or p['name']}"

    def _vm(self, p: dict[str, str]) -> Json:
        vm = self.state.get(self._vm_id(p))
        if vm is None:
            raise ArmError(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.Compute/virtualMachines/{p['name']}' under resource group '{p['rg']}' was not found.",
            )
        return vm

    def _busy(self, resource_id: str, doing: str) -> None:
        op = self.state.pending_on(resource_id)
        if op is not None:
            name = resource_id.rsplit("/", 1)[-1]
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation '{doing}' is not allowed since the Virtual Machine '{name}' is in the middle of another operation ({op.id}). Retry after it completes.",
            )

    # instance view
    def _view(self, vm: Json) -> Json:
        extra = self.state.extra(vm["id"])
        power = extra.get("transient") or extra.get("power", "running")
        provisioning = extra.get("provisioning", "succeeded")
        if self.state.pending_on(vm["id"]) is not None and not provisioning.startswith("failed"):
            provisioning = "updating" if extra.get("created") else "creating"
        return instance_view(
            vm["properties"].get("osProfile", {}).get("computerName", vm["name"]),
            power,
            provisioning,
        )

    def _with_view(self, vm: Json) -> Json:
        out = dict(vm)
        out["properties"] = {**vm["properties"], "instanceView": self._view(vm)}
        return out

    def get_vm(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self._vm(p)
        if req.query.get("$expand", "").lower() == "instanceview":
            return Reply(200, self._with_view(vm))
        return Reply(200, vm)

    def get_instance_view(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._view(self._vm(p)))

    def list_vms(self, req: Request, p: dict[str, str]) -> Reply:
        return page(
            req,
            self.state.children(rg_id(p), "providers/microsoft.compute/virtualmachines"),
            self.state.settings.page_size,
        )

    def list_all_vms(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        vms = [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and r.get("type") == VM_TYPE
        ]
        if req.query.get("statusonly", "").lower() == "true":
            vms = [self._with_view(vm) for vm in vms]
        return page(req, vms, self.state.settings.page_size)

    # virtual machines
    def put_vm(self, req: Request, p: dict[str, str]) -> Reply:
        vm_id = self._vm_id(p)
        existing = self.state.get(vm_id)
        if existing is not None:
            return self._update(req, p, existing, body_of(req), replace=True)
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        body = body_of(req)
        props = body.get("properties") or {}
        location = body.get("location") or group["location"]
        storage = props.get("storageProfile") or {}
        os_profile = props.get("osProfile")
        image = storage.get("imageReference")
        os_disk_in = storage.get("osDisk") or {}
        os_type = image_os(image) or str(os_disk_in.get("osType", "")).lower() or None
        self._validate_profile(p["name"], os_type, os_profile, image)
        nics = self._claim_nics(vm_id, location, props.get("networkProfile") or {})
        os_disk = self._os_disk(p, vm_id, location, os_disk_in, image, os_type)
        data_disks = [
            self._data_disk(p, vm_id, location, d) for d in storage.get("dataDisks") or []
        ]
        out_profile: Json | None = None
        if os_profile is not None:
            out_profile = {
                k: v for k, v in os_profile.items() if k not in ("adminPassword", "customData")
            }
            out_profile.setdefault("computerName", p["name"])
        vm: Json = {
            "id": vm_id,
            "name": p["name"],
            "type": VM_TYPE,
            "location": location,
            "tags": dict(body.get("tags") or {}),
            "etag": new_etag(),
            "properties": {
                "vmId": new_etag()[3:-1],
                "hardwareProfile": {
                    "vmSize": (props.get("hardwareProfile") or {}).get("vmSize", "Standard_B1s")
                },
                "storageProfile": {
                    **({"imageReference": {**image, "exactVersion": "1.0.0"}} if image else {}),
                    "osDisk": os_disk,
                    "dataDisks": data_disks,
                },
                "networkProfile": {"networkInterfaces": nics},
                "provisioningState": "Creating",
            },
        }
        if out_profile is not None:
            vm["properties"]["osProfile"] = out_profile
        self.state.put(vm_id, vm)
        extra = self.state.extra(vm_id)
        extra.update({"power": "deallocated", "provisioning": "creating"})
        return self._transition(req, p, vm, "create", status=201)

    def _validate_profile(
        self, name: str, os_type: str | None, os_profile: Json | None, image: Json | None
    ) -> None:
        if os_profile is None:
            if image is not None:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "Required parameter 'osProfile' is missing (null).",
                    "osProfile",
                )
            return
        computer = os_profile.get("computerName") or name
        if os_type == "windows":
            if len(computer) > WINDOWS_COMPUTER_NAME_MAX:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    f"The value of parameter windowsConfiguration.computerName is invalid: Windows computer name cannot be more than 15 characters long, be entirely numeric, or contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] {{ }} \\ | ; : . ' \" , < > / ?. ('{computer}')",
                    "computerName",
                )
            if "linuxConfiguration" in os_profile:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "The image is a Windows image but the request has a linuxConfiguration.",
                    "osProfile.linuxConfiguration",
                )
            if not os_profile.get("adminPassword"):
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "Required parameter 'adminPassword' is missing (null).",
                    "adminPassword",
                )
        elif os_type == "linux":
            if "windowsConfiguration" in os_profile:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "The image is a Linux image but the request has a windowsConfiguration.",
                    "osProfile.windowsConfiguration",
                )
            linux = os_profile.get("linuxConfiguration") or {}
            keys = (linux.get("ssh") or {}).get("publicKeys") or []
            if not os_profile.get("adminPassword") and not keys:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "Linux VMs need an admin password or an SSH public key.",
                    "osProfile",
                )

    def _claim_nics(self, vm_id: str, location: str, network: Json) -> list[Json]:
        refs = network.get("networkInterfaces") or []
        if not refs:
            raise ArmError(
                400,
                "InvalidParameter",
                "Virtual machine needs at least one network interface.",
                "networkProfile",
            )
        claimed: list[Json] = []
        for ref in refs:
            nic = self.state.referenced(ref.get("id", ""), vm_id)
            holder = nic["properties"].get("virtualMachine")
            if holder and holder["id"].lower() != vm_id.lower():
                raise ArmError(
                    400,
                    "NicInUse",
                    f"Network Interface {nic['id']} is used by existing resource {holder['id']}.",
                )
            if nic["location"].lower() != location.lower():
                raise ArmError(
                    400,
                    "NicNotInSameLocation",
                    f"The network interface {nic['name']} is in {nic['location']} but the virtual machine is in {location}; they must be in the same location.",
                )
            claimed.append({"id": nic["id"], "properties": {"primary": len(claimed) == 0}})
        for ref in claimed:
            self.state.get(ref["id"])["properties"]["virtualMachine"] = {"id": vm_id}  # type: ignore[index]
        return claimed

    def _os_disk(
        self,
        p: dict[str, str],
        vm_id: str,
        location: str,
        spec: Json,
        image: Json | None,
        os_type: str | None,
    ) -> Json:
        option = str(spec.get("createOption", "FromImage"))
        if option.lower() == "attach":
            disk = self._attach(vm_id, location, (spec.get("managedDisk") or {}).get("id", ""))
            return {
                "osType": disk["properties"].get("osType", (os_type or "linux").capitalize()),
                "name": disk["name"],
                "createOption": "Attach",
                "managedDisk": {"id": disk["id"], "storageAccountType": disk["sku"]["name"]},
                "deleteOption": spec.get("deleteOption", "Detach"),
            }
        name = spec.get("name") or f"{p['name']}_OsDisk_1"
        sku = (spec.get("managedDisk") or {}).get("storageAccountType", "StandardSSD_LRS")
        size = spec.get("diskSizeGB") or (127 if os_type == "windows" else 30)
        disk_id = self._disk_id(p, name)
        if self.state.get(disk_id) is not None:
            raise ArmError(
                409,
                "ConflictingUserInput",
                f"Disk {name} already exists in resource group {p['rg'].upper()}. Only CreateOption.Attach is supported.",
            )
        disk = self._disk_json(disk_id, name, location, {}, sku, size, "FromImage", os_type)
        disk["properties"]["creationData"]["imageReference"] = (
            {
                "id": ":".join(
                    str(image.get(k, "")) for k in ("publisher", "offer", "sku", "version")
                )
            }
            if image
            else {}
        )
        disk["managedBy"] = vm_id
        disk["properties"]["diskState"] = "Attached"
        self._write_bytes(
            disk, image=disk["properties"]["creationData"]["imageReference"].get("id")
        )
        self.state.put(disk_id, disk)
        return {
            "osType": (os_type or "linux").capitalize(),
            "name": name,
            "createOption": "FromImage",
            "diskSizeGB": size,
            "managedDisk": {"id": disk_id, "storageAccountType": sku},
            "deleteOption": spec.get("deleteOption", "Detach"),
        }

    def _data_disk(self, p: dict[str, str], vm_id: str, location: str, spec: Json) -> Json:
        option = str(spec.get("createOption", "Empty")).lower()
        lun = int(spec.get("lun", 0))
        if option == "attach":
            disk = self._attach(vm_id, location, (spec.get("managedDisk") or {}).get("id", ""))
        else:
            name = spec.get("name") or f"{p['name']}_disk{lun}"
            disk_id = self._disk_id(p, name)
            sku = (spec.get("managedDisk") or {}).get("storageAccountType", "Standard_LRS")
            disk = self._disk_json(
                disk_id, name, location, {}, sku, int(spec.get("diskSizeGB", 32)), "Empty", None
            )
            disk["managedBy"] = vm_id
            disk["properties"]["diskState"] = "Attached"
            self._write_bytes(disk)
            self.state.put(disk_id, disk)
        return {
            "lun": lun,
            "name": disk["name"],
            "createOption": "Attach" if option == "attach" else "Empty",
            "caching": spec.get("caching", "None"),
            "diskSizeGB": disk["properties"]["diskSizeGB"],
            "managedDisk": {"id": disk["id"], "storageAccountType": disk["sku"]["name"]},
            "deleteOption": spec.get("deleteOption", "Detach"),
        }

    def _attach(self, vm_id: str, location: str, disk_id: str) -> Json:
        disk = self.state.get(disk_id)
        if disk is None:
            raise ArmError(404, "NotFound", f"Disk {disk_id} was not found.")
        holder = disk.get("managedBy")
        if holder and holder.lower() != vm_id.lower():
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Disk '{disk['name']}' is already attached to VM '{holder}'.",
            )
        if disk["location"].lower() != location.lower():
            raise ArmError(
                400,
                "InvalidParameter",
                f"Disk {disk['name']} is in {disk['location']}; the virtual machine is in {location}.",
                "managedDisk.id",
            )
        disk["managedBy"] = vm_id
        disk["properties"]["diskState"] = "Attached"
        return disk

    def _detach(self, disk_id: str) -> None:
        disk = self.state.get(disk_id)
        if disk is not None:
            disk.pop("managedBy", None)
            disk["properties"]["diskState"] = "Unattached"

    def patch_vm(self, req: Request, p: dict[str, str]) -> Reply:
        return self._update(req, p, self._vm(p), body_of(req), replace=False)

    def _update(
        self, req: Request, p: dict[str, str], vm: Json, body: Json, *, replace: bool
    ) -> Reply:
        self._busy(vm["id"], "update")
        if "tags" in body:
            vm["tags"] = dict(body.get("tags") or {})
        props = body.get("properties") or {}
        action = None
        new_size = (props.get("hardwareProfile") or {}).get("vmSize")
        if new_size and new_size != vm["properties"]["hardwareProfile"]["vmSize"]:
            vm["properties"]["hardwareProfile"]["vmSize"] = new_size
            if self.state.extra(vm["id"]).get("power") == "running":
                action = "resize"
        storage = props.get("storageProfile") or {}
        if "dataDisks" in storage:
            wanted = {int(d.get("lun", 0)): d for d in storage["dataDisks"] or []}
            current = {int(d["lun"]): d for d in vm["properties"]["storageProfile"]["dataDisks"]}
            for lun, disk in current.items():
                if lun not in wanted:
                    self._detach(disk["managedDisk"]["id"])
            updated = []
            for lun, spec in sorted(wanted.items()):
                updated.append(
                    current[lun]
                    if lun in current
                    else self._data_disk(p, vm["id"], vm["location"], spec)
                )
            vm["properties"]["storageProfile"]["dataDisks"] = updated
        vm["etag"] = new_etag()
        if action is not None:
            return self._transition(req, p, vm, action, status=200)
        op = self.state.start_operation(vm["id"])
        return Reply(200, vm, operation_headers(req, op, p["sub"]))

    def delete_vm(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self.state.get(self._vm_id(p))
        if vm is None:
            return Reply(204)
        self._busy(vm["id"], "delete")

        def done() -> None:
            storage = vm["properties"]["storageProfile"]
            for disk in [storage["osDisk"], *storage["dataDisks"]]:
                disk_id = disk["managedDisk"]["id"]
                if str(disk.get("deleteOption", "Detach")).lower() == "delete":
                    self.state.delete(disk_id)
                    self._drop_bytes(disk_id)
                else:
                    self._detach(disk_id)
            for ref in vm["properties"]["networkProfile"]["networkInterfaces"]:
                nic = self.state.get(ref["id"])
                if nic is not None:
                    nic["properties"].pop("virtualMachine", None)
            self.state.delete(vm["id"])

        self.state.extra(vm["id"])["transient"] = "deallocating"
        op = self.state.start_operation(vm["id"], on_done=done)
        return Reply(202, None, operation_headers(req, op, p["sub"]))

    def _action(self, action: str) -> Any:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            vm = self._vm(p)
            self._busy(vm["id"], action)
            return self._transition(req, p, vm, action, status=202)

        return handler

    def _transition(
        self, req: Request, p: dict[str, str], vm: Json, action: str, *, status: int
    ) -> Reply:
        extra = self.state.extra(vm["id"])
        transient, target = TRANSITIONS[action]
        error = None
        faults = self.state.settings.faults
        if (
            action in ("start", "create", "restart")
            and extra.get("power") != "running"
            and (
                vm["name"].lower() in faults.allocation_failed_vms
                or (
                    faults.allocation_failed_rate
                    and self.random.random() < faults.allocation_failed_rate
                )
            )
        ):
            error = ArmError(
                409,
                "AllocationFailed",
                f"Allocation failed. We do not have sufficient capacity for the requested VM size in this region. VM: {vm['name']}.",
            )
        extra["transient"] = transient
        extra["provisioning"] = "updating" if extra.get("created") else "creating"

        def done() -> None:
            current = self.state.get(vm["id"])
            if current is None:
                return
            extra.pop("transient", None)
            if error is not None:
                extra["provisioning"] = "failed/AllocationFailed"
                extra["power"] = "deallocated"
            else:
                extra["provisioning"] = "succeeded"
                extra["power"] = target
            extra["created"] = True
            current["properties"]["provisioningState"] = "Failed" if error else "Succeeded"

        op = self.state.start_operation(vm["id"], on_done=done, error=error)
        headers = operation_headers(req, op, p["sub"])
        return Reply(status, None if status == 202 else vm, headers)

    # managed disks
    def _disk_json(
        self,
        disk_id: str,
        name: str,
        location: str,
        tags: Json,
        sku: str,
        size: int,
        option: str,
        os_type: str | None,
    ) -> Json:
        disk: Json = {
            "id": disk_id,
            "name": name,
            "type": DISK_TYPE,
            "location": location,
            "tags": dict(tags),
            "sku": {"name": sku, "tier": "Standard" if sku.startswith("Standard") else "Premium"},
            "properties": {
                "creationData": {"createOption": option},
                "diskSizeGB": size,
                "diskSizeBytes": size * 1024**3,
                "diskState": "Unattached",
                "provisioningState": "Succeeded",
            },
        }
        if os_type:
            disk["properties"]["osType"] = os_type.capitalize()
        return disk

    def put_disk(self, req: Request, p: dict[str, str]) -> Reply:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        body = body_of(req)
        disk_id = self._disk_id(p)
        existing = self.state.get(disk_id)
        if existing is not None:
            return self._patch_disk(req, p, existing, body)
        props = body.get("properties") or {}
        creation = props.get("creationData") or {}
        option = str(creation.get("createOption", "Empty"))
        size = props.get("diskSizeGB")
        if option.lower() == "empty" and not size:
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'diskSizeGB' is missing (null).",
                "diskSizeGB",
            )
        location = body.get("location") or group["location"]
        source_key: tuple[str, str] | None = None
        if option.lower() == "import":
            source_key = self._import_source(creation, location)
        if option.lower() == "copy":
            source = self.state.get(creation.get("sourceResourceId", ""))
            if source is None:
                raise ArmError(
                    404,
                    "NotFound",
                    f"Source disk {creation.get('sourceResourceId')} was not found.",
                )
            size = size or source["properties"]["diskSizeGB"]
        disk = self._disk_json(
            disk_id,
            p["name"],
            location,
            body.get("tags") or {},
            (body.get("sku") or {}).get("name", "Standard_LRS"),
            int(size or 32),
            option,
            props.get("osType"),
        )
        disk["properties"]["creationData"] = dict(creation)
        image = (creation.get("imageReference") or {}).get("id")
        self._write_bytes(
            disk,
            image=image,
            source_url=creation.get("sourceUri") if option.lower() == "import" else None,
            source_key=source_key,
            source_disk=creation.get("sourceResourceId") if option.lower() == "copy" else None,
        )
        if props.get("hyperVGeneration"):
            disk["properties"]["hyperVGeneration"] = props["hyperVGeneration"]
        # Disks answer 202 with the operation's URLs, as Azure does for disk writes.
        disk["properties"]["provisioningState"] = "Updating"
        self.state.put(disk_id, disk)

        def done() -> None:
            current = self.state.get(disk_id)
            if current is not None:
                current["properties"]["provisioningState"] = "Succeeded"

        op = self.state.start_operation(disk_id, on_done=done)
        return Reply(202, None, operation_headers(req, op, p["sub"]))

    def _import_source(self, creation: Json, location: str) -> tuple[str, str]:
        """The storage account a VHD is imported from, checked as Azure checks it."""
        if not creation.get("sourceUri"):
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'sourceUri' is missing (null).",
                "sourceUri",
            )
        account_id = str(creation.get("storageAccountId") or "")
        if not account_id:
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'storageAccountId' is missing (null).",
                "storageAccountId",
            )
        account = self.state.get(account_id)
        if account is None:
            raise ArmError(
                404,
                "StorageAccountNotFound",
                f"Storage account {account_id} was not found.",
                "storageAccountId",
            )
        if account["location"].lower() != location.lower():
            raise ArmError(
                409,
                "InvalidStorageAccountLocation",
                f"Storage account {account['name']} is in {account['location']}; "
                f"a disk in {location} can only import from a storage account in {location}.",
                "storageAccountId",
            )
        keys = self.state.extra(account_id).get("keys") or [""]
        return str(account["name"]), str(keys[0])

    def patch_disk(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self.state.get(self._disk_id(p))
        if disk is None:
            raise not_found("disk", self._disk_id(p))
        return self._patch_disk(req, p, disk, body_of(req))

    def _patch_disk(self, req: Request, p: dict[str, str], disk: Json, body: Json) -> Reply:
        if "tags" in body:
            disk["tags"] = dict(body.get("tags") or {})
        size = (body.get("properties") or {}).get("diskSizeGB")
        if size:
            if int(size) < disk["properties"]["diskSizeGB"]:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"Disk size can only grow: {disk['properties']['diskSizeGB']} GB to {size} GB is a shrink.",
                )
            disk["properties"]["diskSizeGB"] = int(size)
        if body.get("sku"):
            disk["sku"]["name"] = body["sku"].get("name", disk["sku"]["name"])
        return Reply(200, disk)

    def get_disk(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self.state.get(self._disk_id(p))
        if disk is None:
            raise ArmError(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.Compute/disks/{p['name']}' under resource group '{p['rg']}' was not found.",
            )
        return Reply(200, disk)

    def delete_disk(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self.state.get(self._disk_id(p))
        if disk is None:
            return Reply(204)
        if disk.get("managedBy"):
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Disk {disk['name']} is attached to VM {disk['managedBy']}.",
            )

        def done() -> None:
            self.state.delete(disk["id"])
            self._drop_bytes(disk["id"])

        op = self.state.start_operation(disk["id"], on_done=done)
        return Reply(202, None, operation_headers(req, op, p["sub"]))

    def list_disks(self, req: Request, p: dict[str, str]) -> Reply:
        return page(
            req,
            self.state.children(rg_id(p), "providers/microsoft.compute/disks"),
            self.state.settings.page_size,
        )

    def list_all_disks(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        return page(
            req,
            [
                r
                for k, r in self.state.resources.items()
                if k.startswith(prefix) and r.get("type") == DISK_TYPE
            ],
            self.state.settings.page_size,
        )

    def grant_access(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self.state.get(self._disk_id(p))
        if disk is None:
            raise not_found("disk", self._disk_id(p))
        disk["properties"]["diskState"] = "ActiveSAS"
        seconds = int((req.body or {}).get("durationInSeconds", 3600))
        if self.bytes is not None:
            self._settle_bytes(disk_key(disk["id"]))
            url = self.bytes.disk_access_url(
                disk_key(disk["id"]), datetime.now(timezone.utc) + timedelta(seconds=seconds)
            )
        else:
            url = f"{req.base_url}/_sandbox/disks/{disk['name']}?sv=2024-08-04&sr=b&sp=r&sig=none"
        op = self.state.start_operation(disk["id"], result={"accessSAS": url})
        return Reply(202, None, operation_headers(req, op, p["sub"]))

    def revoke_access(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self.state.get(self._disk_id(p))
        if disk is None:
            raise not_found("disk", self._disk_id(p))
        disk["properties"]["diskState"] = "Attached" if disk.get("managedBy") else "Unattached"
        op = self.state.start_operation(disk["id"])
        return Reply(202, None, operation_headers(req, op, p["sub"]))
