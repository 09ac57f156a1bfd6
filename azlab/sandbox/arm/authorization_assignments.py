"""Microsoft.Authorization/roleAssignments: a role given to a principal at a scope.

An assignment is named by a GUID, names an existing role definition that is
assignable there and a principal that exists in the directory, and cannot be
changed once made; the same principal, role and scope twice is refused. An
assignment goes with its scope: deleting a resource group deletes the
assignments on it and on what it held.
"""

from __future__ import annotations

from dataclasses import dataclass

from azlab.sandbox.arm.authorization_definitions import (
    STORE,
    RoleDefinitions,
    definition_id,
    guid_of,
    is_guid,
)
from azlab.sandbox.arm.authorization_scopes import check_exists, key, related, within
from azlab.sandbox.arm.core import ArmError, Json, State, iso_time
from azlab.sandbox.arm.directory import IDENTITY_OBJECT_ID, TENANT
from azlab.sandbox.arm.principals import Principals

ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")


def assignment_id(scope: str, name: str) -> str:
    return f"{scope.rstrip('/')}/providers/{ASSIGNMENT_TYPE}/{name}"


@dataclass(frozen=True)
class Grant:
    """One assignment as enforcement reads it: the permissions it gives and where."""

    scope: str
    permissions: tuple[Json, ...]


class RoleAssignments:
    def __init__(self, state: State, definitions: RoleDefinitions, principals: Principals) -> None:
        self.state = state
        self.definitions = definitions
        self.principals = principals
        state.deleted.append(lambda resource: self.forget_scope(str(resource["id"])))

    def _all(self) -> dict[str, Json]:
        found: dict[str, Json] = self.state.extra(STORE).setdefault("assignments", {})
        return found

    def get(self, scope: str, name: str) -> Json | None:
        return self._all().get(key(assignment_id(scope, name)))

    def put(self, scope: str, name: str, body: Json) -> tuple[Json, bool]:
        if not is_guid(name):
            raise ArmError(
                400,
                "InvalidRoleAssignmentId",
                f"The role assignment ID '{name}' is not valid. The role assignment ID must be "
                "a GUID.",
            )
        check_exists(self.state, scope)
        props = body.get("properties") or {}
        role_id = str(props.get("roleDefinitionId") or "")
        guid = guid_of(role_id)
        role = self.definitions.properties(guid) if role_id else None
        if role is None:
            raise ArmError(
                400,
                "RoleDefinitionDoesNotExist",
                f"The specified role definition with ID '{guid}' does not exist.",
            )
        if not any(within(scope, s) for s in role["assignableScopes"]):
            raise ArmError(
                400,
                "RoleDefinitionDoesNotExist",
                f"The role {role['roleName']} is not available for assignment at the requested "
                f"scope '{scope}' (its assignableScopes: {', '.join(role['assignableScopes'])}).",
            )
        principal_id = str(props.get("principalId") or "").lower()
        if self.principals.get(principal_id) is None:
            raise ArmError(
                400,
                "PrincipalNotFound",
                f"Principal {principal_id.replace('-', '')} does not exist in the directory "
                f"{TENANT}. Check that you have the correct principal ID. If you are creating "
                "this principal and then immediately assigning a role, this error might be "
                "related to a replication delay. In this case, set the role assignment "
                "principalType property to a value, such as ServicePrincipal, User, or Group. "
                "See https://aka.ms/docs-principaltype",
            )
        principal_type = str(props.get("principalType") or "ServicePrincipal")
        if principal_type not in PRINCIPAL_TYPES:
            raise ArmError(
                400,
                "InvalidPrincipalType",
                f"The principal type '{principal_type}' is not one of {', '.join(PRINCIPAL_TYPES)}.",
                "properties.principalType",
            )
        resource_id = assignment_id(scope, name)
        existing = self._all().get(key(resource_id))
        if existing is not None:
            old = existing["properties"]
            if old["principalId"] != principal_id or guid_of(old["roleDefinitionId"]) != guid:
                raise ArmError(
                    409,
                    "RoleAssignmentUpdateNotPermitted",
                    "Tenant ID, application ID, principal ID, and scope are not allowed to be "
                    "updated.",
                )
            return existing, False
        for other in self._all().values():
            p = other["properties"]
            if (
                p["principalId"] == principal_id
                and guid_of(p["roleDefinitionId"]) == guid
                and key(p["scope"]) == key(scope)
            ):
                raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")
        now = iso_time(self.state.now())
        assignment: Json = {
            "id": resource_id,
            "name": name.lower(),
            "type": ASSIGNMENT_TYPE,
            "properties": {
                "roleDefinitionId": definition_id(scope, guid),
                "principalId": principal_id,
                "principalType": principal_type,
                "scope": scope.rstrip("/") or "/",
                "condition": props.get("condition"),
                "conditionVersion": props.get("conditionVersion"),
                "description": props.get("description"),
                "createdOn": now,
                "updatedOn": now,
                "createdBy": IDENTITY_OBJECT_ID,
                "updatedBy": IDENTITY_OBJECT_ID,
                "delegatedManagedIdentityResourceId": None,
            },
        }
        self._all()[key(resource_id)] = assignment
        return assignment, True

    def delete(self, scope: str, name: str) -> Json | None:
        return self._all().pop(key(assignment_id(scope, name)), None)

    def listed(self, scope: str, *, at_scope: bool, principal_id: str | None) -> list[Json]:
        """Assignments at, above and (unless `at_scope`) below `scope`."""
        found = []
        for assignment in self._all().values():
            props = assignment["properties"]
            where = props["scope"]
            if not (within(scope, where) if at_scope else related(scope, where)):
                continue
            if principal_id is not None and props["principalId"] != principal_id.lower():
                continue
            found.append(assignment)
        return found

    def uses(self, guid: str) -> bool:
        return any(
            guid_of(a["properties"]["roleDefinitionId"]) == guid.lower()
            for a in self._all().values()
        )

    def grants(self, principal_id: str) -> list[Grant]:
        """What a principal's assignments give it, for the enforcement of roles."""
        found = []
        # A copy: the storage gateway asks from its own thread while ARM may change them.
        for assignment in list(self._all().values()):
            props = assignment["properties"]
            if props["principalId"] != principal_id.lower():
                continue
            role = self.definitions.properties(guid_of(props["roleDefinitionId"]))
            if role is not None:
                found.append(Grant(props["scope"], tuple(role["permissions"])))
        return found

    def forget_scope(self, deleted: str) -> None:
        """Drop the assignments on a deleted resource and on what it held."""
        for k, assignment in list(self._all().items()):
            where = assignment["properties"]["scope"]
            if key(where) != "/" and within(where, deleted):
                del self._all()[k]
