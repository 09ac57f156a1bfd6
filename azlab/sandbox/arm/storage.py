"""Microsoft.Storage: storage accounts (names unique across the sandbox), keys, blob containers.

The blob data lives behind a `BlobBackend`: in memory by default (accounts and
keys only), or Azurite when the sandbox runs one.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Protocol

from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    body_of,
    not_found,
    page,
    resource_not_found,
)
from azlab.sandbox.arm.lro import accepted_location_only
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route

SA = PROVIDERS + "/microsoft.storage/storageaccounts/{name}"
CONTAINER = SA + "/blobservices/default/containers/{container}"
NAME = re.compile(r"^[a-z0-9]{3,24}$")
ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts"
CONTAINER_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class BlobBackend(Protocol):
    def add_account(self, name: str) -> tuple[str, str]: ...
    def remove_account(self, name: str) -> None: ...
    def blob_endpoint(self, name: str) -> str: ...
    def queue_endpoint(self, name: str) -> str: ...


class KeysOnlyBackend:
    """Accounts with stable keys and an endpoint, no data: enough for plans and power."""

    def __init__(self, endpoint: str = "https://{name}.{service}.sandbox.invalid/") -> None:
        self.endpoint = endpoint

    def add_account(self, name: str) -> tuple[str, str]:
        return derived_key(name, 1), derived_key(name, 2)

    def remove_account(self, name: str) -> None:
        return None

    def blob_endpoint(self, name: str) -> str:
        return self.endpoint.format(name=name, service="blob")

    def queue_endpoint(self, name: str) -> str:
        return self.endpoint.format(name=name, service="queue")


def endpoints(backend: BlobBackend, name: str) -> dict[str, str]:
    return {"blob": backend.blob_endpoint(name), "queue": backend.queue_endpoint(name)}


def derived_key(name: str, number: int) -> str:
    return base64.b64encode(
        hashlib.sha512(f"azlab-sandbox/{name}/{number}".encode()).digest()
    ).decode()


class Storage:
    def __init__(self, state: State, backend: BlobBackend) -> None:
        self.state = state
        self.backend = backend

    def routes(self) -> list[Route]:
        accounts = SA.rsplit("/", 1)[0]
        containers = CONTAINER.rsplit("/", 1)[0]
        return [
            route("PUT", SA, self.put),
            route("PATCH", SA, self.patch),
            route("GET", SA, self.get),
            route("DELETE", SA, self.delete),
            route("GET", accounts, self.list_in_group),
            route(
                "GET",
                "/subscriptions/{sub}/providers/microsoft.storage/storageaccounts",
                self.list_all,
            ),
            route("POST", SA + "/listkeys", self.list_keys),
            route(
                "POST",
                "/subscriptions/{sub}/providers/microsoft.storage/checknameavailability",
                self.check_name,
            ),
            route("PUT", CONTAINER, self.put_container),
            route("GET", CONTAINER, self.get_container),
            route("DELETE", CONTAINER, self.delete_container),
            route("GET", containers, self.list_containers),
        ]

    def _id(self, p: dict[str, str]) -> str:
        return f"{rg_id(p)}/providers/Microsoft.Storage/storageAccounts/{p['name']}"

    def _taken_elsewhere(self, name: str, resource_id: str) -> bool:
        for key, resource in self.state.resources.items():
            if resource.get("type") == ACCOUNT_TYPE and resource["name"].lower() == name.lower():
                return key != resource_id.lower()
        return False

    def put(self, req: Request, p: dict[str, str]) -> Reply:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        name = p["name"]
        if not NAME.match(name):
            raise ArmError(
                400,
                "AccountNameInvalid",
                f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.",
            )
        resource_id = self._id(p)
        if self._taken_elsewhere(name, resource_id):
            raise ArmError(
                409,
                "StorageAccountAlreadyTaken",
                f"The storage account named {name} is already taken.",
            )
        body = body_of(req)
        existing = self.state.get(resource_id)
        location = body.get("location") or group["location"]
        account: Json = {
            "id": resource_id,
            "name": name,
            "type": ACCOUNT_TYPE,
            "location": existing["location"] if existing else location,
            "tags": dict(body.get("tags") or {}),
            "sku": {
                "name": (body.get("sku") or {}).get("name", "Standard_LRS"),
                "tier": "Standard",
            },
            "kind": body.get("kind", "StorageV2"),
            "properties": {
                "provisioningState": "Succeeded",
                "primaryEndpoints": endpoints(self.backend, name),
                "primaryLocation": location,
                "statusOfPrimary": "available",
                "minimumTlsVersion": (body.get("properties") or {}).get(
                    "minimumTlsVersion", "TLS1_2"
                ),
                "allowBlobPublicAccess": bool(
                    (body.get("properties") or {}).get("allowBlobPublicAccess", False)
                ),
            },
        }
        self.state.put(resource_id, account)
        self.state.extra(resource_id)["keys"] = list(self.backend.add_account(name))
        if self.state.settings.op_time <= 0:
            return Reply(200, account)
        account["properties"]["provisioningState"] = "Creating"

        def done() -> None:
            current = self.state.get(resource_id)
            if current is not None:
                current["properties"]["provisioningState"] = "Succeeded"

        op = self.state.start_operation(
            resource_id, on_done=done, result=lambda: self.state.get(resource_id)
        )
        return accepted_location_only(req, op, p["sub"])

    def patch(self, req: Request, p: dict[str, str]) -> Reply:
        account = self._get(p)
        body = body_of(req)
        if "tags" in body:
            account["tags"] = dict(body["tags"] or {})
        if "sku" in body:
            account["sku"]["name"] = body["sku"].get("name", account["sku"]["name"])
        return Reply(200, account)

    def _fresh(self, account: Json) -> Json:
        # The blob service may have moved (a restarted sandbox); answer where it is now.
        account["properties"]["primaryEndpoints"] = endpoints(self.backend, account["name"])
        return account

    def _get(self, p: dict[str, str]) -> Json:
        account = self.state.get(self._id(p))
        if account is None:
            raise resource_not_found(ACCOUNT_TYPE, p["name"], p["rg"])
        return account

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._fresh(self._get(p)))

    def delete(self, req: Request, p: dict[str, str]) -> Reply:
        resource_id = self._id(p)
        account = self.state.get(resource_id)
        if account is None:
            return Reply(204)
        for key in self.state.under(resource_id):
            self.state.delete(key)
        self.state.delete(resource_id)
        self.backend.remove_account(account["name"])
        return Reply(200)

    def list_in_group(self, req: Request, p: dict[str, str]) -> Reply:
        return page(
            req,
            self.state.children(rg_id(p), "providers/microsoft.storage/storageaccounts"),
            self.state.settings.page_size,
        )

    def list_all(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        found = [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and r.get("type") == ACCOUNT_TYPE
        ]
        return page(req, found, self.state.settings.page_size)

    def list_keys(self, req: Request, p: dict[str, str]) -> Reply:
        self._get(p)
        keys = self.state.extra(self._id(p)).get("keys", [])
        return Reply(
            200,
            {
                "keys": [
                    {"keyName": f"key{i + 1}", "value": k, "permissions": "FULL"}
                    for i, k in enumerate(keys)
                ]
            },
        )

    def check_name(self, req: Request, p: dict[str, str]) -> Reply:
        name = str((req.body or {}).get("name", ""))
        if not NAME.match(name):
            return Reply(
                200,
                {
                    "nameAvailable": False,
                    "reason": "AccountNameInvalid",
                    "message": f"{name} is not a valid storage account name.",
                },
            )
        if self._taken_elsewhere(name, ""):
            return Reply(
                200,
                {
                    "nameAvailable": False,
                    "reason": "AlreadyExists",
                    "message": f"The storage account named {name} is already taken.",
                },
            )
        return Reply(200, {"nameAvailable": True})

    def _container_id(self, p: dict[str, str]) -> str:
        return f"{self._id(p)}/blobServices/default/containers/{p['container']}"

    def put_container(self, req: Request, p: dict[str, str]) -> Reply:
        self._get(p)
        if not CONTAINER_NAME.match(p["container"]):
            raise ArmError(
                400,
                "ContainerOperationFailure",
                f"The specified container name '{p['container']}' is invalid.",
            )
        resource_id = self._container_id(p)
        existing = self.state.get(resource_id)
        container = {
            "id": resource_id,
            "name": p["container"],
            "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
            "properties": {"publicAccess": "None", "hasLegalHold": False},
        }
        self.state.put(resource_id, container)
        create = getattr(self.backend, "create_container", None)
        if create is not None:
            create(p["name"], p["container"])
        return Reply(200 if existing else 201, container)

    def get_container(self, req: Request, p: dict[str, str]) -> Reply:
        container = self.state.get(self._container_id(p))
        if container is None:
            raise ArmError(404, "ContainerNotFound", "The specified container does not exist.")
        return Reply(200, container)

    def delete_container(self, req: Request, p: dict[str, str]) -> Reply:
        self.state.delete(self._container_id(p))
        delete = getattr(self.backend, "delete_container", None)
        if delete is not None:
            delete(p["name"], p["container"])
        return Reply(200)

    def list_containers(self, req: Request, p: dict[str, str]) -> Reply:
        self._get(p)
        return page(
            req,
            self.state.children(self._id(p), "blobservices/default/containers"),
            self.state.settings.page_size,
        )
