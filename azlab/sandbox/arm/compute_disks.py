"""Managed disks: their state, the rules of creating, growing, attaching and sharing them.

Plain Python over the sandbox `State`: methods take ids and request bodies and
return resources or the `Operation` that finishes a write; `compute.py`
turns them into answers.
"""

from __future__ import annotations

from urllib.parse import urlparse

from azlab.sandbox.arm.compute_disk_bytes import DiskBytes
from azlab.sandbox.arm.core import ArmError, Json, Operation, State
from azlab.sandbox.arm.regions import normalise_region, same_region

DISK_TYPE = "Microsoft.Compute/disks"


def disk_id(group_id: str, name: str) -> str:
    return f"{group_id}/providers/{DISK_TYPE}/{name}"


def disk_json(
    resource_id: str,
    name: str,
    location: str,
    tags: Json,
    sku: str,
    size: int,
    option: str,
    os_type: str | None,
) -> Json:
    disk: Json = {
        "id": resource_id,
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


class Disks:
    def __init__(self, state: State, data: DiskBytes) -> None:
        self.state = state
        self.data = data

    def create(self, group: Json, resource_id: str, name: str, body: Json) -> Operation:
        """A new standalone disk (empty, imported from a VHD or copied), provisioned by an LRO."""
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
        location = normalise_region(body.get("location") or group["location"])
        source_key: tuple[str, str] | None = None
        if option.lower() == "import":
            source_key = self._import_source(group["id"], creation, location)
        source_disk: str | None = None
        if option.lower() == "copy":
            source = self.state.get(creation.get("sourceResourceId", ""))
            if source is None:
                raise ArmError(
                    404,
                    "NotFound",
                    f"Source disk {creation.get('sourceResourceId')} was not found.",
                )
            size = size or source["properties"]["diskSizeGB"]
            source_disk = source["id"]
        disk = disk_json(
            resource_id,
            name,
            location,
            body.get("tags") or {},
            (body.get("sku") or {}).get("name", "Standard_LRS"),
            int(size or 32),
            option,
            props.get("osType"),
        )
        disk["properties"]["creationData"] = dict(creation)
        image = (creation.get("imageReference") or {}).get("id")
        self.data.write(
            disk,
            image=image,
            source_url=creation.get("sourceUri") if option.lower() == "import" else None,
            source_key=source_key,
            source_disk=source_disk,
        )
        if props.get("hyperVGeneration"):
            disk["properties"]["hyperVGeneration"] = props["hyperVGeneration"]
        disk["properties"]["provisioningState"] = "Updating"
        self.state.put(resource_id, disk)

        def done() -> None:
            current = self.state.get(resource_id)
            if current is not None:
                current["properties"]["provisioningState"] = "Succeeded"

        return self.state.start_operation(resource_id, on_done=done)

    def _import_source(self, group_id: str, creation: Json, location: str) -> tuple[str, str]:
        """The storage account a VHD is imported from (and its key), checked as Azure checks it.

        Within one subscription Azure finds the account from the URI, so
        `storageAccountId` may be left out. A URI that no account of the
        sandbox serves is refused: the sandbox reads no blob outside itself.
        """
        if not creation.get("sourceUri"):
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'sourceUri' is missing (null).",
                "sourceUri",
            )
        serving = self._account_serving(group_id, str(creation["sourceUri"]))
        if serving is None:
            raise ArmError(
                400,
                "InvalidParameter",
                f"The storage account of blob {creation['sourceUri']} was not found "
                "in this subscription.",
                "sourceUri",
            )
        account_id = str(creation.get("storageAccountId") or serving["id"])
        account = self.state.get(account_id)
        if account is None:
            raise ArmError(
                404,
                "StorageAccountNotFound",
                f"Storage account {account_id} was not found.",
                "storageAccountId",
            )
        if not same_region(account["location"], location):
            raise ArmError(
                409,
                "InvalidStorageAccountLocation",
                f"Storage account {account['name']} is in {account['location']}; "
                f"a disk in {location} can only import from a storage account in {location}.",
                "storageAccountId",
            )
        keys = self.state.extra(account_id).get("keys") or [""]
        return str(account["name"]), str(keys[0])

    def _account_serving(self, group_id: str, uri: str) -> Json | None:
        """The storage account of this subscription a blob URI points into, if any."""
        subscription = "/".join(group_id.split("/")[:3]).lower() + "/"
        host = (urlparse(uri).hostname or "").lower()
        for key, resource in self.state.resources.items():
            if (
                not key.startswith(subscription)
                or resource.get("type") != "Microsoft.Storage/storageAccounts"
            ):
                continue
            blob = str(resource["properties"].get("primaryEndpoints", {}).get("blob", ""))
            if host.startswith(resource["name"].lower() + ".") or (
                blob and uri.lower().startswith(blob.lower())
            ):
                return resource
        return None

    def update(self, disk: Json, body: Json) -> Json:
        """Tags, a larger size (never smaller) and the SKU."""
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
        return disk

    def delete(self, disk: Json) -> Operation:
        if disk.get("managedBy"):
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Disk {disk['name']} is attached to VM {disk['managedBy']}.",
            )

        def done() -> None:
            self.state.delete(disk["id"])
            self.data.drop(disk["id"])

        return self.state.start_operation(disk["id"], on_done=done)

    def grant_access(self, disk: Json, url: str) -> Operation:
        """Share the disk's bytes at `url` until access is revoked; the operation answers it."""
        disk["properties"]["diskState"] = "ActiveSAS"
        return self.state.start_operation(disk["id"], result={"accessSAS": url})

    def revoke_access(self, disk: Json) -> Operation:
        disk["properties"]["diskState"] = "Attached" if disk.get("managedBy") else "Unattached"
        return self.state.start_operation(disk["id"])

    # a VM's disks
    def create_attached(
        self, vm_id: str, resource_id: str, disk: Json, image: str | None = None
    ) -> Json:
        """Store a disk a VM creates for itself, attached to it from the start."""
        disk["managedBy"] = vm_id
        disk["properties"]["diskState"] = "Attached"
        self.data.write(disk, image=image)
        self.state.put(resource_id, disk)
        return disk

    def attach(self, vm_id: str, location: str, resource_id: str) -> Json:
        disk = self.state.get(resource_id)
        if disk is None:
            raise ArmError(404, "NotFound", f"Disk {resource_id} was not found.")
        holder = disk.get("managedBy")
        if holder and holder.lower() != vm_id.lower():
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Disk '{disk['name']}' is already attached to VM '{holder}'.",
            )
        if not same_region(disk["location"], location):
            raise ArmError(
                400,
                "InvalidParameter",
                f"Disk {disk['name']} is in {disk['location']}; the virtual machine is in {location}.",
                "managedDisk.id",
            )
        disk["managedBy"] = vm_id
        disk["properties"]["diskState"] = "Attached"
        return disk

    def detach(self, resource_id: str) -> None:
        disk = self.state.get(resource_id)
        if disk is not None:
            disk.pop("managedBy", None)
            disk["properties"]["diskState"] = "Unattached"

    def release(self, resource_id: str, option: str) -> None:
        """What a VM's deletion does to one of its disks: delete it, or detach it."""
        if option.lower() == "delete":
            self.state.delete(resource_id)
            self.data.drop(resource_id)
        else:
            self.detach(resource_id)
