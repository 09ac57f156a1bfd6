"""Public IP addresses: Standard SKU only, static addresses, the IP configuration using one."""

from __future__ import annotations

import itertools
import uuid

from azlab.sandbox.arm.core import ArmError, Json
from azlab.sandbox.arm.network_model import NetworkModel

_addresses = itertools.count(10)


def _next_address() -> str:
    return (
        f"20.{next(_addresses) // 250 % 250}.{next(_addresses) % 250}.{next(_addresses) % 250 + 1}"
    )


class PublicIpAddresses(NetworkModel):
    type_name = "Microsoft.Network/publicIPAddresses"

    def build(self, group_id: str, default_location: str, name: str, body: Json) -> Json:
        """The public IP a PUT asks for; an existing one keeps its address and its holder."""
        resource, existing = self.envelope(group_id, default_location, name, body)
        sku = (body.get("sku") or {}).get("name", "Standard")
        if str(sku).lower() == "basic":
            raise ArmError(
                400,
                "BasicSkuPublicIpRetired",
                "Basic SKU public IP addresses can no longer be created; use Standard.",
            )
        props = body.get("properties") or {}
        idle = int(props.get("idleTimeoutInMinutes", 4))
        if not 4 <= idle <= 30:
            raise ArmError(
                400,
                "PublicIPIdleTimeoutIsOutOfRange",
                f"Idle timeout {idle} is outside 4-30 minutes.",
                "idleTimeoutInMinutes",
            )
        old = (existing or {}).get("properties", {})
        address = old["ipAddress"] if existing else _next_address()
        tier = str((body.get("sku") or {}).get("tier") or "Regional")
        resource["sku"] = {
            "name": "Standard",
            "tier": "Global" if tier.lower() == "global" else "Regional",
        }
        # Zones are fixed at creation; the sandbox does not guess a region's default.
        zones = (existing or {}).get("zones") or body.get("zones")
        if zones:
            resource["zones"] = list(zones)
        resource["properties"] = {
            "provisioningState": "Succeeded",
            "resourceGuid": old.get("resourceGuid") or str(uuid.uuid4()),
            "publicIPAllocationMethod": "Static",
            "publicIPAddressVersion": "IPv4",
            "idleTimeoutInMinutes": idle,
            "ipAddress": address,
            "ipTags": list(props.get("ipTags") or []),
            "ddosSettings": {
                "protectionMode": (props.get("ddosSettings") or {}).get(
                    "protectionMode", "VirtualNetworkInherited"
                )
            },
        }
        label = (props.get("dnsSettings") or {}).get("domainNameLabel")
        if label:
            region = str(resource["location"]).replace(" ", "").lower()
            resource["properties"]["dnsSettings"] = {
                "domainNameLabel": label,
                "fqdn": f"{label}.{region}.cloudapp.azure.com",
            }
        if existing is not None and existing["properties"].get("ipConfiguration"):
            resource["properties"]["ipConfiguration"] = existing["properties"]["ipConfiguration"]
        return resource

    def check_deletable(self, resource_id: str) -> None:
        pip = self.state.get(resource_id)
        if pip is not None and pip["properties"].get("ipConfiguration"):
            raise ArmError(
                400,
                "PublicIPAddressInUse",
                f"Public IP address {pip['name']} is in use by {pip['properties']['ipConfiguration']['id']}.",
            )
