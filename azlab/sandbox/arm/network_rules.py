"""NSG security rules: one rule as ARM shows it, the checks on priorities, Azure's defaults.

A rule is a child resource (`.../networkSecurityGroups/{nsg}/securityRules/{rule}`)
and an element of its NSG's `securityRules`; both views are the same JSON, so a
rule written one way reads back the other.
"""

from __future__ import annotations

from azlab.sandbox.arm.core import ArmError, Json, new_etag

RULE_TYPE = "Microsoft.Network/networkSecurityGroups/securityRules"
DEFAULT_RULE_TYPE = "Microsoft.Network/networkSecurityGroups/defaultSecurityRules"

# Every NSG's defaults: name, description, source, destination, access, priority, direction.
_DEFAULTS = (
    (
        "AllowVnetInBound",
        "Allow inbound traffic from all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Inbound",
    ),
    (
        "AllowAzureLoadBalancerInBound",
        "Allow inbound traffic from azure load balancer",
        "AzureLoadBalancer",
        "*",
        "Allow",
        65001,
        "Inbound",
    ),
    ("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
    (
        "AllowVnetOutBound",
        "Allow outbound traffic from all VMs to all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Outbound",
    ),
    (
        "AllowInternetOutBound",
        "Allow outbound traffic from all VMs to Internet",
        "*",
        "Internet",
        "Allow",
        65001,
        "Outbound",
    ),
    ("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"),
)

# Lists Azure answers empty when a rule names a single value instead.
_LISTS = (
    "sourcePortRanges",
    "destinationPortRanges",
    "sourceAddressPrefixes",
    "destinationAddressPrefixes",
)


def default_rules(nsg_id: str, etag: str) -> list[Json]:
    out = []
    for name, description, source, destination, access, priority, direction in _DEFAULTS:
        props: Json = {
            "provisioningState": "Succeeded",
            "description": description,
            "protocol": "*",
            "sourcePortRange": "*",
            "destinationPortRange": "*",
            "sourceAddressPrefix": source,
            "destinationAddressPrefix": destination,
            "access": access,
            "priority": priority,
            "direction": direction,
        }
        for key in _LISTS:
            props[key] = []
        out.append(
            {
                "id": f"{nsg_id}/defaultSecurityRules/{name}",
                "name": name,
                "type": DEFAULT_RULE_TYPE,
                "etag": etag,
                "properties": props,
            }
        )
    return out


def _required(name: str, props: Json, key: str) -> None:
    if props.get(key) in (None, ""):
        raise ArmError(
            400,
            "SecurityRuleParameterMissing",
            f"Security rule {name} is missing the required property {key}.",
            f"securityRules/{name}/{key}",
        )


def rule_json(nsg_id: str, name: str, body: Json, etag: str) -> Json:
    """The rule a request asks for, checked on its own (priority range, required fields)."""
    props = dict(body.get("properties") or {})
    for key in ("protocol", "access", "direction", "priority"):
        _required(name, props, key)
    try:
        priority = int(props["priority"])
    except (TypeError, ValueError):
        priority = 0
    if not 100 <= priority <= 4096:
        raise ArmError(
            400,
            "SecurityRuleInvalidPriority",
            f"Security rule {name} has invalid priority {props['priority']}. "
            "Value provided: the priority must be between 100 and 4096.",
            f"securityRules/{name}/priority",
        )
    props["priority"] = priority
    for key in _LISTS:
        props[key] = list(props.get(key) or [])
    props["provisioningState"] = "Succeeded"
    return {
        "id": f"{nsg_id}/securityRules/{name}",
        "name": name,
        "type": RULE_TYPE,
        "etag": etag,
        "properties": props,
    }


def check_priorities(nsg_name: str, rules: list[Json]) -> None:
    """No two rules of one direction share a priority."""
    seen: dict[tuple[int, str], str] = {}
    for rule in rules:
        props = rule["properties"]
        key = (int(props["priority"]), str(props["direction"]).lower())
        if key in seen:
            raise ArmError(
                400,
                "SecurityRuleConflict",
                f"Security rule {rule['name']} conflicts with rule {seen[key]}. Rules cannot have "
                f"the same Priority and Direction. To learn more, see aka.ms/nsgrules.",
                f"networkSecurityGroups/{nsg_name}/securityRules/{rule['name']}",
            )
        seen[key] = rule["name"]


def restamp(nsg: Json) -> str:
    """A new etag for the NSG and every rule in it (Azure's etags move together)."""
    etag = new_etag()
    nsg["etag"] = etag
    for key in ("securityRules", "defaultSecurityRules"):
        for rule in nsg["properties"].get(key, []):
            rule["etag"] = etag
    return etag
