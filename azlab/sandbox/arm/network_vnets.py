"""Virtual networks and their subnets: address spaces, subnet ranges, subnets in use."""

from __future__ import annotations

import ipaddress
import uuid

from azlab.sandbox.arm.core import ArmError, Json, not_found
from azlab.sandbox.arm.network_model import NetworkModel, address_prefix
from azlab.sandbox.arm.network_security import NetworkSecurityGroups

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


def subnet_json(vnet: Json, name: str, prefix: str, props: Json, existing: Json | None) -> Json:
    """A subnet as ARM shows it, keeping the IP configurations the old version had."""
    configs: list[Json] = []
    if existing is not None:
        for old in existing["properties"].get("subnets", []):
            if old["name"].lower() == name.lower():
                configs = old["properties"].get("ipConfigurations", [])
    out: Json = {
        "addressPrefix": prefix,
        "provisioningState": "Succeeded",
        "delegations": list(props.get("delegations") or []),
        "privateEndpointNetworkPolicies": props.get("privateEndpointNetworkPolicies", "Disabled"),
        "privateLinkServiceNetworkPolicies": props.get(
            "privateLinkServiceNetworkPolicies", "Enabled"
        ),
    }
    if configs:
        out["ipConfigurations"] = configs
    return {
        "id": f"{vnet['id']}/subnets/{name}",
        "name": name,
        "type": SUBNET_TYPE,
        "etag": vnet["etag"],
        "properties": out,
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
            subnets.append(subnet_json(resource, sub_name, str(prefix), sub_props, existing))
        if existing is not None:
            check_removed_subnets(existing, {s["name"].lower() for s in subnets})
        self._link_nsgs(existing, subnets, props.get("subnets") or [])
        old = (existing or {}).get("properties", {})
        resource["properties"] = {
            "provisioningState": "Succeeded",
            "resourceGuid": old.get("resourceGuid") or str(uuid.uuid4()),
            "addressSpace": {"addressPrefixes": [str(s) for s in spaces]},
            "dhcpOptions": {
                "dnsServers": list((props.get("dhcpOptions") or {}).get("dnsServers") or [])
            },
            "subnets": subnets,
            "virtualNetworkPeerings": [],
            "enableDdosProtection": bool(props.get("enableDdosProtection", False)),
        }
        if props.get("flowTimeoutInMinutes") is not None:
            resource["properties"]["flowTimeoutInMinutes"] = int(props["flowTimeoutInMinutes"])
        return resource

    def _link_nsgs(self, existing: Json | None, subnets: list[Json], asked: list[Json]) -> None:
        """Move each subnet's NSG link (on both sides) to the NSG its PUT names."""
        nsgs = NetworkSecurityGroups(self.state)
        for old in (existing or {}).get("properties", {}).get("subnets", []):
            ref = old["properties"].get("networkSecurityGroup")
            if ref:
                nsgs.unlink(ref["id"], "subnets", old["id"])
        for subnet, body in zip(subnets, asked, strict=True):
            ref = (body.get("properties") or {}).get("networkSecurityGroup")
            if ref and ref.get("id"):
                subnet["properties"]["networkSecurityGroup"] = nsgs.link(
                    ref["id"], "subnets", subnet["id"], subnet["id"]
                )

    def check_deletable(self, resource_id: str) -> None:
        vnet = self.state.get(resource_id)
        if vnet is not None:
            check_removed_subnets(vnet, set())

    def delete(self, resource_id: str) -> None:
        vnet = self.state.get(resource_id)
        for sub in [] if vnet is None else vnet["properties"].get("subnets", []):
            ref = sub["properties"].get("networkSecurityGroup")
            if ref:
                NetworkSecurityGroups(self.state).unlink(ref["id"], "subnets", sub["id"])
        self.state.delete(resource_id)

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
        sub = subnet_json(vnet, name, str(prefix), props, vnet)
        old = self.subnet(vnet, name)
        existed = old is not None
        nsgs = NetworkSecurityGroups(self.state)
        if old is not None and old["properties"].get("networkSecurityGroup"):
            nsgs.unlink(old["properties"]["networkSecurityGroup"]["id"], "subnets", old["id"])
        ref = props.get("networkSecurityGroup")
        if ref and ref.get("id"):
            sub["properties"]["networkSecurityGroup"] = nsgs.link(
                ref["id"], "subnets", sub["id"], sub["id"]
            )
        vnet["properties"]["subnets"] = [
            s for s in vnet["properties"]["subnets"] if s["name"].lower() != name.lower()
        ] + [sub]
        return sub, existed

    def delete_subnet(self, vnet: Json, name: str) -> None:
        keep = {s["name"].lower() for s in vnet["properties"]["subnets"]} - {name.lower()}
        check_removed_subnets(vnet, keep)
        old = self.subnet(vnet, name)
        ref = None if old is None else old["properties"].get("networkSecurityGroup")
        if old is not None and ref:
            NetworkSecurityGroups(self.state).unlink(ref["id"], "subnets", old["id"])
        vnet["properties"]["subnets"] = [
            s for s in vnet["properties"]["subnets"] if s["name"].lower() in keep
        ]
