"""Storage accounts and their blob containers: names unique across the sandbox, keys, endpoints.

Plain Python over the sandbox `State` and the blob backend; `storage.py`
turns these into answers.
"""

from __future__ import annotations

import re

from azlab.sandbox.arm.core import ArmError, Json, Operation, State
from azlab.sandbox.arm.regions import normalise_region
from azlab.sandbox.arm.storage_backend import BlobBackend, endpoints, secondary_endpoints
from azlab.sandbox.arm.storage_properties import account_properties, iso_time

ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts"
CONTAINER_TYPE = "Microsoft.Storage/storageAccounts/blobServices/containers"
NAME = re.compile(r"^[a-z0-9]{3,24}$")
CONTAINER_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def account_id(group_id: str, name: str) -> str:
    return f"{group_id}/providers/{ACCOUNT_TYPE}/{name}"


def container_id(account: str, name: str) -> str:
    return f"{account}/blobServices/default/containers/{name}"


class StorageAccounts:
    def __init__(self, state: State, backend: BlobBackend) -> None:
        self.state = state
        self.backend = backend

    def taken_elsewhere(self, name: str, resource_id: str) -> bool:
        """Whether another account (anywhere in the sandbox) has this name."""
        for key, resource in self.state.resources.items():
            if resource.get("type") == ACCOUNT_TYPE and resource["name"].lower() == name.lower():
                return key != resource_id.lower()
        return False

    def put(
        self, resource_id: str, name: str, default_location: str, body: Json
    ) -> tuple[Json, Operation | None]:
        """Create or replace an account, with its keys; the operation that provisions it,
        or None without an operation time."""
        if not NAME.match(name):
            raise ArmError(
                400,
                "AccountNameInvalid",
                f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.",
            )
        if self.taken_elsewhere(name, resource_id):
            raise ArmError(
                409,
                "StorageAccountAlreadyTaken",
                f"The storage account named {name} is already taken.",
            )
        existing = self.state.get(resource_id)
        location = (
            existing["location"]
            if existing
            else normalise_region(body.get("location") or default_location)
        )
        sku = str((body.get("sku") or {}).get("name", "Standard_LRS"))
        kind = str(body.get("kind", "StorageV2"))
        account: Json = {
            "id": resource_id,
            "name": name,
            "type": ACCOUNT_TYPE,
            "location": location,
            "tags": dict(body.get("tags") or {}),
            "sku": {
                "name": sku,
                "tier": "Premium" if sku.lower().startswith("premium") else "Standard",
            },
            "kind": kind,
            "properties": account_properties(
                self.backend,
                name,
                location,
                sku,
                kind,
                body.get("properties") or {},
                existing["properties"] if existing else None,
                self.state.now(),
            ),
        }
        if body.get("extendedLocation"):
            account["extendedLocation"] = body["extendedLocation"]
        self.state.put(resource_id, account)
        self.state.extra(resource_id)["keys"] = list(self.backend.add_account(name))
        if self.state.settings.op_time <= 0:
            return account, None
        account["properties"]["provisioningState"] = "Creating"

        def done() -> None:
            current = self.state.get(resource_id)
            if current is not None:
                current["properties"]["provisioningState"] = "Succeeded"

        op = self.state.start_operation(
            resource_id, on_done=done, result=lambda: self.state.get(resource_id)
        )
        return account, op

    def update(self, account: Json, body: Json) -> Json:
        """A PATCH: tags, SKU and the properties it names; the rest stays."""
        if "tags" in body:
            account["tags"] = dict(body["tags"] or {})
        if "sku" in body:
            account["sku"]["name"] = body["sku"].get("name", account["sku"]["name"])
        account["properties"] = account_properties(
            self.backend,
            account["name"],
            account["location"],
            account["sku"]["name"],
            account["kind"],
            body.get("properties") or {},
            account["properties"],
            self.state.now(),
        )
        return account

    def fresh(self, account: Json) -> Json:
        # The blob service may have moved (a restarted sandbox); answer where it is now.
        props = account["properties"]
        props["primaryEndpoints"].update(endpoints(self.backend, account["name"]))
        if "secondaryEndpoints" in props:
            props["secondaryEndpoints"] = secondary_endpoints(self.backend, account["name"])
        return account

    def delete(self, account: Json) -> None:
        for key in self.state.under(account["id"]):
            self.state.delete(key)
        self.state.delete(account["id"])
        self.backend.remove_account(account["name"])

    def keys(self, account: Json) -> list[Json]:
        keys = self.state.extra(account["id"]).get("keys", [])
        return [
            {"keyName": f"key{i + 1}", "value": k, "permissions": "Full"}
            for i, k in enumerate(keys)
        ]

    def name_availability(self, name: str) -> Json:
        if not NAME.match(name):
            return {
                "nameAvailable": False,
                "reason": "AccountNameInvalid",
                "message": f"{name} is not a valid storage account name.",
            }
        if self.taken_elsewhere(name, ""):
            return {
                "nameAvailable": False,
                "reason": "AlreadyExists",
                "message": f"The storage account named {name} is already taken.",
            }
        return {"nameAvailable": True}


class BlobContainers:
    def __init__(self, state: State, backend: BlobBackend) -> None:
        self.state = state
        self.backend = backend

    def put(self, account: str, resource_id: str, name: str, body: Json) -> tuple[Json, bool]:
        """Create a container (in the blob backend too): the container, and whether it existed."""
        if not CONTAINER_NAME.match(name):
            raise ArmError(
                400,
                "ContainerOperationFailure",
                f"The specified container name '{name}' is invalid.",
            )
        existing = self.state.get(resource_id)
        container: Json = {
            "id": resource_id,
            "name": name,
            "type": CONTAINER_TYPE,
            "properties": {
                "publicAccess": "None",
                "leaseStatus": "Unlocked",
                "leaseState": "Available",
                "hasImmutabilityPolicy": False,
                "hasLegalHold": False,
                "defaultEncryptionScope": "$account-encryption-key",
                "denyEncryptionScopeOverride": False,
                "deleted": False,
                "remainingRetentionDays": 0,
                "metadata": {},
            },
        }
        if existing is not None:
            container["properties"].update(existing["properties"])
        self._apply(container, body)
        self.state.put(resource_id, container)
        create = getattr(self.backend, "create_container", None)
        if create is not None:
            create(account, name)
        return container, existing is not None

    def update(self, container: Json, body: Json) -> Json:
        """A PATCH: the public access level and metadata it names."""
        self._apply(container, body)
        return container

    def _apply(self, container: Json, body: Json) -> None:
        props = body.get("properties") or {}
        shown = container["properties"]
        if props.get("publicAccess") is not None:
            shown["publicAccess"] = props["publicAccess"]
        if props.get("metadata") is not None:
            shown["metadata"] = dict(props["metadata"])
        for key in ("defaultEncryptionScope", "denyEncryptionScopeOverride"):
            if props.get(key) is not None:
                shown[key] = props[key]
        now = self.state.now()
        shown["lastModifiedTime"] = iso_time(now)
        container["etag"] = f'"0x{int(now * 10_000_000):X}"'

    def delete(self, account: str, resource_id: str, name: str) -> None:
        self.state.delete(resource_id)
        delete = getattr(self.backend, "delete_container", None)
        if delete is not None:
            delete(account, name)
