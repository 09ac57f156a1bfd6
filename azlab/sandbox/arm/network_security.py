"""Network security groups: their rules' priorities, and the NICs that use them."""

from __future__ import annotations

from azlab.sandbox.arm.core import ArmError, Json
from azlab.sandbox.arm.network_model import NetworkModel


class NetworkSecurityGroups(NetworkModel):
    type_name = "Microsoft.Network/networkSecurityGroups"

    def build(self, group_id: str, default_location: str, name: str, body: Json) -> Json:
        """The NSG a PUT asks for, its rules checked; the NICs using it stay linked."""
        resource, existing = self.envelope(group_id, default_location, name, body)
        props = body.get("properties") or {}
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
        return resource

    def check_deletable(self, resource_id: str) -> None:
        nsg = self.state.get(resource_id)
        if nsg is not None and nsg["properties"].get("networkInterfaces"):
            raise ArmError(
                400,
                "InUseNetworkSecurityGroupCannotBeDeleted",
                f"Network security group {nsg['name']} is in use.",
            )
