"""Virtual machines: their state, power transitions that take time, and what they claim.

A VM's power state and any action in flight live in the state's private data;
an action is a long-running operation whose completion moves the VM to its
target state (or marks it failed, as `AllocationFailed` does). A second write
or action while one is in flight is refused with 409 `OperationNotAllowed`,
as Azure does. Methods return the `Operation`; `compute.py` answers with it.
"""

from __future__ import annotations

import random

from azlab.sandbox.arm.compute_agent import agent_ready
from azlab.sandbox.arm.compute_disks import Disks, disk_id, disk_json
from azlab.sandbox.arm.compute_model import TRANSITIONS, image_os, status, validate_profile
from azlab.sandbox.arm.compute_options import (
    check_can_hibernate,
    create_options,
    is_spot,
    update_options,
)
from azlab.sandbox.arm.compute_views import instance_view, os_profile_out
from azlab.sandbox.arm.core import ArmError, Json, Operation, State, iso_time, new_etag
from azlab.sandbox.arm.regions import normalise_region, same_region

VM_TYPE = "Microsoft.Compute/virtualMachines"


def vm_id(group_id: str, name: str) -> str:
    return f"{group_id}/providers/{VM_TYPE}/{name}"


class VirtualMachines:
    def __init__(self, state: State, disks: Disks) -> None:
        self.state = state
        self.disks = disks
        self.random = random.Random(state.settings.faults.seed)

    def busy(self, resource_id: str, doing: str) -> None:
        """Refuse `doing` while another operation runs on the VM."""
        op = self.state.pending_on(resource_id)
        if op is not None:
            name = resource_id.rsplit("/", 1)[-1]
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation '{doing}' is not allowed since the Virtual Machine '{name}' is in the middle of another operation ({op.id}). Retry after it completes.",
            )

    # instance view
    def view(self, vm: Json) -> Json:
        extra = self.state.extra(vm["id"])
        power = extra.get("transient") or extra.get("power", "running")
        provisioning = extra.get("provisioning", "succeeded")
        if self.state.pending_on(vm["id"]) is not None and not provisioning.startswith("failed"):
            provisioning = "updating" if extra.get("created") else "creating"
        os_disk = self.state.get(vm["properties"]["storageProfile"]["osDisk"]["managedDisk"]["id"])
        generation = ((os_disk or {}).get("properties") or {}).get("hyperVGeneration", "V1")
        now = self.state.now()
        notes: list[Json] = []
        if power == "deallocated" and extra.get("hibernated"):
            notes.append(status("HibernationState/Hibernated", "VM hibernated"))
        if power == "deallocated" and extra.get("evicted") is not None:
            evicted = status("EvictionState/Evicted", "VM evicted", "Warning")
            notes.append({**evicted, "time": iso_time(float(extra["evicted"]))})
        return instance_view(
            vm,
            power,
            provisioning,
            since=float(extra.get("changed", now)),
            now=now,
            generation=str(generation),
            agent_ready=agent_ready(vm["name"], extra, self.state.settings, now),
            notes=tuple(notes),
        )

    def with_view(self, vm: Json) -> Json:
        out = dict(vm)
        out["properties"] = {**vm["properties"], "instanceView": self.view(vm)}
        return out

    # writes
    def create(
        self, group_id: str, default_location: str, resource_id: str, name: str, body: Json
    ) -> tuple[Json, Operation]:
        """Store a new VM as creating, with its NICs and disks claimed; the operation starts it."""
        props = body.get("properties") or {}
        location = normalise_region(body.get("location") or default_location)
        storage = props.get("storageProfile") or {}
        os_profile = props.get("osProfile")
        image = storage.get("imageReference")
        os_disk_in = storage.get("osDisk") or {}
        os_type = image_os(image) or str(os_disk_in.get("osType", "")).lower() or None
        validate_profile(name, os_type, os_profile, image)
        size = (props.get("hardwareProfile") or {}).get("vmSize", "Standard_B1s")
        options = create_options(props, size, os_type, name)
        nics = self._claim_nics(resource_id, location, props.get("networkProfile") or {})
        os_disk = self._os_disk(group_id, resource_id, name, location, os_disk_in, image, os_type)
        data_disks = [
            self._data_disk(group_id, resource_id, name, location, d)
            for d in storage.get("dataDisks") or []
        ]
        out_profile = None if os_profile is None else os_profile_out(os_profile, name, os_type)
        vm: Json = {
            "id": resource_id,
            "name": name,
            "type": VM_TYPE,
            "location": location,
            "tags": dict(body.get("tags") or {}),
            "etag": new_etag(),
            "properties": {
                "vmId": new_etag()[3:-1],
                "hardwareProfile": {"vmSize": size},
                **options,
                "storageProfile": {
                    **({"imageReference": {**image, "exactVersion": "1.0.0"}} if image else {}),
                    "osDisk": os_disk,
                    "dataDisks": data_disks,
                },
                "networkProfile": {"networkInterfaces": nics},
                "securityProfile": props.get("securityProfile") or {"securityType": "Standard"},
                "provisioningState": "Creating",
                "timeCreated": iso_time(self.state.now()),
            },
        }
        if out_profile is not None:
            vm["properties"]["osProfile"] = out_profile
        if props.get("diagnosticsProfile"):
            # Boot diagnostics' storage account, kept as sent (Azure checks only its URI's form).
            vm["properties"]["diagnosticsProfile"] = props["diagnosticsProfile"]
        self.state.put(resource_id, vm)
        extra = self.state.extra(resource_id)
        extra.update(
            {"power": "deallocated", "provisioning": "creating", "changed": self.state.now()}
        )
        return vm, self.transition(vm, "create")

    def _claim_nics(self, resource_id: str, location: str, network: Json) -> list[Json]:
        refs = network.get("networkInterfaces") or []
        if not refs:
            raise ArmError(
                400,
                "InvalidParameter",
                "Virtual machine needs at least one network interface.",
                "networkProfile",
            )
        claimed: list[Json] = []
        nics: list[Json] = []
        for ref in refs:
            nic = self.state.referenced(ref.get("id", ""), resource_id)
            holder = nic["properties"].get("virtualMachine")
            if holder and holder["id"].lower() != resource_id.lower():
                raise ArmError(
                    400,
                    "NicInUse",
                    f"Network Interface {nic['id']} is used by existing resource {holder['id']}.",
                )
            if not same_region(nic["location"], location):
                raise ArmError(
                    400,
                    "NicNotInSameLocation",
                    f"The network interface {nic['name']} is in {nic['location']} but the virtual machine is in {location}; they must be in the same location.",
                )
            claimed.append({"id": nic["id"], "properties": {"primary": len(claimed) == 0}})
            nics.append(nic)
        for nic in nics:
            nic["properties"]["virtualMachine"] = {"id": resource_id}
        return claimed

    def _os_disk(
        self,
        group_id: str,
        resource_id: str,
        vm_name: str,
        location: str,
        spec: Json,
        image: Json | None,
        os_type: str | None,
    ) -> Json:
        option = str(spec.get("createOption", "FromImage"))
        if option.lower() == "attach":
            disk = self.disks.attach(
                resource_id, location, (spec.get("managedDisk") or {}).get("id", "")
            )
            return {
                "osType": disk["properties"].get("osType", (os_type or "linux").capitalize()),
                "name": disk["name"],
                "createOption": "Attach",
                "caching": spec.get("caching", "ReadWrite"),
                "managedDisk": {"id": disk["id"], "storageAccountType": disk["sku"]["name"]},
                "deleteOption": spec.get("deleteOption", "Detach"),
            }
        name = spec.get("name") or f"{vm_name}_OsDisk_1"
        sku = (spec.get("managedDisk") or {}).get("storageAccountType", "StandardSSD_LRS")
        size = spec.get("diskSizeGB") or (127 if os_type == "windows" else 30)
        new_id = disk_id(group_id, name)
        if self.state.get(new_id) is not None:
            group = group_id.rsplit("/", 1)[-1]
            raise ArmError(
                409,
                "ConflictingUserInput",
                f"Disk {name} already exists in resource group {group.upper()}. Only CreateOption.Attach is supported.",
            )
        disk = disk_json(new_id, name, location, {}, sku, size, "FromImage", os_type)
        reference = (
            {
                "id": ":".join(
                    str(image.get(k, "")) for k in ("publisher", "offer", "sku", "version")
                )
            }
            if image
            else {}
        )
        disk["properties"]["creationData"]["imageReference"] = reference
        self.disks.create_attached(resource_id, new_id, disk, image=reference.get("id"))
        return {
            "osType": (os_type or "linux").capitalize(),
            "name": name,
            "createOption": "FromImage",
            "caching": spec.get("caching", "ReadWrite"),
            "diskSizeGB": size,
            "managedDisk": {"id": new_id, "storageAccountType": sku},
            "deleteOption": spec.get("deleteOption", "Detach"),
        }

    def _data_disk(
        self, group_id: str, resource_id: str, vm_name: str, location: str, spec: Json
    ) -> Json:
        option = str(spec.get("createOption", "Empty")).lower()
        lun = int(spec.get("lun", 0))
        if option == "attach":
            disk = self.disks.attach(
                resource_id, location, (spec.get("managedDisk") or {}).get("id", "")
            )
        else:
            name = spec.get("name") or f"{vm_name}_disk{lun}"
            new_id = disk_id(group_id, name)
            sku = (spec.get("managedDisk") or {}).get("storageAccountType", "Standard_LRS")
            size = int(spec.get("diskSizeGB", 32))
            disk = disk_json(new_id, name, location, {}, sku, size, "Empty", None)
            self.disks.create_attached(resource_id, new_id, disk)
        return {
            "lun": lun,
            "name": disk["name"],
            "createOption": "Attach" if option == "attach" else "Empty",
            "caching": spec.get("caching", "None"),
            "toBeDetached": False,
            "diskSizeGB": disk["properties"]["diskSizeGB"],
            "managedDisk": {"id": disk["id"], "storageAccountType": disk["sku"]["name"]},
            "deleteOption": spec.get("deleteOption", "Detach"),
        }

    def update(self, group_id: str, vm: Json, body: Json) -> Operation:
        """Tags, size (a running VM restarts to resize) and data disks added or removed."""
        self.busy(vm["id"], "update")
        if "tags" in body:
            vm["tags"] = dict(body.get("tags") or {})
        props = body.get("properties") or {}
        update_options(vm, props, str(self.state.extra(vm["id"]).get("power", "running")))
        action = None
        new_size = (props.get("hardwareProfile") or {}).get("vmSize")
        if new_size and new_size != vm["properties"]["hardwareProfile"]["vmSize"]:
            vm["properties"]["hardwareProfile"]["vmSize"] = new_size
            if self.state.extra(vm["id"]).get("power") == "running":
                action = "resize"
        storage = props.get("storageProfile") or {}
        if "dataDisks" in storage:
            wanted = {
                int(d.get("lun", 0)): d
                for d in storage["dataDisks"] or []
                if not d.get("toBeDetached")  # Azure's way to detach a disk by lun
            }
            current = {int(d["lun"]): d for d in vm["properties"]["storageProfile"]["dataDisks"]}
            for lun, disk in current.items():
                if lun not in wanted:
                    self.disks.detach(disk["managedDisk"]["id"])
            updated = []
            for lun, spec in sorted(wanted.items()):
                updated.append(
                    current[lun]
                    if lun in current
                    else self._data_disk(group_id, vm["id"], vm["name"], vm["location"], spec)
                )
            vm["properties"]["storageProfile"]["dataDisks"] = updated
        vm["etag"] = new_etag()
        if action is not None:
            return self.transition(vm, action)
        return self.state.start_operation(vm["id"])

    def delete(self, vm: Json) -> Operation:
        """Deallocate, then release the VM's disks (as each one's deleteOption says) and NICs."""
        self.busy(vm["id"], "delete")

        def done() -> None:
            storage = vm["properties"]["storageProfile"]
            for disk in [storage["osDisk"], *storage["dataDisks"]]:
                self.disks.release(
                    disk["managedDisk"]["id"], str(disk.get("deleteOption", "Detach"))
                )
            for ref in vm["properties"]["networkProfile"]["networkInterfaces"]:
                nic = self.state.get(ref["id"])
                if nic is not None:
                    nic["properties"].pop("virtualMachine", None)
            self.state.delete(vm["id"])

        self.state.extra(vm["id"])["transient"] = "deallocating"
        return self.state.start_operation(vm["id"], on_done=done)

    # power
    def act(self, vm: Json, action: str, *, hibernate: bool = False) -> Operation:
        """A power action (start, deallocate, powerOff, restart); deallocate may hibernate."""
        self.busy(vm["id"], action)
        if action == "deallocate" and hibernate:
            check_can_hibernate(vm)
            return self.transition(vm, "hibernate")
        return self.transition(vm, action)

    # spot eviction
    def simulate_eviction(self, vm: Json) -> None:
        """Azure's simulateEviction: the Spot VM is evicted shortly after (op_time here)."""
        if not is_spot(vm):
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Simulate eviction is supported only on Spot virtual machines; '{vm['name']}' is not one.",
            )
        self.evict_later(vm, self.state.settings.op_time)

    def evict_later(self, vm: Json, seconds: float) -> None:
        # Not an operation on the VM itself: the VM stays free for other actions until then.
        self.state.start_operation(
            vm["id"] + "/eviction", on_done=lambda: self.evict(vm["id"]), duration=seconds
        )

    def evict(self, resource_id: str) -> bool:
        """Evict a running Spot VM now, as its eviction policy says (Deallocate)."""
        vm = self.state.get(resource_id)
        extra = self.state.extra(resource_id)
        if vm is None or not is_spot(vm) or extra.get("power") != "running":
            return False
        if self.state.pending_on(resource_id) is not None:
            return False
        now = self.state.now()
        extra.update({"power": "deallocated", "evicted": now, "changed": now})
        extra.pop("hibernated", None)
        return True

    def transition(self, vm: Json, action: str) -> Operation:
        extra = self.state.extra(vm["id"])
        transient, target = TRANSITIONS[action]
        error = None
        if action in ("start", "create", "restart") and extra.get("power") != "running":
            error = self._allocation_failure(vm["name"])
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
                extra.pop("evicted", None)
                extra.pop("hibernated", None)
                if action == "hibernate":
                    extra["hibernated"] = True
                if target == "running":
                    self._maybe_evict(current)
            extra["created"] = True
            extra["changed"] = self.state.now()
            current["properties"]["provisioningState"] = "Failed" if error else "Succeeded"

        return self.state.start_operation(vm["id"], on_done=done, error=error)

    def _maybe_evict(self, vm: Json) -> None:
        """The injected eviction of a Spot VM that just started, if the fault settings ask."""
        faults = self.state.settings.faults
        if is_spot(vm) and vm["name"].lower() in faults.evict_vms:
            self.evict_later(vm, faults.evict_after)

    def _allocation_failure(self, name: str) -> ArmError | None:
        """The injected `AllocationFailed` for this start, if the fault settings ask for one."""
        faults = self.state.settings.faults
        if name.lower() in faults.allocation_failed_vms or (
            faults.allocation_failed_rate and self.random.random() < faults.allocation_failed_rate
        ):
            return ArmError(
                409,
                "AllocationFailed",
                f"Allocation failed. We do not have sufficient capacity for the requested VM size in this region. VM: {name}.",
            )
        return None
