"""A virtual network with its subnets and DNS servers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.plan.model import Network
from azlab.resources.base import (
    Handler,
    Json,
    PlanEntry,
    VmSecrets,
    put,
    remove,
    tags_of,
)

PROVIDER = "Microsoft.Network/virtualNetworks"


class Props(TypedDict):
    location: str
    address_space: list[str]
    dns_servers: list[str]
    # Subnet name -> address prefix.
    subnets: dict[str, str]


def desired(
    net: Network,
    location: str,
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    props = Props(
        location=location,
        address_space=sorted(str(a) for a in net.address_space),
        dns_servers=[str(d) for d in net.dns_servers],
        subnets={s.name: str(s.prefix) for s in net.subnets},
    )
    return Desired(
        Kind.NETWORK,
        net.name,
        props,
        tags=tags,
        depends_on=depends_on,
        create_only=frozenset({"location"}),
        source=source,
    )


def observed(item: Mapping[str, Any]) -> Observed:
    p = item.get("properties", {})
    props = Props(
        location=item.get("location", ""),
        address_space=sorted(p.get("addressSpace", {}).get("addressPrefixes", [])),
        dns_servers=list(p.get("dhcpOptions", {}).get("dnsServers", [])),
        subnets={
            s["name"]: s.get("properties", {}).get("addressPrefix") for s in p.get("subnets", [])
        },
    )
    return Observed(Kind.NETWORK, item["name"], props, tags_of(item))


def to_plan(item: Mapping[str, Any], location: str) -> PlanEntry:
    """The plan's `networks` entry for a vNet as Azure reports it; `location`: the plan's."""
    props = cast(Props, observed(item).props)
    fields: Json = {"name": item["name"]}
    if props["location"].lower() != location.lower():
        fields["location"] = props["location"]
    fields["address_space"] = list(props["address_space"])
    if props["dns_servers"]:
        fields["dns_servers"] = list(props["dns_servers"])
    fields["subnets"] = [{"name": n, "prefix": p} for n, p in props["subnets"].items()]
    notes: list[str] = []
    p = item.get("properties", {})
    for peering in p.get("virtualNetworkPeerings", []):
        notes.append(f"peering {peering.get('name')}: the plan has no peerings")
    for subnet in p.get("subnets", []):
        attached = subnet.get("properties", {})
        for part, label in (("networkSecurityGroup", "NSG"), ("routeTable", "route table")):
            if attached.get(part):
                notes.append(f"subnet {subnet['name']}'s {label}: the plan sets none on subnets")
    return PlanEntry(fields, tuple(notes))


def body(props: Props, tags: Mapping[str, str]) -> Json:
    return {
        "location": props["location"],
        "tags": dict(tags),
        "properties": {
            "addressSpace": {"addressPrefixes": list(props["address_space"])},
            "dhcpOptions": {"dnsServers": list(props["dns_servers"])},
            "subnets": [
                {"name": n, "properties": {"addressPrefix": prefix}}
                for n, prefix in props["subnets"].items()
            ],
        },
    }


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(cast(Props, want.props), want.tags)
    await put(
        session, session.network.virtual_networks.begin_create_or_update, rg, want.name, request
    )


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await remove(session, session.network.virtual_networks.begin_delete, rg, name)


HANDLER = Handler(
    Kind.NETWORK,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.network.virtual_networks.list(rg),
)
