"""Virtual networks and their subnets: address spaces, subnet ranges, subnets in use."""

from __future__ import annotations

import ipaddress

from azlab.sandbox.arm.core import ArmError, Json, not_found
from azlab.sandbox.arm.network_model import NetworkModel, address_prefix

SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"


def check_subnet(
    vnet: str,
    name: str,
    prefix: ipaddress.IPv4Network,
    spaces: list[ipaddress.IPv4Network],
    placed: list[tuple[ipaddress.IPv4Network, str]],
) -> None:
    """A subnet's range lies inside the address space and overlaps no other subnet."""
    if not any(prefix.subnet_of(space) for space in spaces):
        raise ArmError(
            400,
            "NetcfgSubnetRangeOutsideVnet",
            f"Subnet '{name}' is not valid because its IP address range is outside the IP address "
            f"range of virtual network '{vnet}'.",
            f"subnets/{name}",
        )
    if prefix.prefixlen > 29:
        raise ArmError(
            400, "InvalidSubnetPrefix", f"Subnet '{name}' prefix {prefix} is smaller than /29."
        )
    for other, other_name in placed:
        if other.overlaps(prefix):
            raise ArmError(
                400,
                "NetcfgSubnetRangesOverlap",
                f"Subnet '{name}' is not valid because its IP address range overlaps with that of "
                f"an existing subnet '{other_name}' in virtual network '{vnet}'.",
            )


def check_removed_subnets(existing: Json, keep: set[str]) -> None:
    """Refuse to drop a subnet a NIC still uses (`keep`: lower-cased names that stay)."""
    for old in existing["properties"].get("subnets", []):
        if old["name"].lower() not in keep and old["properties"].get("ipConfigurations"):
            raise ArmError(
                400,
                "InUseSubnetCannotBeDeleted",
                f"Subnet {old['name']} is in use by {old['properties']['ipConfigurations'][0]['id']} "
                "and cannot be deleted.",
            )


def subnet_json(vnet_id: str, name: str, prefix: str, existing: Json | None) -> Json:
    """A subnet as ARM shows it, keeping the IP configurations the old version had."""
    configs: list[Json] = []
    if existing is not None:
        for old in existing["properties"].get("subnets", []):
            if old["name"].lower() == name.lower():
                configs = old["properties"].get("ipConfigurations", [])
    props: Json = {"addressPrefix": prefix, "provisioningState": "Succeeded"}
    if configs:
        props["ipConfigurations"] = configs
    return {
        "id": f"{vnet_id}/subnets/{name}",
        "name": name,
        "type": SUBNET_TYPE,
        "properties": props,
    }


class VirtualNetworks(NetworkModel):
    type_name = "Microsoft.Network/virtualNetworks"

    def build(self, group_id: str, default_location: str, name: str, body: Json) -> Json:
        """The virtual network a PUT asks for, checked; its version to store (not yet stored)."""
        resource, existing = self.envelope(group_id, default_location, name, body)
        props = body.get("properties") or {}
        spaces = [
            address_prefix(a, "addressSpace")
            for a in (props.get("addressSpace") or {}).get("addressPrefixes", [])
        ]
        if not spaces:
            raise ArmError(
                400,
                "InvalidRequestFormat",
                "addressSpace.addressPrefixes is required.",
                "addressSpace",
            )
        subnets = []
        placed: list[tuple[ipaddress.IPv4Network, str]] = []
        for sub in props.get("subnets") or []:
            sub_name = sub.get("name")
            sub_props = sub.get("properties") or {}
            prefix = address_prefix(sub_props.get("addressPrefix"), f"subnets/{sub_name}")
            check_subnet(resource["name"], sub_name, prefix, spaces, placed)
            placed.append((prefix, sub_name))
            subnets.append(subnet_json(resource["id"], sub_name, str(prefix), existing))
        if existing is not None:
            check_removed_subnets(existing, {s["name"].lower() for s in subnets})
        resource["properties"] = {
            "addressSpace": {"addressPrefixes": [str(s) for s in spaces]},
            "dhcpOptions": {
                "dnsServers": list((props.get("dhcpOptions") or {}).get("dnsServers") or [])
            },
            "subnets": subnets,
        }
        return resource

    def check_deletable(self, resource_id: str) -> None:
        vnet = self.state.get(resource_id)
        if vnet is not None:
            check_removed_subnets(vnet, set())

    def require(self, group_id: str, name: str) -> Json:
        vnet_id = self.resource_id(group_id, name)
        vnet = self.state.get(vnet_id)
        if vnet is None:
            raise not_found("virtual network", vnet_id)
        return vnet

    # subnets
    @staticmethod
    def subnet(vnet: Json, name: str) -> Json | None:
        subnets: list[Json] = vnet.get("properties", {}).get("subnets", [])
        return next((s for s in subnets if s["name"].lower() == name.lower()), None)

    def put_subnet(self, vnet: Json, name: str, body: Json) -> tuple[Json, bool]:
        """Add or replace one subnet: the subnet, and whether it existed."""
        props = body.get("properties") or {}
        prefix = address_prefix(props.get("addressPrefix"), f"subnets/{name}")
        spaces = [
            ipaddress.IPv4Network(s) for s in vnet["properties"]["addressSpace"]["addressPrefixes"]
        ]
        others = [
            (ipaddress.IPv4Network(s["properties"]["addressPrefix"]), s["name"])
            for s in vnet["properties"]["subnets"]
            if s["name"].lower() != name.lower()
        ]
        check_subnet(vnet["name"], name, prefix, spaces, others)
        sub = subnet_json(vnet["id"], name, str(prefix), vnet)
        existed = any(s["name"].lower() == name.lower() for s in vnet["properties"]["subnets"])
        vnet["properties"]["subnets"] = [
            s for s in vnet["properties"]["subnets"] if s["name"].lower() != name.lower()
        ] + [sub]
        return sub, existed

    def delete_subnet(self, vnet: Json, name: str) -> None:
        keep = {s["name"].lower() for s in vnet["properties"]["subnets"]} - {name.lower()}
        check_removed_subnets(vnet, keep)
        vnet["properties"]["subnets"] = [
            s for s in vnet["properties"]["subnets"] if s["name"].lower() in keep
        ]
