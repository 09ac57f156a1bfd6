"""Network interfaces: IP configurations with private addresses from their subnet, and links.

A NIC's private addresses are kept per virtual network in the state's private
data (`addresses`: IP configuration id -> address), so a dynamic address is
stable across updates and a static one is checked against every other NIC's.
A NIC links to its subnet, public IPs and NSG on both sides, as ARM shows it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid

from azlab.sandbox.arm.core import ArmError, Json
from azlab.sandbox.arm.network_model import NetworkModel
from azlab.sandbox.arm.network_security import NetworkSecurityGroups
from azlab.sandbox.arm.network_vnets import VirtualNetworks
from azlab.sandbox.arm.regions import same_region

CONFIG_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations"


def _primary_index(configs: list[Json]) -> int:
    """The IP configuration marked primary, else the first (as Azure picks it)."""
    for i, config in enumerate(configs):
        if (config.get("properties") or {}).get("primary"):
            return i
    return 0


def mac_address(nic_id: str) -> str:
    """A stable MAC address in Microsoft's range (00-0D-3A), derived from the NIC's id."""
    digest = hashlib.sha256(nic_id.lower().encode()).digest()
    return "-".join(f"{b:02X}" for b in (0x00, 0x0D, 0x3A, *digest[:3]))


class NetworkInterfaces(NetworkModel):
    type_name = "Microsoft.Network/networkInterfaces"

    def build(self, group_id: str, default_location: str, name: str, body: Json) -> Json:
        """The NIC a PUT asks for; its addresses are allocated and its links made at once."""
        resource, existing = self.envelope(group_id, default_location, name, body)
        props = body.get("properties") or {}
        configs = props.get("ipConfigurations") or []
        if not configs:
            raise ArmError(
                400,
                "NetworkInterfaceMustHaveIpConfiguration",
                "A network interface needs an IP configuration.",
            )
        primary = _primary_index(configs)
        inherited = (configs[primary].get("properties") or {}).get("subnet")
        out_configs = [
            self._ip_config(resource, config, existing, i == primary, inherited)
            for i, config in enumerate(configs)
        ]
        old = (existing or {}).get("properties", {})
        dns = props.get("dnsSettings") or {}
        resource["properties"] = {
            "provisioningState": "Succeeded",
            "resourceGuid": old.get("resourceGuid") or str(uuid.uuid4()),
            "ipConfigurations": out_configs,
            "dnsSettings": {
                "dnsServers": list(dns.get("dnsServers") or []),
                "appliedDnsServers": list(dns.get("dnsServers") or []),
                "internalDomainNameSuffix": old.get("dnsSettings", {}).get(
                    "internalDomainNameSuffix"
                )
                or f"{uuid.uuid4().hex[:26]}.bx.internal.cloudapp.net",
            },
            "enableAcceleratedNetworking": bool(props.get("enableAcceleratedNetworking", False)),
            "enableIPForwarding": bool(props.get("enableIPForwarding", False)),
            "disableTcpStateTracking": bool(props.get("disableTcpStateTracking", False)),
            "vnetEncryptionSupported": False,
            "nicType": "Standard",
            "hostedWorkloads": [],
            "tapConfigurations": [],
        }
        if dns.get("internalDnsNameLabel"):
            resource["properties"]["dnsSettings"]["internalDnsNameLabel"] = dns[
                "internalDnsNameLabel"
            ]
        if old.get("virtualMachine"):
            resource["properties"]["virtualMachine"] = old["virtualMachine"]
        nsgs = NetworkSecurityGroups(self.state)
        nsg_ref = props.get("networkSecurityGroup")
        if old.get("networkSecurityGroup"):
            nsgs.unlink(old["networkSecurityGroup"]["id"], "networkInterfaces", resource["id"])
        if nsg_ref:
            resource["properties"]["networkSecurityGroup"] = nsgs.link(
                nsg_ref["id"], "networkInterfaces", resource["id"], resource["id"]
            )
        return resource

    def refresh(self, nic: Json) -> Json:
        """The NIC as a read shows it: with the MAC address and whether it is the VM's primary
        NIC while a VM holds it (Azure shows both only then). The stored NIC is not changed."""
        props = {k: v for k, v in nic["properties"].items() if k not in ("macAddress", "primary")}
        holder = props.get("virtualMachine")
        vm = None if holder is None else self.state.get(holder["id"])
        if vm is not None:
            refs = vm.get("properties", {}).get("networkProfile", {}).get("networkInterfaces", [])
            props["macAddress"] = mac_address(nic["id"])
            props["primary"] = any(
                r["id"].lower() == nic["id"].lower()
                and (r.get("properties") or {}).get("primary", len(refs) == 1)
                for r in refs
            )
        return {**nic, "properties": props}

    def _subnet(self, nic: Json, subnet_id: str) -> Json:
        """The subnet an IP configuration names, in a virtual network of the NIC's region."""
        vnet_id, _, subnet_name = subnet_id.rpartition("/subnets/")
        vnet = self.state.get(vnet_id)
        subnet = None if vnet is None else VirtualNetworks.subnet(vnet, subnet_name)
        if vnet is None or subnet is None:
            raise ArmError(
                400,
                "InvalidResourceReference",
                f"Resource {subnet_id} referenced by resource {nic['id']} was not found.",
            )
        if not same_region(vnet["location"], nic["location"]):
            raise ArmError(
                400,
                "InvalidResourceReference",
                f"Subnet {subnet_name} of virtual network {vnet['name']} in {vnet['location']} cannot be used by "
                f"network interface {nic['name']} in {nic['location']}: they must be in the same region.",
            )
        return subnet

    def _address(
        self, vnet_id: str, subnet: Json, config_id: str, props: Json
    ) -> ipaddress.IPv4Address:
        """The private address of one IP configuration: the static one asked for, checked,
        or the dynamic one it had, or the subnet's first free one."""
        network = ipaddress.IPv4Network(subnet["properties"]["addressPrefix"])
        reserved = {network.network_address + i for i in range(4)} | {network.broadcast_address}
        allocated = self.state.extra(vnet_id).get("addresses", [])
        used = {
            ipaddress.IPv4Address(c["address"])
            for c in allocated
            if c["config"].lower() != config_id.lower()
        }
        method = props.get("privateIPAllocationMethod", "Dynamic")
        if method.lower() == "static":
            try:
                address = ipaddress.IPv4Address(props.get("privateIPAddress"))
            except ValueError:
                raise ArmError(
                    400,
                    "PrivateIPAddressInvalid",
                    f"Private IP {props.get('privateIPAddress')} is invalid.",
                ) from None
            if address not in network:
                raise ArmError(
                    400,
                    "PrivateIPAddressNotInSubnet",
                    f"Private static IP address {address} does not belong to the range of subnet prefix {network}.",
                )
            if address in reserved:
                raise ArmError(
                    400,
                    "PrivateIPAddressIsReserved",
                    f"IP address {address} is reserved in subnet {network}.",
                )
            if address in used:
                raise ArmError(
                    400,
                    "PrivateIPAddressInUse",
                    f"IP configuration {config_id} is using the private IP address {address} which is already allocated.",
                )
            return address
        old = next((c for c in allocated if c["config"].lower() == config_id.lower()), None)
        if old is not None and ipaddress.IPv4Address(old["address"]) in network:
            return ipaddress.IPv4Address(old["address"])
        free = next((a for a in network.hosts() if a not in reserved and a not in used), None)
        if free is None:
            raise ArmError(400, "SubnetIsFull", f"Subnet {subnet['name']} has no free address.")
        return free

    def _block(
        self, vnet_id: str, subnet: Json, config_id: str, length: int
    ) -> ipaddress.IPv4Network:
        """A free, aligned range of the subnet for an IP configuration asking for a prefix."""
        network = ipaddress.IPv4Network(subnet["properties"]["addressPrefix"])
        if not network.prefixlen < length <= 32:
            raise ArmError(
                400,
                "InvalidPrivateIPAddressPrefixLength",
                f"Private IP address prefix length {length} does not fit subnet {network}.",
            )
        allocated = self.state.extra(vnet_id).get("addresses", [])
        used = {
            ipaddress.IPv4Address(c["address"])
            for c in allocated
            if c["config"].lower() != config_id.lower()
        }
        reserved = {network.network_address + i for i in range(4)} | {network.broadcast_address}
        for block in network.subnets(new_prefix=length):
            if not any(a in used or a in reserved for a in block):
                return block
        raise ArmError(400, "SubnetIsFull", f"Subnet {subnet['name']} has no free /{length}.")

    def _ip_config(
        self, nic: Json, config: Json, existing: Json | None, primary: bool, inherited: Json | None
    ) -> Json:
        name = config.get("name") or "ipconfig1"
        props = config.get("properties") or {}
        # A secondary IP configuration without a subnet uses the primary's.
        subnet_id = (props.get("subnet") or inherited or {}).get("id")
        if not subnet_id:
            raise ArmError(
                400,
                "InvalidRequestFormat",
                "The primary ipConfiguration needs subnet.id.",
                f"ipConfigurations/{name}/subnet",
            )
        subnet = self._subnet(nic, subnet_id)
        vnet_id = subnet_id.rpartition("/subnets/")[0]
        config_id = f"{nic['id']}/ipConfigurations/{name}"
        length = props.get("privateIPAddressPrefixLength")
        if length is not None:
            block = self._block(vnet_id, subnet, config_id, int(length))
            addresses = list(block)
            shown = str(block)
        else:
            address = self._address(vnet_id, subnet, config_id, props)
            addresses = [address]
            shown = str(address)
        self.release(config_id)
        self.state.extra(vnet_id).setdefault("addresses", []).extend(
            {"config": config_id, "address": str(a)} for a in addresses
        )
        configs = subnet["properties"].setdefault("ipConfigurations", [])
        if not any(c["id"].lower() == config_id.lower() for c in configs):
            configs.append({"id": config_id})
        static = str(props.get("privateIPAllocationMethod", "Dynamic")).lower() == "static"
        out: Json = {
            "id": config_id,
            "name": name,
            "type": CONFIG_TYPE,
            "etag": nic["etag"],
            "properties": {
                "provisioningState": "Succeeded",
                "privateIPAddress": shown,
                "privateIPAllocationMethod": "Static" if static else "Dynamic",
                "privateIPAddressVersion": "IPv4",
                "subnet": {"id": subnet["id"]},
                "primary": primary,
            },
        }
        if length is not None:
            out["properties"]["privateIPAddressPrefixLength"] = int(length)
        public_ip = self._link_public_ip(nic, name, config_id, props, existing)
        if public_ip is not None:
            out["properties"]["publicIPAddress"] = {"id": public_ip}
        return out

    def _link_public_ip(
        self, nic: Json, name: str, config_id: str, props: Json, existing: Json | None
    ) -> str | None:
        """Move the IP configuration's public IP link to the one asked for; its id, if any."""
        pip_ref = props.get("publicIPAddress")
        old_pip = None
        if existing is not None:
            for c in existing["properties"]["ipConfigurations"]:
                if c["name"] == name:
                    old_pip = c["properties"].get("publicIPAddress")
        if old_pip and (not pip_ref or pip_ref["id"].lower() != old_pip["id"].lower()):
            pip_old = self.state.get(old_pip["id"])
            if pip_old is not None:
                pip_old["properties"].pop("ipConfiguration", None)
        if not pip_ref:
            return None
        pip = self.state.referenced(pip_ref["id"], nic["id"])
        holder = pip["properties"].get("ipConfiguration")
        if holder and holder["id"].lower() != config_id.lower():
            raise ArmError(
                400,
                "PublicIPAddressInUse",
                f"Public IP address {pip['name']} is already in use by {holder['id']}.",
            )
        pip["properties"]["ipConfiguration"] = {"id": config_id}
        return str(pip["id"])

    def release(self, config_id: str) -> None:
        """Free an IP configuration's private address and its subnet's link to it."""
        key = config_id.lower()
        for extra in self.state.private.values():
            if "addresses" in extra:
                extra["addresses"] = [c for c in extra["addresses"] if c["config"].lower() != key]
        for resource in self.state.resources.values():
            if resource.get("type") == "Microsoft.Network/virtualNetworks":
                for sub in resource["properties"].get("subnets", []):
                    configs = sub["properties"].get("ipConfigurations")
                    if configs:
                        sub["properties"]["ipConfigurations"] = [
                            c for c in configs if c["id"].lower() != key
                        ]

    def check_deletable(self, resource_id: str) -> None:
        nic = self.state.get(resource_id)
        if nic is not None and nic["properties"].get("virtualMachine"):
            raise ArmError(
                400,
                "NicInUse",
                f"Network Interface {nic['id']} is used by existing resource {nic['properties']['virtualMachine']['id']}.",
            )

    def delete(self, resource_id: str) -> None:
        """Remove the NIC with its addresses and its links to public IPs and the NSG."""
        nic = self.state.get(resource_id)
        if nic is None:
            return
        for config in nic["properties"]["ipConfigurations"]:
            self.release(config["id"])
            pip = config["properties"].get("publicIPAddress")
            if pip:
                pip_resource = self.state.get(pip["id"])
                if pip_resource is not None:
                    pip_resource["properties"].pop("ipConfiguration", None)
        nsg = nic["properties"].get("networkSecurityGroup")
        if nsg:
            NetworkSecurityGroups(self.state).unlink(nsg["id"], "networkInterfaces", nic["id"])
        self.state.delete(nic["id"])
