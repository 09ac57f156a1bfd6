"""Network security groups: their rules (inline or as child resources), and who uses them.

An NSG links back to the NICs (`networkInterfaces`) and subnets (`subnets`)
that name it, as ARM shows it; a PUT of the NSG keeps those links.
"""

from __future__ import annotations

import uuid

from azlab.sandbox.arm.core import ArmError, Json, not_found
from azlab.sandbox.arm.network_model import NetworkModel
from azlab.sandbox.arm.network_rules import (
    check_priorities,
    default_rules,
    restamp,
    rule_json,
)

_LINKS = ("networkInterfaces", "subnets")


class NetworkSecurityGroups(NetworkModel):
    type_name = "Microsoft.Network/networkSecurityGroups"

    def build(self, group_id: str, default_location: str, name: str, body: Json) -> Json:
        """The NSG a PUT asks for, its rules checked; the NICs and subnets using it stay linked."""
        resource, existing = self.envelope(group_id, default_location, name, body)
        props = body.get("properties") or {}
        etag = resource["etag"]
        rules = [
            rule_json(resource["id"], str(rule.get("name")), rule, etag)
            for rule in props.get("securityRules") or []
        ]
        check_priorities(name, rules)
        old = (existing or {}).get("properties", {})
        resource["properties"] = {
            "provisioningState": "Succeeded",
            "resourceGuid": old.get("resourceGuid") or str(uuid.uuid4()),
            "securityRules": rules,
            "defaultSecurityRules": default_rules(resource["id"], etag),
        }
        for link in _LINKS:
            if old.get(link):
                resource["properties"][link] = old[link]
        return resource

    def check_deletable(self, resource_id: str) -> None:
        nsg = self.state.get(resource_id)
        if nsg is None:
            return
        for link in _LINKS:
            if nsg["properties"].get(link):
                raise ArmError(
                    400,
                    "InUseNetworkSecurityGroupCannotBeDeleted",
                    f"Network security group {nsg['id']} cannot be deleted because it is in use "
                    f"by the following resources: {nsg['properties'][link][0]['id']}.",
                )

    # links
    def link(self, nsg_id: str, field: str, member_id: str, by: str) -> Json:
        """Record that `member_id` (a NIC or subnet) uses the NSG; the reference to store."""
        nsg = self.state.referenced(nsg_id, by)
        members = nsg["properties"].setdefault(field, [])
        if not any(m["id"].lower() == member_id.lower() for m in members):
            members.append({"id": member_id})
        return {"id": nsg["id"]}

    def unlink(self, nsg_id: str, field: str, member_id: str) -> None:
        nsg = self.state.get(nsg_id)
        if nsg is not None and nsg["properties"].get(field):
            kept = [m for m in nsg["properties"][field] if m["id"].lower() != member_id.lower()]
            if kept:
                nsg["properties"][field] = kept
            else:
                nsg["properties"].pop(field)

    # rules as child resources
    def require(self, group_id: str, name: str) -> Json:
        nsg_id = self.resource_id(group_id, name)
        nsg = self.state.get(nsg_id)
        if nsg is None:
            raise not_found("network security group", nsg_id)
        return nsg

    @staticmethod
    def rule(nsg: Json, name: str, field: str = "securityRules") -> Json | None:
        rules: list[Json] = nsg["properties"].get(field, [])
        return next((r for r in rules if r["name"].lower() == name.lower()), None)

    def put_rule(self, nsg: Json, name: str, body: Json) -> tuple[Json, bool]:
        """Add or replace one rule: the rule, and whether it existed."""
        old = self.rule(nsg, name)
        rule = rule_json(nsg["id"], old["name"] if old else name, body, nsg["etag"])
        rules = nsg["properties"]["securityRules"]
        others = [r for r in rules if r is not old]
        check_priorities(nsg["name"], [*others, rule])
        nsg["properties"]["securityRules"] = [rule if r is old else r for r in rules]
        if old is None:
            nsg["properties"]["securityRules"].append(rule)
        existed = old is not None
        restamp(nsg)
        return rule, existed

    def delete_rule(self, nsg: Json, name: str) -> bool:
        """Remove one rule; whether there was one."""
        rules = nsg["properties"]["securityRules"]
        kept = [r for r in rules if r["name"].lower() != name.lower()]
        nsg["properties"]["securityRules"] = kept
        if len(kept) != len(rules):
            restamp(nsg)
        return len(kept) != len(rules)
