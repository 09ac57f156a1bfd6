"""The generic resource API: resource lists per group and subscription, existence, tag updates.

A generic GET, PUT or DELETE by id (`az resource show/create/delete`,
`resources.get_by_id`) is the typed route itself, so it behaves as the typed
handler does whatever api-version it names. What is served here is what no
typed route answers: the lists in `GenericResourceExpanded`'s shape with
`$filter`, `$top` and `$expand`; `HEAD` on any resource; and `PATCH` of the
tags of a resource whose provider has no PATCH of its own (Microsoft.Network's
`UpdateTags`, which `az resource tag` uses for public IPs). Register these
routes after the typed ones, which win where both match.
"""

from __future__ import annotations

from datetime import datetime, timezone

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
from azlab.sandbox.arm.filters import parse
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route

RESOURCE = PROVIDERS + "/{ns}/{type}/{name}"
CHILD = RESOURCE + "/{child}/{child_name}"
# Top-level fields of a resource that a generic list carries; `properties` it leaves out.
LISTED = ("id", "name", "type", "kind", "location", "extendedLocation", "managedBy", "sku")
LISTED_AFTER = ("identity", "plan", "zones", "tags")
EXPANDABLE = {"createdtime": "createdTime", "changedtime": "changedTime"}


def iso(epoch: float) -> str:
    """An instant as ARM writes it: ISO 8601 in UTC, seven decimal places, `Z`."""
    stamp = datetime.fromtimestamp(epoch, timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond:06d}0Z"


def is_top_level(resource_id: str) -> bool:
    """A resource directly in a group (`.../providers/{ns}/{type}/{name}`), not a child."""
    parts = resource_id.split("/")
    return len(parts) == 9 and parts[5].lower() == "providers"


class GenericResources:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            route("GET", "/subscriptions/{sub}/resources", self.list_subscription),
            route("GET", "/subscriptions/{sub}/resourcegroups/{rg}/resources", self.list_group),
            route("HEAD", RESOURCE, self.head),
            route("HEAD", CHILD, self.head),
            route("PATCH", RESOURCE, self.patch_tags),
        ]

    # lists
    def list_subscription(self, req: Request, p: dict[str, str]) -> Reply:
        return self._list(req, f"/subscriptions/{p['sub']}/")

    def list_group(self, req: Request, p: dict[str, str]) -> Reply:
        if self.state.get(rg_id(p)) is None:
            raise not_found("resource group", rg_id(p))
        return self._list(req, rg_id(p) + "/")

    def _list(self, req: Request, prefix: str) -> Reply:
        chosen = parse(req.query.get("$filter", ""))
        expand = [e.strip().lower() for e in req.query.get("$expand", "").split(",") if e.strip()]
        start = prefix.lower()
        found = [
            self.listed(r, expand, with_tags=not chosen.by_tag)
            for key, r in self.state.resources.items()
            if key.startswith(start) and is_top_level(key) and chosen.matches(r)
        ]
        top = req.query.get("$top")
        if top is not None:
            try:
                found = found[: max(0, int(top))]
            except ValueError:
                raise ArmError(
                    400, "InvalidTopInQueryString", f"Invalid $top '{top}' in the query string."
                ) from None
        return page(req, found, self.state.settings.page_size)

    def listed(self, resource: Json, expand: list[str], *, with_tags: bool) -> Json:
        """`resource` as a generic list shows it (GenericResourceExpanded)."""
        out: Json = {k: resource[k] for k in LISTED if k in resource}
        out.update({k: resource[k] for k in LISTED_AFTER if k in resource})
        if not with_tags:
            out.pop("tags", None)
        stamps = self.state.extra(resource["id"])
        for key, field in EXPANDABLE.items():
            if key in expand and field in stamps:
                out[field] = iso(float(stamps[field]))
        if "provisioningstate" in expand:
            state = (resource.get("properties") or {}).get("provisioningState")
            if state is not None:
                out["provisioningState"] = state
        return out

    # one resource
    def head(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(204 if self.state.get(req.path) is not None else 404)

    def patch_tags(self, req: Request, p: dict[str, str]) -> Reply:
        resource = self.state.get(req.path)
        if resource is None:
            raise resource_not_found(f"{p['ns']}/{p['type']}", p["name"], p["rg"])
        body = body_of(req)
        if "tags" in body:
            tags = body["tags"]
            if not isinstance(tags, dict):
                raise ArmError(400, "InvalidRequestContent", "The 'tags' must be an object.")
            resource["tags"] = {str(k): str(v) for k, v in tags.items()}
        self.state.put(resource["id"], resource)
        return Reply(200, resource)
