"""A VM's network interface: its subnet, private IP, public IP and NSG."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from azlab.azure.observe import last_segment, subnet_ref
from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.resources import network, nsg, public_ip
from azlab.resources.base import (
    Handler,
    Json,
    PlanEntry,
    VmSecrets,
    put,
    remove,
    sub_id,
    tags_of,
)

PROVIDER = "Microsoft.Network/networkInterfaces"


class Props(TypedDict):
    location: str
    # NETWORK/SUBNET; None when Azure reports none.
    subnet: str | None
    # None: Azure assigns one (dynamic).
    private_ip: str | None
    # Names in the same group, or None.
    public_ip: str | None
    nsg: str | None


def desired(
    name: str,
    props: Props,
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    return Desired(
        Kind.NIC,
        name,
        props,
        tags=tags,
        depends_on=depends_on,
        create_only=frozenset({"location"}),
        source=source,
    )


def observed(item: Mapping[str, Any]) -> Observed:
    p = item.get("properties", {})
    configs = p.get("ipConfigurations", [])
    ip = configs[0].get("properties", {}) if configs else {}
    static = ip.get("privateIPAllocationMethod", "").lower() == "static"
    props = Props(
        location=item.get("location", ""),
        subnet=subnet_ref(ip.get("subnet", {}).get("id")),
        private_ip=ip.get("privateIPAddress") if static else None,
        public_ip=last_segment(ip.get("publicIPAddress", {}).get("id")),
        nsg=last_segment(p.get("networkSecurityGroup", {}).get("id")),
    )
    return Observed(Kind.NIC, item["name"], props, tags_of(item))


def to_plan(item: Mapping[str, Any]) -> PlanEntry:
    """A VM's `subnet` and `private_ip` fields from its network interface."""
    props = cast(Props, observed(item).props)
    fields: Json = {"subnet": props["subnet"]}
    if props["private_ip"]:
        fields["private_ip"] = props["private_ip"]
    configs = item.get("properties", {}).get("ipConfigurations", [])
    notes = []
    if len(configs) > 1:
        notes.append(f"network interface {item['name']} has {len(configs)} IP configurations")
    return PlanEntry(fields, tuple(notes))


def body(session: AzureSession, rg: str, props: Props, tags: Mapping[str, str]) -> Json:
    vnet, _, subnet = (props["subnet"] or "").partition("/")
    ip: Json = {
        "subnet": {"id": sub_id(session, rg, network.PROVIDER, vnet)["id"] + f"/subnets/{subnet}"},
        "privateIPAllocationMethod": "Static" if props["private_ip"] else "Dynamic",
    }
    if props["private_ip"]:
        ip["privateIPAddress"] = props["private_ip"]
    if props["public_ip"]:
        ip["publicIPAddress"] = sub_id(session, rg, public_ip.PROVIDER, props["public_ip"])
    properties: Json = {"ipConfigurations": [{"name": "ipconfig1", "properties": ip}]}
    if props["nsg"]:
        properties["networkSecurityGroup"] = sub_id(session, rg, nsg.PROVIDER, props["nsg"])
    return {"location": props["location"], "tags": dict(tags), "properties": properties}


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(session, rg, cast(Props, want.props), want.tags)
    await put(
        session, session.network.network_interfaces.begin_create_or_update, rg, want.name, request
    )


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await remove(session, session.network.network_interfaces.begin_delete, rg, name)


HANDLER = Handler(
    Kind.NIC,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.network.network_interfaces.list(rg),
)
