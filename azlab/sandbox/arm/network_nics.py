"""Network interfaces: IP configurations with private addresses from their subnet, and links.

A NIC's private addresses are kept per virtual network in the state's private
data (`addresses`: IP configuration id -> address), so a dynamic address is
stable across updates and a static one is checked against every other NIC's.
A NIC links to its subnet, public IPs and NSG on both sides, as ARM shows it.
"""

from __future__ import annotations

import ipaddress

from azlab.sandbox.arm.core import ArmError, Json
from azlab.sandbox.arm.network_model import NetworkModel
from azlab.sandbox.arm.network_vnets import VirtualNetworks


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
        out_configs = []
        for config in configs:
            out_configs.append(self._ip_config(resource, config, existing))
        resource["properties"] = {"ipConfigurations": out_configs}
        if existing is not None and existing["properties"].get("virtualMachine"):
            resource["properties"]["virtualMachine"] = existing["properties"]["virtualMachine"]
        nsg_ref = props.get("networkSecurityGroup")
        old_nsg = (existing or {}).get("properties", {}).get("networkSecurityGroup")
        if old_nsg:
            self._unlink(old_nsg["id"], "networkInterfaces", resource["id"])
        if nsg_ref:
            nsg = self.state.referenced(nsg_ref["id"], resource["id"])
            resource["properties"]["networkSecurityGroup"] = {"id": nsg["id"]}
            nsg["properties"].setdefault("networkInterfaces", []).append({"id": resource["id"]})
        return resource

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
        if vnet["location"].lower() != nic["location"].lower():
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

    def _ip_config(self, nic: Json, config: Json, existing: Json | None) -> Json:
        name = config.get("name") or "ipconfig1"
        props = config.get("properties") or {}
        subnet_id = (props.get("subnet") or {}).get("id")
        if not subnet_id:
            raise ArmError(400, "InvalidRequestFormat", "ipConfiguration.subnet.id is required.")
        subnet = self._subnet(nic, subnet_id)
        vnet_id = subnet_id.rpartition("/subnets/")[0]
        config_id = f"{nic['id']}/ipConfigurations/{name}"
        address = self._address(vnet_id, subnet, config_id, props)
        self.release(config_id)
        self.state.extra(vnet_id).setdefault("addresses", []).append(
            {"config": config_id, "address": str(address)}
        )
        configs = subnet["properties"].setdefault("ipConfigurations", [])
        if not any(c["id"].lower() == config_id.lower() for c in configs):
            configs.append({"id": config_id})
        static = str(props.get("privateIPAllocationMethod", "Dynamic")).lower() == "static"
        out: Json = {
            "id": config_id,
            "name": name,
            "properties": {
                "privateIPAddress": str(address),
                "privateIPAllocationMethod": "Static" if static else "Dynamic",
                "subnet": {"id": subnet["id"]},
                "primary": True,
                "provisioningState": "Succeeded",
            },
        }
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

    def _unlink(self, holder_id: str, field: str, member_id: str) -> None:
        holder = self.state.get(holder_id)
        if holder is not None and holder["properties"].get(field):
            holder["properties"][field] = [
                m for m in holder["properties"][field] if m["id"].lower() != member_id.lower()
            ]

    def check_deletable(self, resource_id: str) -> None:
        nic = self.state.get(resource_id)
        if nic is not None and nic["properties"].get("virtualMachine"):
            raise ArmError(
                400,
                "NicInUse",
                f"Network Interface {nic['id']} is used by existing resource {nic['properties']['virtualMachine']['id']}.",
            )

    def delete(self, nic: Json) -> None:
        """Remove the NIC with its addresses and its links to public IPs and the NSG."""
        for config in nic["properties"]["ipConfigurations"]:
            self.release(config["id"])
            pip = config["properties"].get("publicIPAddress")
            if pip:
                pip_resource = self.state.get(pip["id"])
                if pip_resource is not None:
                    pip_resource["properties"].pop("ipConfiguration", None)
        nsg = nic["properties"].get("networkSecurityGroup")
        if nsg:
            self._unlink(nsg["id"], "networkInterfaces", nic["id"])
        self.state.delete(nic["id"])
