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
RULE = NSG + "/securityrules/{rule}"
DEFAULT_RULE = NSG + "/defaultsecurityrules/{rule}"
PIP = NET + "/publicipaddresses/{name}"
NIC = NET + "/networkinterfaces/{name}"
SUBSCRIPTION_NET = "/subscriptions/{sub}/providers/microsoft.network"


class Network:
    def __init__(self, state: State) -> None:
        self.state = state
        self.vnets = VirtualNetworks(state)
        self.nsgs = NetworkSecurityGroups(state)
        self.public_ips = PublicIpAddresses(state)
        self.nics = NetworkInterfaces(state)
        self.models: dict[str, NetworkModel] = {
            m.type_name.lower(): m for m in (self.vnets, self.nsgs, self.public_ips, self.nics)
        }

    def routes(self) -> list[Route]:
        out: list[Route] = []
        models: list[tuple[str, NetworkModel, Handler]] = [
            (VNET, self.vnets, self._delete(self.vnets)),
            (NSG, self.nsgs, self._delete(self.nsgs)),
            (PIP, self.public_ips, self._delete(self.public_ips)),
            (NIC, self.nics, self._delete(self.nics)),
        ]
        for template, model, delete in models:
            out += [
                route("PUT", template, self._put(model)),
                route("GET", template, self.get),
                route("DELETE", template, delete),
                route("GET", template.rsplit("/", 1)[0], self.list_resources),
                route(
                    "GET", SUBSCRIPTION_NET + "/" + template.split("/")[-2], self._list_all(model)
                ),
            ]
        out += [
            route("GET", SUBNET, self.get_subnet),
            route("PUT", SUBNET, self.put_subnet),
            route("DELETE", SUBNET, self.delete_subnet),
            route("GET", SUBNET.rsplit("/", 1)[0], self.list_subnets),
            route("GET", RULE, self.get_rule),
            route("PUT", RULE, self.put_rule),
            route("DELETE", RULE, self.delete_rule),
            route("GET", RULE.rsplit("/", 1)[0], self.list_rules),
            route("GET", DEFAULT_RULE, self.get_rule),
            route("GET", DEFAULT_RULE.rsplit("/", 1)[0], self.list_rules),
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
            reply = provision(self.state, req, p["sub"], resource, created=not existed)
            if reply.body is resource:
                reply.body = model.refresh(resource)
            return reply

        return handler

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        resource = self.state.get(req.path.rstrip("/"))
        if resource is None:
            raise not_found("resource", req.path)
        return Reply(200, self._refresh(resource))

    def _refresh(self, resource: Json) -> Json:
        model = self.models.get(str(resource.get("type", "")).lower())
        return resource if model is None else model.refresh(resource)

    def list_resources(self, req: Request, p: dict[str, str]) -> Reply:
        type_segment = req.path.rstrip("/").split("/providers/", 1)[1]
        return page(
            req,
            [self._refresh(r) for r in self.state.children(rg_id(p), "providers/" + type_segment)],
            self.state.settings.page_size,
        )

    def _list_all(self, model: NetworkModel) -> Handler:
        """A type's list across the subscription's groups (listAll)."""

        def handler(req: Request, p: dict[str, str]) -> Reply:
            prefix = f"/subscriptions/{p['sub']}/".lower()
            found = [
                model.refresh(r)
                for key, r in self.state.resources.items()
                if key.startswith(prefix) and r.get("type") == model.type_name
            ]
            return page(req, found, self.state.settings.page_size)

        return handler

    def _delete(self, model: NetworkModel) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            resource_id = req.path.rstrip("/")
            model.check_deletable(resource_id)
            return remove(self.state, req, p["sub"], resource_id, lambda: model.delete(resource_id))

        return handler

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

    # security rules; `defaultSecurityRules` are read-only
    @staticmethod
    def _rule_field(req: Request) -> str:
        lowered = req.path.lower()
        return "defaultSecurityRules" if "/defaultsecurityrules" in lowered else "securityRules"

    def get_rule(self, req: Request, p: dict[str, str]) -> Reply:
        nsg = self.nsgs.require(rg_id(p), p["name"])
        rule = self.nsgs.rule(nsg, p["rule"], self._rule_field(req))
        if rule is None:
            raise not_found("security rule", req.path)
        return Reply(200, rule)

    def list_rules(self, req: Request, p: dict[str, str]) -> Reply:
        nsg = self.nsgs.require(rg_id(p), p["name"])
        rules = nsg["properties"].get(self._rule_field(req), [])
        return page(req, rules, self.state.settings.page_size)

    def put_rule(self, req: Request, p: dict[str, str]) -> Reply:
        nsg = self.nsgs.require(rg_id(p), p["name"])
        rule, existed = self.nsgs.put_rule(nsg, p["rule"], body_of(req))
        return Reply(200 if existed else 201, rule)

    def delete_rule(self, req: Request, p: dict[str, str]) -> Reply:
        nsg = self.nsgs.require(rg_id(p), p["name"])
        return Reply(200 if self.nsgs.delete_rule(nsg, p["rule"]) else 204)
