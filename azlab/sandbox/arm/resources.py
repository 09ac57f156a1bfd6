"""Resource groups: create, tag, read, list, and delete with everything in them.

Not served: `exportTemplate` (ARM templates stay out of the sandbox).
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
)
from azlab.sandbox.arm.filters import parse
from azlab.sandbox.arm.lro import RESOURCES, accepted
from azlab.sandbox.arm.regions import normalise_region, same_region
from azlab.sandbox.arm.routes import RG, Route, rg_id, route

FORCE_DELETABLE = {"microsoft.compute/virtualmachines", "microsoft.compute/virtualmachinescalesets"}


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
        self._not_deleting(existing)
        if existing is not None and not same_region(existing["location"], location):
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
            "location": existing["location"] if existing else normalise_region(location),
            "tags": dict(body.get("tags") or {}),
            "properties": {"provisioningState": "Succeeded"},
        }
        managed_by = body.get("managedBy", existing.get("managedBy") if existing else None)
        if managed_by:
            group["managedBy"] = str(managed_by)
        self.state.put(rid, group)
        return Reply(200 if existing else 201, group)

    def patch(self, req: Request, p: dict[str, str]) -> Reply:
        group = self._get(p)
        self._not_deleting(group)
        body = body_of(req)
        if "tags" in body:
            group["tags"] = dict(body["tags"] or {})
        if body.get("managedBy"):
            group["managedBy"] = str(body["managedBy"])
        self.state.put(group["id"], group)
        return Reply(200, group)

    def _not_deleting(self, group: Json | None) -> None:
        if group is not None and group["properties"].get("provisioningState") == "Deleting":
            raise ArmError(
                409,
                "ResourceGroupBeingDeleted",
                f"The resource group '{group['name']}' is in deprovisioning state and cannot "
                "perform this operation.",
            )

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
        group = self._get(p)
        forced = req.query.get("forcedeletiontypes")
        if forced is not None:
            asked = {t.strip().lower() for t in forced.split(",") if t.strip()}
            if not asked or not asked <= FORCE_DELETABLE:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"forceDeletionTypes '{forced}' is not supported; supported types are "
                    "Microsoft.Compute/virtualMachines and Microsoft.Compute/virtualMachineScaleSets.",
                )
        for key in self.state.under(rid):
            if self.state.pending_on(key):
                raise ArmError(409, "Conflict", f"An operation is in progress on {key}.")

        def done() -> None:
            for key in self.state.under(rid):
                self.state.delete(key)
            self.state.delete(rid)

        group["properties"]["provisioningState"] = "Deleting"
        op = self.state.start_operation(rid, on_done=done)
        return accepted(req, op, p["sub"], RESOURCES, group["location"])

    def list_groups(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/resourcegroups/".lower()
        chosen = parse(req.query.get("$filter", ""))
        groups = [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and "/" not in k[len(prefix) :] and chosen.matches(r)
        ]
        top = req.query.get("$top", "")
        if top.isdigit():
            groups = groups[: int(top)]
        return page(req, groups, self.state.settings.page_size)
