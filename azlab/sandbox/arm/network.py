"""Microsoft.Network: virtual networks and subnets, NSGs, public IPs, network interfaces."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    body_of,
    new_etag,
    not_found,
    operation_headers,
    page,
)
from azlab.sandbox.arm.provisioning import provision, remove
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route

NET = PROVIDERS + "/microsoft.network"
VNET = NET + "/virtualnetworks/{name}"
SUBNET = VNET + "/subnets/{subnet}"
NSG = NET + "/networksecuritygroups/{name}"
PIP = NET + "/publicipaddresses/{name}"
NIC = NET + "/networkinterfaces/{name}"
_public_ips = itertools.count(10)


def rid(p: dict[str, str], type_path: str, name: str) -> str:
    return f"{rg_id(p)}/providers/Microsoft.Network/{type_path}/{name}"


def _prefix(text: Any, target: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(str(text), strict=True)
    except ValueError:
        raise ArmError(
            400, "InvalidAddressPrefix", f"Value '{text}' is not a valid address prefix.", target
        ) from None


class Network:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        out: list[Route] = []
        for template, kind in ((VNET, "vnet"), (NSG, "nsg"), (PIP, "pip"), (NIC, "nic")):
            out += [
                route("PUT", template, getattr(self, f"put_{kind}")),
                route("GET", template, self.get),
                route("DELETE", template, getattr(self, f"delete_{kind}", self.delete)),
                route("GET", template.rsplit("/", 1)[0], self.list_resources),
            ]
        out += [
            route("GET", SUBNET, self.get_subnet),
            route("PUT", SUBNET, self.put_subnet),
            route("DELETE", SUBNET, self.delete_subnet),
            route("GET", SUBNET.rsplit("/", 1)[0], self.list_subnets),
        ]
        return out

    # generic
    def _rid(self, req: Request) -> str:
        return "/".join(req.path.rstrip("/").split("/"))

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        resource = self.state.get(req.path.rstrip("/"))
        if resource is None:
            raise not_found("resource", req.path)
        return Reply(200, resource)

    def list_resources(self, req: Request, p: dict[str, str]) -> Reply:
        type_segment = req.path.rstrip("/").split("/providers/", 1)[1]
        return page(
            req,
            self.state.children(rg_id(p), "providers/" + type_segment),
            self.state.settings.page_size,
        )

    def delete(self, req: Request, p: dict[str, str]) -> Reply:
        return remove(self.state, req, p["sub"], req.path.rstrip("/"))

    def _require_group(self, p: dict[str, str]) -> Json:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        return group

    def _start(
        self, req: Request, p: dict[str, str], type_name: str, type_path: str
    ) -> tuple[Json, Json | None]:
        group = self._require_group(p)
        body = body_of(req)
        resource_id = rid(p, type_path, p["name"])
        existing = self.state.get(resource_id)
        location = body.get("location") or group["location"]
        if existing is not None and existing["location"].lower() != str(location).lower():
            raise ArmError(
                400,
                "InvalidResourceLocation",
                f"The resource '{p['name']}' already exists in location '{existing['location']}'.",
            )
        resource: Json = {
            "id": resource_id,
            "name": existing["name"] if existing else p["name"],
            "type": type_name,
            "location": existing["location"] if existing else location,
            "tags": dict(body.get("tags") or {}),
            "etag": new_etag(),
        }
        return resource, existing

    # virtual networks
    def put_vnet(self, req: Request, p: dict[str, str]) -> Reply:
        resource, existing = self._start(
            req, p, "Microsoft.Network/virtualNetworks", "virtualNetworks"
        )
        props = body_of(req).get("properties") or {}
        spaces = [
            _prefix(a, "addressSpace")
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
            name = sub.get("name")
            sub_props = sub.get("properties") or {}
            prefix = _prefix(sub_props.get("addressPrefix"), f"subnets/{name}")
            self._check_subnet(resource["name"], name, prefix, spaces, placed)
            placed.append((prefix, name))
            subnets.append(self._subnet_json(resource["id"], name, str(prefix), existing))
        if existing is not None:
            self._check_removed_subnets(existing, {s["name"].lower() for s in subnets})
        resource["properties"] = {
            "addressSpace": {"addressPrefixes": [str(s) for s in spaces]},
            "dhcpOptions": {
                "dnsServers": list((props.get("dhcpOptions") or {}).get("dnsServers") or [])
            },
            "subnets": subnets,
        }
        return provision(self.state, req, p["sub"], resource, created=existing is None)

    def _subnet_json(self, vnet_id: str, name: str, prefix: str, existing: Json | None) -> Json:
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
            "type": "Microsoft.Network/virtualNetworks/subnets",
            "properties": props,
        }

    @staticmethod
    def _check_subnet(
        vnet: str,
        name: str,
        prefix: ipaddress.IPv4Network,
        spaces: list[ipaddress.IPv4Network],
        placed: list[tuple[ipaddress.IPv4Network, str]],
    ) -> None:
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

    def _check_removed_subnets(self, existing: Json, keep: set[str]) -> None:
        for old in existing["properties"].get("subnets", []):
            if old["name"].lower() not in keep and old["properties"].get("ipConfigurations"):
                raise ArmError(
                    400,
                    "InUseSubnetCannotBeDeleted",
                    f"Subnet {old['name']} is in use by {old['properties']['ipConfigurations'][0]['id']} "
                    "and cannot be deleted.",
                )

    def delete_vnet(self, req: Request, p: dict[str, str]) -> Reply:
        vnet = self.state.get(req.path.rstrip("/"))
        if vnet is not None:
            self._check_removed_subnets(vnet, set())
        return self.delete(req, p)

    def _vnet(self, p: dict[str, str]) -> Json:
        vnet_id = rid(p, "virtualNetworks", p["name"])
        vnet = self.state.get(vnet_id)
        if vnet is None:
            raise not_found("virtual network", vnet_id)
        return vnet

    def get_subnet(self, req: Request, p: dict[str, str]) -> Reply:
        vnet = self._vnet(p)
        for sub in vnet["properties"]["subnets"]:
            if sub["name"].lower() == p["subnet"].lower():
                return Reply(200, sub)
        raise not_found("subnet", req.path)

    def list_subnets(self, req: Request, p: dict[str, str]) -> Reply:
        return page(req, self._vnet(p)["properties"]["subnets"], self.state.settings.page_size)

    def put_subnet(self, req: Request, p: dict[str, str]) -> Reply:
        vnet = self._vnet(p)
        props = body_of(req).get("properties") or {}
        prefix = _prefix(props.get("addressPrefix"), f"subnets/{p['subnet']}")
        spaces = [
            ipaddress.IPv4Network(s) for s in vnet["properties"]["addressSpace"]["addressPrefixes"]
        ]
        others = [
            (ipaddress.IPv4Network(s["properties"]["addressPrefix"]), s["name"])
            for s in vnet["properties"]["subnets"]
            if s["name"].lower() != p["subnet"].lower()
        ]
        self._check_subnet(vnet["name"], p["subnet"], prefix, spaces, others)
        sub = self._subnet_json(vnet["id"], p["subnet"], str(prefix), vnet)
        existed = any(
            s["name"].lower() == p["subnet"].lower() for s in vnet["properties"]["subnets"]
        )
        vnet["properties"]["subnets"] = [
            s for s in vnet["properties"]["subnets"] if s["name"].lower() != p["subnet"].lower()
        ] + [sub]
        return Reply(200 if existed else 201, sub)

    def delete_subnet(self, req: Request, p: dict[str, str]) -> Reply:
        vnet = self._vnet(p)
        keep = {s["name"].lower() for s in vnet["properties"]["subnets"]} - {p["subnet"].lower()}
        self._check_removed_subnets(vnet, keep)
        vnet["properties"]["subnets"] = [
            s for s in vnet["properties"]["subnets"] if s["name"].lower() in keep
        ]
        return Reply(200)

    # network security groups
    def put_nsg(self, req: Request, p: dict[str, str]) -> Reply:
        resource, existing = self._start(
            req, p, "Microsoft.Network/networkSecurityGroups", "networkSecurityGroups"
        )
        props = body_of(req).get("properties") or {}
        rules = []
        priorities: set[tuple[int, str]] = set()
        for rule in props.get("securityRules") or []:
            r = dict(rule.get("properties") or {})
            key = (int(r.get("priority", 0)), str(r.get("direction", "Inbound")))
            if not 100 <= key[0] <= 4096:
                raise ArmError(
                    400,
                    "SecurityRuleInvalidPriority",
                    f"Security rule {rule.get('name')} has invalid priority {key[0]}.",
                )
            if key in priorities:
                raise ArmError(
                    400,
                    "SecurityRulesInvalidPriority",
                    f"Security rule {rule.get('name')} has a duplicate priority {key[0]}.",
                )
            priorities.add(key)
            r["provisioningState"] = "Succeeded"
            rules.append(
                {
                    "id": f"{resource['id']}/securityRules/{rule.get('name')}",
                    "name": rule.get("name"),
                    "properties": r,
                }
            )
        resource["properties"] = {"securityRules": rules}
        if existing is not None and existing["properties"].get("networkInterfaces"):
            resource["properties"]["networkInterfaces"] = existing["properties"][
                "networkInterfaces"
            ]
        return provision(self.state, req, p["sub"], resource, created=existing is None)

    # public IPs
    def put_pip(self, req: Request, p: dict[str, str]) -> Reply:
        resource, existing = self._start(
            req, p, "Microsoft.Network/publicIPAddresses", "publicIPAddresses"
        )
        body = body_of(req)
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
        address = (
            existing["properties"]["ipAddress"]
            if existing
            else f"20.{next(_public_ips) // 250 % 250}.{next(_public_ips) % 250}.{next(_public_ips) % 250 + 1}"
        )
        resource["sku"] = {"name": "Standard", "tier": "Regional"}
        resource["properties"] = {
            "publicIPAllocationMethod": "Static",
            "publicIPAddressVersion": "IPv4",
            "idleTimeoutInMinutes": idle,
            "ipAddress": address,
        }
        if existing is not None and existing["properties"].get("ipConfiguration"):
            resource["properties"]["ipConfiguration"] = existing["properties"]["ipConfiguration"]
        return provision(self.state, req, p["sub"], resource, created=existing is None)

    def delete_pip(self, req: Request, p: dict[str, str]) -> Reply:
        pip = self.state.get(req.path.rstrip("/"))
        if pip is not None and pip["properties"].get("ipConfiguration"):
            raise ArmError(
                400,
                "PublicIPAddressInUse",
                f"Public IP address {pip['name']} is in use by {pip['properties']['ipConfiguration']['id']}.",
            )
        return self.delete(req, p)

    def delete_nsg(self, req: Request, p: dict[str, str]) -> Reply:
        nsg = self.state.get(req.path.rstrip("/"))
        if nsg is not None and nsg["properties"].get("networkInterfaces"):
            raise ArmError(
                400,
                "InUseNetworkSecurityGroupCannotBeDeleted",
                f"Network security group {nsg['name']} is in use.",
            )
        return self.delete(req, p)

    # network interfaces
    def put_nic(self, req: Request, p: dict[str, str]) -> Reply:
        resource, existing = self._start(
            req, p, "Microsoft.Network/networkInterfaces", "networkInterfaces"
        )
        props = body_of(req).get("properties") or {}
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
        return provision(self.state, req, p["sub"], resource, created=existing is None)

    def _ip_config(self, nic: Json, config: Json, existing: Json | None) -> Json:
        name = config.get("name") or "ipconfig1"
        props = config.get("properties") or {}
        subnet_id = (props.get("subnet") or {}).get("id")
        if not subnet_id:
            raise ArmError(400, "InvalidRequestFormat", "ipConfiguration.subnet.id is required.")
        vnet_id, _, subnet_name = subnet_id.rpartition("/subnets/")
        vnet = self.state.get(vnet_id)
        subnet = next(
            (
                s
                for s in (vnet or {}).get("properties", {}).get("subnets", [])
                if s["name"].lower() == subnet_name.lower()
            ),
            None,
        )
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
        config_id = f"{nic['id']}/ipConfigurations/{name}"
        network = ipaddress.IPv4Network(subnet["properties"]["addressPrefix"])
        reserved = {network.network_address + i for i in range(4)} | {network.broadcast_address}
        used = {
            ipaddress.IPv4Address(c["address"])
            for c in self.state.extra(vnet_id).get("addresses", [])
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
        else:
            old = next(
                (
                    c
                    for c in self.state.extra(vnet_id).get("addresses", [])
                    if c["config"].lower() == config_id.lower()
                ),
                None,
            )
            if old is not None and ipaddress.IPv4Address(old["address"]) in network:
                address = ipaddress.IPv4Address(old["address"])
            else:
                address = next(
                    (a for a in network.hosts() if a not in reserved and a not in used), None
                )  # type: ignore[assignment]
                if address is None:
                    raise ArmError(
                        400, "SubnetIsFull", f"Subnet {subnet_name} has no free address."
                    )
        self._release(config_id)
        self.state.extra(vnet_id).setdefault("addresses", []).append(
            {"config": config_id, "address": str(address)}
        )
        configs = subnet["properties"].setdefault("ipConfigurations", [])
        if not any(c["id"].lower() == config_id.lower() for c in configs):
            configs.append({"id": config_id})
        out: Json = {
            "id": config_id,
            "name": name,
            "properties": {
                "privateIPAddress": str(address),
                "privateIPAllocationMethod": "Static" if method.lower() == "static" else "Dynamic",
                "subnet": {"id": subnet["id"]},
                "primary": True,
                "provisioningState": "Succeeded",
            },
        }
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
        if pip_ref:
            pip = self.state.referenced(pip_ref["id"], nic["id"])
            holder = pip["properties"].get("ipConfiguration")
            if holder and holder["id"].lower() != config_id.lower():
                raise ArmError(
                    400,
                    "PublicIPAddressInUse",
                    f"Public IP address {pip['name']} is already in use by {holder['id']}.",
                )
            pip["properties"]["ipConfiguration"] = {"id": config_id}
            out["properties"]["publicIPAddress"] = {"id": pip["id"]}
        return out

    def _release(self, config_id: str) -> None:
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

    def delete_nic(self, req: Request, p: dict[str, str]) -> Reply:
        nic = self.state.get(req.path.rstrip("/"))
        if nic is None:
            return Reply(204)
        if nic["properties"].get("virtualMachine"):
            raise ArmError(
                400,
                "NicInUse",
                f"Network Interface {nic['id']} is used by existing resource {nic['properties']['virtualMachine']['id']}.",
            )

        def done() -> None:
            for config in nic["properties"]["ipConfigurations"]:
                self._release(config["id"])
                pip = config["properties"].get("publicIPAddress")
                if pip:
                    pip_resource = self.state.get(pip["id"])
                    if pip_resource is not None:
                        pip_resource["properties"].pop("ipConfiguration", None)
            nsg = nic["properties"].get("networkSecurityGroup")
            if nsg:
                self._unlink(nsg["id"], "networkInterfaces", nic["id"])
            self.state.delete(nic["id"])

        if self.state.settings.op_time <= 0:
            done()
            return Reply(200)
        op = self.state.start_operation(nic["id"], on_done=done)
        return Reply(202, None, operation_headers(req, op, p["sub"]))
