"""Microsoft.Storage's routes: storage accounts, their keys, blob containers.

The state and its rules live in `storage_accounts.py`; the blob data behind
them in a `BlobBackend` (`storage_backend.py`).
"""

from __future__ import annotations

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
from azlab.sandbox.arm.lro import STORAGE, accepted
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route
from azlab.sandbox.arm.storage_accounts import (
    ACCOUNT_TYPE,
    BlobContainers,
    StorageAccounts,
    account_id,
    container_id,
)
from azlab.sandbox.arm.storage_backend import BlobBackend, KeysOnlyBackend, derived_key

__all__ = ["BlobBackend", "KeysOnlyBackend", "Storage", "derived_key"]

SA = PROVIDERS + "/microsoft.storage/storageaccounts/{name}"
CONTAINER = SA + "/blobservices/default/containers/{container}"
SUBSCRIPTION_STORAGE = "/subscriptions/{sub}/providers/microsoft.storage"


class Storage:
    def __init__(self, state: State, backend: BlobBackend) -> None:
        self.state = state
        self.accounts = StorageAccounts(state, backend)
        self.containers = BlobContainers(state, backend)

    def routes(self) -> list[Route]:
        return [
            route("PUT", SA, self.put),
            route("PATCH", SA, self.patch),
            route("GET", SA, self.get),
            route("DELETE", SA, self.delete),
            route("GET", SA.rsplit("/", 1)[0], self.list_in_group),
            route("GET", SUBSCRIPTION_STORAGE + "/storageaccounts", self.list_all),
            route("POST", SA + "/listkeys", self.list_keys),
            route("POST", SUBSCRIPTION_STORAGE + "/checknameavailability", self.check_name),
            route("PUT", CONTAINER, self.put_container),
            route("GET", CONTAINER, self.get_container),
            route("PATCH", CONTAINER, self.patch_container),
            route("DELETE", CONTAINER, self.delete_container),
            route("GET", CONTAINER.rsplit("/", 1)[0], self.list_containers),
        ]

    def _id(self, p: dict[str, str]) -> str:
        return account_id(rg_id(p), p["name"])

    def _account(self, p: dict[str, str]) -> Json:
        account = self.state.get(self._id(p))
        if account is None:
            raise resource_not_found(ACCOUNT_TYPE, p["name"], p["rg"])
        return account

    # accounts
    def put(self, req: Request, p: dict[str, str]) -> Reply:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        account, op = self.accounts.put(self._id(p), p["name"], group["location"], body_of(req))
        if op is None:
            return Reply(200, account)
        return accepted(req, op, p["sub"], STORAGE, account["location"])

    def patch(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.accounts.update(self._account(p), body_of(req)))

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.accounts.fresh(self._account(p)))

    def delete(self, req: Request, p: dict[str, str]) -> Reply:
        account = self.state.get(self._id(p))
        if account is None:
            return Reply(204)
        self.accounts.delete(account)
        return Reply(200)

    def list_in_group(self, req: Request, p: dict[str, str]) -> Reply:
        found = self.state.children(rg_id(p), "providers/microsoft.storage/storageaccounts")
        return page(req, found, self.state.settings.page_size)

    def list_all(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        found = [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and r.get("type") == ACCOUNT_TYPE
        ]
        return page(req, found, self.state.settings.page_size)

    def list_keys(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, {"keys": self.accounts.keys(self._account(p))})

    def check_name(self, req: Request, p: dict[str, str]) -> Reply:
        name = str(body_of(req).get("name", ""))
        return Reply(200, self.accounts.name_availability(name))

    # containers
    def _container_id(self, p: dict[str, str]) -> str:
        return container_id(self._id(p), p["container"])

    def put_container(self, req: Request, p: dict[str, str]) -> Reply:
        self._account(p)
        container, existed = self.containers.put(
            p["name"], self._container_id(p), p["container"], body_of(req)
        )
        return Reply(200 if existed else 201, container)

    def patch_container(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.containers.update(self._container(p), body_of(req)))

    def _container(self, p: dict[str, str]) -> Json:
        container = self.state.get(self._container_id(p))
        if container is None:
            raise ArmError(404, "ContainerNotFound", "The specified container does not exist.")
        return container

    def get_container(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._container(p))

    def delete_container(self, req: Request, p: dict[str, str]) -> Reply:
        self.containers.delete(p["name"], self._container_id(p), p["container"])
        return Reply(200)

    def list_containers(self, req: Request, p: dict[str, str]) -> Reply:
        self._account(p)
        found = self.state.children(self._id(p), "blobservices/default/containers")
        return page(req, found, self.state.settings.page_size)
