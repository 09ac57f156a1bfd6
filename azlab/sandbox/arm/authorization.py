"""Microsoft.Authorization's routes: role definitions and role assignments at any scope.

Both are extension resources: `{scope}/providers/Microsoft.Authorization/...`
where the scope is the root, a subscription, a group or a resource (and
`/{id}` addresses one by its full id, the same path). Role definitions
(2022-04-01) PUT 201, GET, DELETE 200 (204 when absent), list with
`$filter=roleName eq '...'` or `type eq 'CustomRole'`; role assignments PUT
201 (200 for the same one again), GET, DELETE, list with `$filter=atScope()`
or `principalId eq '...'` (`assignedTo('...')`).
"""

from __future__ import annotations

import re

from azlab.sandbox.arm.authorization_assignments import Grant, RoleAssignments
from azlab.sandbox.arm.authorization_check import (
    Asked,
    granted,
    has_any_below,
    item_action,
    refusal,
    requested,
)
from azlab.sandbox.arm.authorization_definitions import RoleDefinitions
from azlab.sandbox.arm.core import ArmError, Json, Reply, Request, State, body_of, page
from azlab.sandbox.arm.principals import Principals
from azlab.sandbox.arm.routes import Handler, Route

_NAMESPACE = "/providers/microsoft\\.authorization/"
_EQUALS = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
_ASSIGNED_TO = re.compile(r"^\s*assignedTo\('([^']*)'\)\s*$", re.IGNORECASE)


def _route(method: str, collection: str, handler: Handler, *, named: bool) -> Route:
    tail = f"{collection}/(?P<name>[^/]+)" if named else collection
    pattern = re.compile(f"^(?P<scope>.*?){_NAMESPACE}{tail}/?$", re.IGNORECASE)
    kind = {"GET": "read", "DELETE": "delete"}.get(method, "write")
    op = f"{method} {{scope}}/providers/Microsoft.Authorization/{collection}" + (
        "/{name}" if named else ""
    )
    return Route(method, pattern, handler, kind, None, op)


def _filter(req: Request) -> tuple[str, str] | None:
    """A `$filter` of the one shape these lists take: `field eq 'value'`, or None."""
    text = req.query.get("$filter", "").strip()
    if not text:
        return None
    found = _EQUALS.match(text)
    if found:
        return found.group(1).lower(), found.group(2)
    assigned = _ASSIGNED_TO.match(text)
    if assigned:
        return "principalid", assigned.group(1)
    if text.replace(" ", "").lower() in ("atscope()", "atscopeandabove()"):
        return "atscope", ""
    raise ArmError(400, "InvalidFilterInQueryString", f"The $filter '{text}' is not supported.")


