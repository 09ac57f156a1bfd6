"""A VM's network security group: one inbound allow rule per endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.plan.model import Endpoint
from azlab.resources.base import (
    Handler,
    Json,
    PlanEntry,
    VmSecrets,
    put,
    remove,
    tags_of,
)

PROVIDER = "Microsoft.Network/networkSecurityGroups"
# Rule priorities start here; Azure allows 100-4096.
FIRST_RULE_PRIORITY = 1000


class Rule(TypedDict):
    priority: int
    port: str
    protocol: str
    source: str


class Props(TypedDict):
    location: str
    # Rule name -> rule.
    rules: dict[str, Rule]


def rules(endpoints: Sequence[Endpoint]) -> dict[str, Rule]:
    return {
        endpoint.name: Rule(
            priority=FIRST_RULE_PRIORITY + 10 * index,
            port=str(endpoint.port),
            protocol=str(endpoint.protocol),
            source=str(endpoint.source or "VirtualNetwork"),
        )
        for index, endpoint in enumerate(endpoints)
    }


def desired(
    name: str,
    endpoints: Sequence[Endpoint],
    location: str,
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    return Desired(
        Kind.NSG,
        name,
        Props(location=location, rules=rules(endpoints)),
        tags=tags,
        depends_on=depends_on,
        create_only=frozenset({"location"}),
        source=source,
    )


def observed(item: Mapping[str, Any]) -> Observed:
    found: dict[str, Rule] = {}
    for rule in item.get("properties", {}).get("securityRules", []):
        r = rule.get("properties", {})
        found[rule["name"]] = Rule(
            priority=r.get("priority"),
            port=r.get("destinationPortRange"),
            # Azure writes "Tcp"; the plan says "tcp".
            protocol=str(r.get("protocol", "")).lower(),
            source=r.get("sourceAddressPrefix"),
        )
    props = Props(location=item.get("location", ""), rules=found)
    return Observed(Kind.NSG, item["name"], props, tags_of(item))


def to_plan(item: Mapping[str, Any]) -> PlanEntry:
    """A VM's `endpoints`: its NSG's inbound allow rules, in priority order.

    A rule the plan cannot write as an endpoint (a deny, outbound, a port range, a
    destination prefix) is a note; the diff compares only the rules the plan names, so
    such a rule does not stop the NSG being adopted, but an update would drop it."""
    endpoints: list[Json] = []
    notes: list[str] = []
    listed = item.get("properties", {}).get("securityRules", [])
    ordered = sorted(listed, key=lambda r: r.get("properties", {}).get("priority", 0))
    for rule in ordered:
        r = rule.get("properties", {})
        port = str(r.get("destinationPortRange", ""))
        protocol = str(r.get("protocol", "")).lower()
        why = _not_an_endpoint(r, port, protocol)
        if why:
            notes.append(f"NSG {item['name']} rule {rule['name']}: {why}")
            continue
        endpoint: Json = {"name": rule["name"], "port": int(port), "protocol": protocol}
        endpoint["source"] = r.get("sourceAddressPrefix") or "*"
        expected = FIRST_RULE_PRIORITY + 10 * len(endpoints)
        if r.get("priority") != expected:
            notes.append(
                f"NSG {item['name']} rule {rule['name']} has priority {r.get('priority')}, "
                f"azlab gives it {expected}: renumber it before adopting"
            )
        endpoints.append(endpoint)
    return PlanEntry({"endpoints": endpoints} if endpoints else {}, tuple(notes))


def _not_an_endpoint(rule: Mapping[str, Any], port: str, protocol: str) -> str | None:
    if str(rule.get("direction", "Inbound")).lower() != "inbound":
        return "outbound rules are not endpoints"
    if str(rule.get("access", "Allow")).lower() != "allow":
        return "a deny rule is not an endpoint"
    if protocol not in ("tcp", "udp"):
        return f"protocol {rule.get('protocol')}: endpoints are tcp or udp"
    if not port.isdigit():
        return f"ports {port or rule.get('destinationPortRanges')}: an endpoint is one port"
    if rule.get("sourceAddressPrefixes") or rule.get("destinationAddressPrefix", "*") != "*":
        return "several sources or a destination prefix: an endpoint has one source"
    return None


def _protocol(value: str) -> str:
    return {"tcp": "Tcp", "udp": "Udp", "*": "*", "any": "*"}.get(value.lower(), value)


def body(props: Props, tags: Mapping[str, str]) -> Json:
    security_rules = [
        {
            "name": name,
            "properties": {
                "priority": r["priority"],
                "direction": "Inbound",
                "access": "Allow",
                "protocol": _protocol(r["protocol"]),
                "sourceAddressPrefix": r["source"],
                "sourcePortRange": "*",
                "destinationAddressPrefix": "*",
                "destinationPortRange": r["port"],
            },
        }
        for name, r in props["rules"].items()
    ]
    return {
        "location": props["location"],
        "tags": dict(tags),
        "properties": {"securityRules": security_rules},
    }


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(cast(Props, want.props), want.tags)
    await put(
        session,
        session.network.network_security_groups.begin_create_or_update,
        rg,
        want.name,
        request,
    )


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await remove(session, session.network.network_security_groups.begin_delete, rg, name)


HANDLER = Handler(
    Kind.NSG,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.network.network_security_groups.list(rg),
)
