"""A VM's static public IP address."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, TypedDict, cast

from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.plan.durations import format_duration
from azlab.resources.base import (
    Handler,
    Json,
    PlanEntry,
    VmSecrets,
    put,
    remove,
    tags_of,
)

PROVIDER = "Microsoft.Network/publicIPAddresses"
# Azure's default and smallest idle timeout, in minutes.
DEFAULT_IDLE_MINUTES = 4


class Props(TypedDict):
    location: str
    sku: str
    # Minutes.
    idle_timeout: int


def idle_minutes(value: timedelta | None) -> int:
    if value is None:
        return DEFAULT_IDLE_MINUTES
    return max(DEFAULT_IDLE_MINUTES, int(value.total_seconds() // 60))


def desired(
    name: str,
    idle_timeout: timedelta | None,
    location: str,
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    props = Props(location=location, sku="Standard", idle_timeout=idle_minutes(idle_timeout))
    return Desired(
        Kind.PUBLIC_IP,
        name,
        props,
        tags=tags,
        depends_on=depends_on,
        create_only=frozenset({"location", "sku"}),
        source=source,
    )


def observed(item: Mapping[str, Any]) -> Observed:
    props = Props(
        location=item.get("location", ""),
        sku=item.get("sku", {}).get("name"),
        idle_timeout=item.get("properties", {}).get("idleTimeoutInMinutes"),
    )
    return Observed(Kind.PUBLIC_IP, item["name"], props, tags_of(item))


def to_plan(item: Mapping[str, Any]) -> PlanEntry:
    """A VM's `public_ip` and `idle_timeout` fields from the address its NIC uses."""
    props = cast(Props, observed(item).props)
    fields: Json = {"public_ip": True}
    minutes = props["idle_timeout"] or DEFAULT_IDLE_MINUTES
    if minutes != DEFAULT_IDLE_MINUTES:
        fields["idle_timeout"] = format_duration(timedelta(minutes=minutes))
    notes = []
    if str(props["sku"]).lower() != "standard":
        notes.append(f"public IP {item['name']} is {props['sku']}: the plan makes Standard ones")
    dynamic = item.get("properties", {}).get("publicIPAllocationMethod", "Static")
    if str(dynamic).lower() != "static":
        notes.append(f"public IP {item['name']} is dynamic: the plan's are static")
    return PlanEntry(fields, tuple(notes))


def body(props: Props, tags: Mapping[str, str]) -> Json:
    return {
        "location": props["location"],
        "tags": dict(tags),
        "sku": {"name": props["sku"], "tier": "Regional"},
        "properties": {
            "publicIPAllocationMethod": "Static",
            "idleTimeoutInMinutes": props["idle_timeout"],
        },
    }


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(cast(Props, want.props), want.tags)
    await put(
        session, session.network.public_ip_addresses.begin_create_or_update, rg, want.name, request
    )


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await remove(session, session.network.public_ip_addresses.begin_delete, rg, name)


HANDLER = Handler(
    Kind.PUBLIC_IP,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.network.public_ip_addresses.list(rg),
)
