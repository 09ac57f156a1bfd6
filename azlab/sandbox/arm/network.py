"""Microsoft.Network's routes: virtual networks and subnets, NSGs, public IPs, NICs.

Each resource type's state and rules live in its model (`network_vnets.py`,
`network_security.py`, `network_public_ips.py`, `network_nics.py`); this
module maps requests onto them and answers (`lro.py` for provisioning and
deletes).
"""

from __future__ import annotations

from azlab.sandbox.arm.core import Json, Reply, Request, State, body_of, not_found, page
from azlab.sandbox.arm.lro import provision, remove
from azlab.sandbox.arm.network_model import NetworkModel
from azlab.sandbox.arm.network_nics import NetworkInterfaces
from azlab.sandbox.arm.network_public_ips import PublicIpAddresses
from azlab.sandbox.arm.network_security import NetworkSecurityGroups
from azlab.sandbox.arm.network_vnets import VirtualNetworks
from azlab.sandbox.arm.routes import PROVIDERS, Handler, Route, rg_id, route

NET = PROVIDERS + "/microsoft.network"
VNET = NET + "/virtualnetworks/{name}"
SUBNET = VNET + "/subnets/{subnet}"
NSG = NET + "/networksecuritygroups/{name}"
PIP = NET + "/publicipaddresses/{name}"
NIC = NET + "/networkinterfaces/{name}"


class Network:
    def __init__(self, state: State) -> None:
        self.state = state
        self.vnets = VirtualNetworks(state)
        self.nsgs = NetworkSecurityGroups(state)
        self.public_ips = PublicIpAddresses(state)
        self.nics = NetworkInterfaces(state)

    def routes(self) -> list[Route]:
        out: list[Route] = []
        models: list[tuple[str, NetworkModel, Handler]] = [
            (VNET, self.vnets, self._delete(self.vnets)),
            (NSG, self.nsgs, self._delete(self.nsgs)),
            (PIP, self.public_ips, self._delete(self.public_ips)),
            (NIC, self.nics, self.delete_nic),
        ]
        for template, model, delete in models:
            out += [
                route("PUT", template, self._put(model)),
                route("GET", template, self.get),
                route("DELETE", template, delete),
                route("GET", template.rsplit("/", 1)[0], self.list_resources),
            ]
        out += [
            route("GET", SUBNET, self.get_subnet),
            route("PUT", SUBNET, self.put_subnet),
            route("DELETE", SUBNET, self.delete_subnet),
            route("GET", SUBNET.rsplit("/", 1)[0], self.list_subnets),
        ]
        return out

    # every type
    def _group(self, p: dict[str, str]) -> Json:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        return group

    def _put(self, model: NetworkModel) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            group = self._group(p)
            existed = self.state.get(model.resource_id(rg_id(p), p["name"])) is not None
            resource = model.build(rg_id(p), group["location"], p["name"], body_of(req))
            return provision(self.state, req, p["sub"], resource, created=not existed)

        return handler

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

    def _delete(self, model: NetworkModel) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            model.check_deletable(req.path.rstrip("/"))
            return remove(self.state, req, p["sub"], req.path.rstrip("/"))

        return handler

    def delete_nic(self, req: Request, p: dict[str, str]) -> Reply:
        nic = self.state.get(req.path.rstrip("/"))
        if nic is None:
            return Reply(204)
        self.nics.check_deletable(nic["id"])
        return remove(self.state, req, p["sub"], nic["id"], lambda: self.nics.delete(nic))

    # subnets
    def get_subnet(self, req: Request, p: dict[str, str]) -> Reply:
        subnet = self.vnets.subnet(self.vnets.require(rg_id(p), p["name"]), p["subnet"])
        if subnet is None:
            raise not_found("subnet", req.path)
        return Reply(200, subnet)

    def list_subnets(self, req: Request, p: dict[str, str]) -> Reply:
        vnet = self.vnets.require(rg_id(p), p["name"])
        return page(req, vnet["properties"]["subnets"], self.state.settings.page_size)

    def put_subnet(self, req: Request, p: dict[str, str]) -> Reply:
        vnet = self.vnets.require(rg_id(p), p["name"])
        subnet, existed = self.vnets.put_subnet(vnet, p["subnet"], body_of(req))
        return Reply(200 if existed else 201, subnet)

    def delete_subnet(self, req: Request, p: dict[str, str]) -> Reply:
        self.vnets.delete_subnet(self.vnets.require(rg_id(p), p["name"]), p["subnet"])
        return Reply(200)
