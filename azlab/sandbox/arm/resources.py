"""Resource groups, and the operation-status URLs of every long-running operation."""

from __future__ import annotations

from typing import Any

from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    body_of,
    not_found,
    page,
)
from azlab.sandbox.arm.lro import accepted, retry_hint
from azlab.sandbox.arm.routes import RG, Route, rg_id, route


class ResourceGroups:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            route("PUT", RG, self.put),
            route("PATCH", RG, self.patch),
            route("GET", RG, self.get),
            route("HEAD", RG, self.head),
            route("DELETE", RG, self.delete),
            route("GET", "/subscriptions/{sub}/resourcegroups", self.list_groups),
            route(
                "GET",
                "/subscriptions/{sub}/providers/microsoft.sandbox/locations/{loc}/operations/{op}",
                self.operation_status,
            ),
            route(
                "GET",
                "/subscriptions/{sub}/providers/microsoft.sandbox/locations/{loc}/operationresults/{op}",
                self.operation_result,
            ),
        ]

    def put(self, req: Request, p: dict[str, str]) -> Reply:
        body = body_of(req)
        location = body.get("location")
        if not location:
            raise ArmError(
                400, "LocationRequired", "The location property is required for this definition."
            )
        rid = rg_id(p)
        existing = self.state.get(rid)
        if existing is not None and existing["location"].lower() != str(location).lower():
            raise ArmError(
                409,
                "InvalidResourceGroupLocation",
                f"Invalid resource group location '{location}'. The Resource group already exists "
                f"in location '{existing['location']}'.",
            )
        group = {
            "id": rid,
            "name": existing["name"] if existing else p["rg"],
            "type": "Microsoft.Resources/resourceGroups",
            "location": existing["location"] if existing else location,
            "tags": dict(body.get("tags") or {}),
            "properties": {"provisioningState": "Succeeded"},
        }
        self.state.put(rid, group)
        return Reply(200 if existing else 201, group)

    def patch(self, req: Request, p: dict[str, str]) -> Reply:
        group = self._get(p)
        body = body_of(req)
        if "tags" in body:
            group["tags"] = dict(body["tags"] or {})
        return Reply(200, group)

    def _get(self, p: dict[str, str]) -> Json:
        rid = rg_id(p)
        group = self.state.get(rid)
        if group is None:
            raise not_found("resource group", rid)
        return group

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._get(p))

    def head(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(204 if self.state.get(rg_id(p)) else 404)

    def delete(self, req: Request, p: dict[str, str]) -> Reply:
        rid = rg_id(p)
        if self.state.get(rid) is None:
            return Reply(204)
        for key in self.state.under(rid):
            if self.state.pending_on(key):
                raise ArmError(409, "Conflict", f"An operation is in progress on {key}.")

        def done() -> None:
            for key in self.state.under(rid):
                self.state.delete(key)
            self.state.delete(rid)

        op = self.state.start_operation(rid, on_done=done)
        return accepted(req, op, p["sub"])

    def list_groups(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/resourcegroups/".lower()
        groups = [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and "/" not in k[len(prefix) :]
        ]
        return page(req, groups, self.state.settings.page_size)

    def operation_status(self, req: Request, p: dict[str, str]) -> Reply:
        op = self.state.operations.get(p["op"])
        if op is None:
            raise ArmError(404, "OperationNotFound", f"Operation {p['op']} was not found.")
        body: dict[str, Any] = {"name": op.id, "status": op.status, "startTime": op.started}
        if op.status == "Failed" and op.error is not None:
            body["error"] = op.error.body()["error"]
        return Reply(200, body, retry_hint(op, self.state.now()))

    def operation_result(self, req: Request, p: dict[str, str]) -> Reply:
        op = self.state.operations.get(p["op"])
        if op is None:
            raise ArmError(404, "OperationNotFound", f"Operation {p['op']} was not found.")
        if op.status == "InProgress":
            return accepted(req, op, p["sub"])
        if op.status == "Failed" and op.error is not None:
            raise op.error
        if op.result is not None:
            return Reply(200, op.result() if callable(op.result) else op.result)
        return Reply(204)
