"""What every Microsoft.Network model shares: ids, the envelope of a PUT, address prefixes."""

from __future__ import annotations

import ipaddress
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from azlab.sandbox.arm.core import ArmError, Json, State, new_etag
from azlab.sandbox.arm.regions import normalise_region, same_region


def address_prefix(text: Any, target: str) -> ipaddress.IPv4Network:
    """An IPv4 prefix such as 10.0.0.0/16, or ARM's 400 naming `target`."""
    try:
        return ipaddress.IPv4Network(str(text), strict=True)
    except ValueError:
        raise ArmError(
            400, "InvalidAddressPrefix", f"Value '{text}' is not a valid address prefix.", target
        ) from None


class NetworkModel(ABC):
    """The state of one tracked resource type (a location and tags), such as virtualNetworks."""

    type_name: ClassVar[str]  # Microsoft.Network/virtualNetworks

    def __init__(self, state: State) -> None:
        self.state = state

    def resource_id(self, group_id: str, name: str) -> str:
        return f"{group_id}/providers/{self.type_name}/{name}"

    @abstractmethod
    def build(self, group_id: str, default_location: str, name: str, body: Json) -> Json:
        """The version of the resource a PUT asks for, checked, to store as it provisions."""

    def refresh(self, resource: Json) -> Json:
        """The stored resource as a read shows it now (by default, as stored)."""
        return resource

    def delete(self, resource_id: str) -> None:
        """Drop the resource (a model whose resources link to others unlinks them first)."""
        self.state.delete(resource_id)

    def check_deletable(self, resource_id: str) -> None:
        """Refuse to delete a resource others still use (by default, none is)."""
        return None

    def envelope(
        self, group_id: str, default_location: str, name: str, body: Json
    ) -> tuple[Json, Json | None]:
        """The new version of a resource without its properties, and the version it replaces.

        A resource cannot move: a PUT naming another location is refused.
        """
        resource_id = self.resource_id(group_id, name)
        existing = self.state.get(resource_id)
        location = normalise_region(body.get("location") or default_location)
        if existing is not None and not same_region(existing["location"], location):
            raise ArmError(
                400,
                "InvalidResourceLocation",
                f"The resource '{name}' already exists in location '{existing['location']}'.",
            )
        resource: Json = {
            "id": resource_id,
            "name": existing["name"] if existing else name,
            "type": self.type_name,
            "location": existing["location"] if existing else location,
            "tags": dict(body.get("tags") or {}),
            "etag": new_etag(),
        }
        return resource, existing
