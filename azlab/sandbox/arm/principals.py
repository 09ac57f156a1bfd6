"""Who can hold a role in the sandbox: its own identity and the system-assigned identities it makes.

Azure gives a resource with `identity: {type: SystemAssigned}` a service
principal in the tenant: `principalId` (the object id tokens carry as `oid`),
a client id (`appid`), and the resource's id (`xms_mirid`). The principal
lives as long as the resource has that identity; a resource deleted, or its
identity turned off, leaves role assignments naming an object that no longer
exists, as in Azure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from azlab.sandbox.arm.core import ArmError, Json, State, id_key
from azlab.sandbox.arm.directory import (
    IDENTITY_CLIENT_ID,
    IDENTITY_OBJECT_ID,
    IDENTITY_RESOURCE_ID,
    TENANT,
)

# Where the principals are kept: emulator-only state, saved and restored with the rest.
_DIRECTORY = "/_sandbox/principals"


@dataclass(frozen=True)
class Principal:
    object_id: str
    client_id: str
    resource_id: str  # the resource whose system-assigned identity this is
    principal_type: str = "ServicePrincipal"

    @property
    def is_sandbox(self) -> bool:
        """The sandbox's own identity, which holds Owner everywhere and is never checked."""
        return self.object_id == IDENTITY_OBJECT_ID


SANDBOX_PRINCIPAL = Principal(IDENTITY_OBJECT_ID, IDENTITY_CLIENT_ID, IDENTITY_RESOURCE_ID)


class Principals:
    def __init__(self, state: State) -> None:
        self.state = state

    def _entries(self) -> dict[str, Json]:
        entries: dict[str, Json] = self.state.extra(_DIRECTORY).setdefault("principals", {})
        return entries

    def identity(self, resource_id: str, asked: object, existing: object) -> Json | None:
        """The `identity` block a resource answers with after a PUT asking for `asked`.

        SystemAssigned keeps the principal the resource already has, or makes one;
        None (or no identity) ends it. User-assigned identities are not emulated.
        """
        kind = str((asked or {}).get("type", "None")) if isinstance(asked, dict) else "None"
        if kind.replace(" ", "").lower() not in ("systemassigned", "none"):
            raise ArmError(
                400,
                "InvalidIdentityType",
                f"The identity type '{kind}' is not supported here: the sandbox emulates "
                "system-assigned identities only (SystemAssigned or None).",
                "identity.type",
            )
        old = existing.get("principalId") if isinstance(existing, dict) else None
        if kind.lower() == "none":
            if old:
                self._entries().pop(str(old), None)
            return None
        if old and str(old) in self._entries():
            return {"type": "SystemAssigned", "principalId": old, "tenantId": TENANT}
        object_id = str(uuid.uuid4())
        self._entries()[object_id] = {"clientId": str(uuid.uuid4()), "resourceId": resource_id}
        return {"type": "SystemAssigned", "principalId": object_id, "tenantId": TENANT}

    def get(self, object_id: str) -> Principal | None:
        """The principal with that object id, if it still exists."""
        if object_id.lower() == IDENTITY_OBJECT_ID:
            return SANDBOX_PRINCIPAL
        entry = self._entries().get(object_id.lower())
        if entry is None:
            return None
        resource = self.state.get(str(entry["resourceId"]))
        if resource is None:
            return None  # its resource is gone
        identity = resource.get("identity") or {}
        if str(identity.get("principalId", "")).lower() != object_id.lower():
            return None  # the resource no longer has that identity
        return Principal(object_id.lower(), str(entry["clientId"]), str(resource["id"]))

    def of_resource(self, resource_id: str) -> Principal | None:
        resource = self.state.get(resource_id)
        object_id = ((resource or {}).get("identity") or {}).get("principalId")
        return self.get(str(object_id)) if object_id else None

    def all(self) -> list[Principal]:
        found = [self.get(object_id) for object_id in list(self._entries())]
        return [SANDBOX_PRINCIPAL] + [p for p in found if p is not None]

    def forget_resource(self, resource_id: str) -> None:
        """Drop the principals of a resource that is deleted."""
        key = id_key(resource_id)
        for object_id, entry in list(self._entries().items()):
            if id_key(str(entry["resourceId"])) == key:
                del self._entries()[object_id]
