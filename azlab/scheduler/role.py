"""The scheduler's roles: the custom ones from runbooks/role.json, scoped to the plan, and
the built-in data roles on the scheduler's own storage account.

runbooks/role.json is the one source of the custom roles' permissions. Deploy makes each
role once per plan, named after it (role names are unique in a tenant), with its assignable
scopes narrowed to where it is assigned: the operator role to the plan's resource group,
the batch role to the subscription (Microsoft.ComputeSchedule's batch calls are addressed
to a region of the subscription, so a narrower assignment cannot grant them).

Role definition and assignment names are GUIDs derived from what they are (uuid5), so a
second deploy finds the ones the first made instead of adding more.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azlab.errors import UsageError

# Azure's built-in data roles (their ids are the same in every tenant).
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
BUILT_IN_NAMES = {
    STORAGE_BLOB_DATA_OWNER: "Storage Blob Data Owner",
    STORAGE_QUEUE_DATA_CONTRIBUTOR: "Storage Queue Data Contributor",
}
_NAMESPACE = uuid.UUID("5b0b6a36-9d4c-4e4e-9a61-3c2f4d7e21a0")
OPERATOR = "azlab schedule operator"
BATCH = "azlab batch power"


@dataclass(frozen=True)
class RoleTemplate:
    name: str
    description: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    data_actions: tuple[str, ...]
    not_data_actions: tuple[str, ...]


def _strings(role: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = role.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def load_templates(path: Path) -> dict[str, RoleTemplate]:
    """The custom roles of role.json by name (az CLI's role definition shape, in a list)."""
    try:
        roles = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the role definitions: {exc}") from None
    if not isinstance(roles, list):
        raise UsageError(f"{path}: expected a list of role definitions")
    found = {}
    for index, role in enumerate(roles):
        where = f"{path}[{index}]"
        if not isinstance(role, dict) or not isinstance(role.get("Name"), str):
            raise UsageError(f"{where}: a role definition needs a Name")
        found[role["Name"]] = RoleTemplate(
            role["Name"],
            str(role.get("Description", "")),
            _strings(role, "Actions", where),
            _strings(role, "NotActions", where),
            _strings(role, "DataActions", where),
            _strings(role, "NotDataActions", where),
        )
    for needed in (OPERATOR, BATCH):
        if needed not in found:
            raise UsageError(f"{path}: no role named {needed!r}")
    return found


def role_definition_id(template: str, plan: str, subscription: str) -> str:
    """The GUID of `template`'s role for `plan` in `subscription`."""
    return str(uuid.uuid5(_NAMESPACE, f"role|{subscription.lower()}|{plan}|{template}"))


def assignment_name(scope: str, principal: str, role_definition: str) -> str:
    """The GUID of the assignment of `role_definition` to `principal` at `scope`."""
    key = f"{scope.lower()}|{principal.lower()}|{role_definition.lower()}"
    return str(uuid.uuid5(_NAMESPACE, key))


def role_body(template: RoleTemplate, plan: str, scopes: list[str]) -> dict[str, Any]:
    """The roleDefinitions PUT properties for `plan`, assignable only at `scopes`."""
    return {
        "roleName": f"{template.name} ({plan})",
        "description": template.description,
        "type": "CustomRole",
        "permissions": [
            {
                "actions": list(template.actions),
                "notActions": list(template.not_actions),
                "dataActions": list(template.data_actions),
                "notDataActions": list(template.not_data_actions),
            }
        ],
        "assignableScopes": scopes,
    }


def built_in_id(subscription: str, guid: str) -> str:
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