class Authorization:
    def __init__(self, state: State, principals: Principals) -> None:
        self.state = state
        self.principals = principals
        self.definitions = RoleDefinitions(state)
        self.assignments = RoleAssignments(state, self.definitions, principals)

    # enforcement
    def _grants(self, object_id: str) -> list[Grant]:
        # A principal that no longer exists holds nothing, whatever assignments name it.
        if self.principals.get(object_id) is None:
            return []
        return self.assignments.grants(object_id)

    def _refusal(self, object_id: str, action: str, scope: str) -> ArmError:
        principal = self.principals.get(object_id)
        client = principal.client_id if principal is not None else object_id
        return refusal(client, object_id, action, scope)

    def enforce(self, object_id: str, method: str, path: str) -> Asked | None:
        """Refuse a request the caller's roles do not allow (403 `AuthorizationFailed`).

        The sandbox's own identity is never checked. Returns the request's `Asked`
        when it is a list the caller may only see part of (filter it with `visible`).
        """
        principal = self.principals.get(object_id)
        if principal is not None and principal.is_sandbox:
            return None
        asked = requested(method, path)
        if asked is None:
            return None
        grants = self._grants(object_id)
        if granted(grants, asked.action, asked.scope):
            return None
        if asked.listing and has_any_below(grants, asked.scope):
            return asked  # as ARM lists: only what the caller may read; its subscription too
        raise self._refusal(object_id, asked.action, asked.scope)

    def visible(self, object_id: str, body: Json) -> Json:
        """A list's page with only the items the caller may read."""
        if "value" not in body:
            return body  # one resource the caller may see (its subscription)
        grants = self._grants(object_id)
        items = [
            item
            for item in body.get("value") or []
            if isinstance(item, dict) and granted(grants, item_action(item), str(item.get("id")))
        ]
        return {**body, "value": items}

    def check(self, object_id: str, action: str, scope: str) -> None:
        """Refuse one action on one scope unless the caller's roles grant it."""
        principal = self.principals.get(object_id)
        if principal is not None and principal.is_sandbox:
            return
        if not granted(self._grants(object_id), action, scope):
            raise self._refusal(object_id, action, scope)

    def grants_action(self, object_id: str, action: str, scope: str, *, data: bool) -> bool:
        """Whether the principal's roles grant `action` (a data action with `data`) on `scope`
        (the storage gateway asks this of bearer tokens). The sandbox's identity holds Owner,
        whose `*` grants every action and no data action, as in Azure."""
        principal = self.principals.get(object_id)
        if principal is not None and principal.is_sandbox and not data:
            return True
        return granted(self._grants(object_id), action, scope, data=data)

    def routes(self) -> list[Route]:
        return [
            _route("PUT", "roledefinitions", self.put_definition, named=True),
            _route("GET", "roledefinitions", self.get_definition, named=True),
            _route("DELETE", "roledefinitions", self.delete_definition, named=True),
            _route("GET", "roledefinitions", self.list_definitions, named=False),
            _route("PUT", "roleassignments", self.put_assignment, named=True),
            _route("GET", "roleassignments", self.get_assignment, named=True),
            _route("DELETE", "roleassignments", self.delete_assignment, named=True),
            _route("GET", "roleassignments", self.list_assignments, named=False),
        ]

    # role definitions
    def put_definition(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(201, self.definitions.put(p["scope"], p["name"], body_of(req)))

    def get_definition(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.definitions.render(p["scope"], p["name"]))

    def delete_definition(self, req: Request, p: dict[str, str]) -> Reply:
        assigned = self.assignments.uses(p["name"])
        gone = self.definitions.delete(p["scope"], p["name"], assigned)
        return Reply(204) if gone is None else Reply(200, gone)

    def list_definitions(self, req: Request, p: dict[str, str]) -> Reply:
        asked = _filter(req)
        name = asked[1] if asked and asked[0] == "rolename" else None
        role_type = asked[1] if asked and asked[0] == "type" else None
        if asked and name is None and role_type is None:
            raise ArmError(
                400, "InvalidFilterInQueryString", "Role definitions filter on roleName or type."
            )
        found = self.definitions.listed(p["scope"], name, role_type)
        return page(req, found, self.state.settings.page_size)

    # role assignments
    def put_assignment(self, req: Request, p: dict[str, str]) -> Reply:
        assignment, created = self.assignments.put(p["scope"], p["name"], body_of(req))
        return Reply(201 if created else 200, assignment)

    def get_assignment(self, req: Request, p: dict[str, str]) -> Reply:
        found = self.assignments.get(p["scope"], p["name"])
        if found is None:
            raise ArmError(
                404,
                "RoleAssignmentNotFound",
                f"The role assignment '{p['name']}' is not found.",
            )
        return Reply(200, found)

    def delete_assignment(self, req: Request, p: dict[str, str]) -> Reply:
        gone = self.assignments.delete(p["scope"], p["name"])
        return Reply(204) if gone is None else Reply(200, gone)

    def list_assignments(self, req: Request, p: dict[str, str]) -> Reply:
        asked = _filter(req)
        if asked and asked[0] not in ("principalid", "atscope"):
            raise ArmError(
                400,
                "InvalidFilterInQueryString",
                "Role assignments filter on atScope(), principalId eq '...' or assignedTo('...').",
            )
        found = self.assignments.listed(
            p["scope"],
            at_scope=bool(asked and asked[0] == "atscope"),
            principal_id=asked[1] if asked and asked[0] == "principalid" else None,
        )
        return page(req, found, self.state.settings.page_size)
