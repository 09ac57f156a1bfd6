"""Microsoft.Authorization/roleDefinitions: Azure's built-in roles and the tenant's custom ones.

A role definition is a tenant-wide object named by a GUID; it answers with an
id under the subscription of the scope it is read at. A custom role's name is
unique in the tenant (built-in names included), it lists where it may be
assigned (`assignableScopes`), and it cannot be deleted while assigned.
"""

from __future__ import annotations

import re

from azlab.sandbox.arm.authorization_builtin import BUILT_IN, BY_GUID, BuiltIn
from azlab.sandbox.arm.authorization_scopes import check_exists, related, subscription_of
from azlab.sandbox.arm.core import ArmError, Json, State, iso_time
from azlab.sandbox.arm.directory import IDENTITY_OBJECT_ID

DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"
STORE = "/_sandbox/authorization"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_PERMISSION_KEYS = ("actions", "notActions", "dataActions", "notDataActions")


def is_guid(text: str) -> bool:
    return bool(_GUID.match(text))


def definition_id(scope: str, guid: str) -> str:
    sub = subscription_of(scope)
    prefix = f"/subscriptions/{sub}" if sub else ""
    return f"{prefix}/providers/{DEFINITION_TYPE}/{guid}"


def guid_of(role_definition_id: str) -> str:
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def _built_in(role: BuiltIn) -> Json:
    return {
        "roleName": role.name,
        "type": "BuiltInRole",
        "description": role.description,
        "assignableScopes": ["/"],
        "permissions": [
            {
                "actions": list(role.actions),
                "notActions": list(role.not_actions),
                "dataActions": list(role.data_actions),
                "notDataActions": list(role.not_data_actions),
            }
        ],
        "createdOn": "2015-02-02T21:55:09.8806423Z",
        "updatedOn": "2024-01-01T00:00:00.0000000Z",
        "createdBy": None,
        "updatedBy": None,
    }


_BUILT_IN_PROPERTIES = {role.guid: _built_in(role) for role in BUILT_IN}


def _permissions(given: object) -> list[Json]:
    if not isinstance(given, list) or not given:
        raise ArmError(
            400,
            "InvalidRoleDefinition",
            "The role definition needs 'permissions': a list of {actions, notActions, "
            "dataActions, notDataActions}.",
            "properties.permissions",
        )
    found = []
    for entry in given:
        entry = entry if isinstance(entry, dict) else {}
        lists = {k: entry.get(k) or [] for k in _PERMISSION_KEYS}
        if not all(
            isinstance(v, list) and all(isinstance(a, str) for a in v) for v in lists.values()
        ):
            raise ArmError(
                400,
                "InvalidRoleDefinition",
                "Each of actions, notActions, dataActions and notDataActions must be a list "
                "of strings.",
                "properties.permissions",
            )
        found.append({k: list(v) for k, v in lists.items()})
    return found


class RoleDefinitions:
    def __init__(self, state: State) -> None:
        self.state = state

    def _custom(self) -> dict[str, Json]:
        found: dict[str, Json] = self.state.extra(STORE).setdefault("definitions", {})
        return found

    def properties(self, guid: str) -> Json | None:
        """A role's properties (built-in or custom) by its GUID."""
        return _BUILT_IN_PROPERTIES.get(guid.lower()) or self._custom().get(guid.lower())

    def render(self, scope: str, guid: str) -> Json:
        props = self.properties(guid)
        if props is None:
            raise ArmError(
                404,
                "RoleDefinitionDoesNotExist",
                f"The specified role definition with ID '{guid}' does not exist.",
            )
        return {
            "id": definition_id(scope, guid.lower()),
            "name": guid.lower(),
            "type": DEFINITION_TYPE,
            "properties": props,
        }

    def listed(self, scope: str, role_name: str | None, role_type: str | None) -> list[Json]:
        guids = list(_BUILT_IN_PROPERTIES) + [
            guid
            for guid, props in self._custom().items()
            if any(related(scope, s) for s in props["assignableScopes"])
        ]
        found = [self.render(scope, guid) for guid in guids]
        if role_name is not None:
            found = [d for d in found if d["properties"]["roleName"].lower() == role_name.lower()]
        if role_type is not None:
            found = [d for d in found if d["properties"]["type"].lower() == role_type.lower()]
        return found

    def put(self, scope: str, guid: str, body: Json) -> Json:
        if not is_guid(guid):
            raise ArmError(
                400,
                "InvalidRoleDefinitionId",
                f"The role definition ID '{guid}' is not valid. The role definition ID must be "
                "a GUID.",
            )
        guid = guid.lower()
        if guid in BY_GUID:
            raise ArmError(
                400,
                "RoleDefinitionUpdateNotAllowed",
                f"The built-in role definition '{BY_GUID[guid].name}' cannot be changed.",
            )
        check_exists(self.state, scope)
        props = body.get("properties") or {}
        name = str(props.get("roleName") or "").strip()
        if not name:
            raise ArmError(
                400,
                "InvalidRoleDefinition",
                "The role definition needs a roleName.",
                "properties.roleName",
            )
        for other, other_props in [*_BUILT_IN_PROPERTIES.items(), *self._custom().items()]:
            if other != guid and other_props["roleName"].lower() == name.lower():
                raise ArmError(
                    409,
                    "RoleDefinitionWithSameNameExists",
                    "A custom role with the same name already exists in this directory. "
                    "Use a different name.",
                )
        scopes = props.get("assignableScopes")
        if not isinstance(scopes, list) or not scopes:
            raise ArmError(
                400,
                "InvalidRoleDefinition",
                "The role definition needs assignableScopes: at least one scope it may be "
                "assigned at.",
                "properties.assignableScopes",
            )
        for assignable in scopes:
            check_exists(self.state, str(assignable))
        old = self._custom().get(guid) or {}
        now = iso_time(self.state.now())
        self._custom()[guid] = {
            "roleName": name,
            "type": "CustomRole",
            "description": str(props.get("description") or ""),
            "assignableScopes": [str(s) for s in scopes],
            "permissions": _permissions(props.get("permissions")),
            "createdOn": old.get("createdOn", now),
            "updatedOn": now,
            "createdBy": old.get("createdBy", IDENTITY_OBJECT_ID),
            "updatedBy": IDENTITY_OBJECT_ID,
        }
        return self.render(scope, guid)

    def delete(self, scope: str, guid: str, assigned: bool) -> Json | None:
        guid = guid.lower()
        if guid in BY_GUID:
            raise ArmError(
                400,
                "RoleDefinitionUpdateNotAllowed",
                f"The built-in role definition '{BY_GUID[guid].name}' cannot be deleted.",
            )
        if guid not in self._custom():
            return None
        if assigned:
            raise ArmError(
                409,
                "RoleDefinitionHasAssignments",
                "There are existing role assignments referencing role (code: "
                "RoleDefinitionHasAssignments).",
            )
        found = self.render(scope, guid)
        del self._custom()[guid]
        return found
