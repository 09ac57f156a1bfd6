"""The `$filter` grammar of ARM's resource lists, on plain resources."""

from __future__ import annotations

import pytest

from azlab.sandbox.arm.core import ArmError
from azlab.sandbox.arm.filters import parse

SUB = "/subscriptions/s/resourceGroups"
VM = {
    "id": f"{SUB}/Lab-RG/providers/Microsoft.Compute/virtualMachines/web1",
    "name": "web1",
    "type": "Microsoft.Compute/virtualMachines",
    "location": "westus2",
    "tags": {"Env": "lab", "Owner": "it's ann"},
}
VNET = {
    "id": f"{SUB}/core/providers/Microsoft.Network/virtualNetworks/hub",
    "name": "hub",
    "type": "Microsoft.Network/virtualNetworks",
    "location": "eastus",
}


def chosen(text: str) -> list[str]:
    found = parse(text)
    return [r["name"] for r in (VM, VNET) if found.matches(r)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", ["web1", "hub"]),
        ("resourceType eq 'microsoft.network/VIRTUALNETWORKS'", ["hub"]),
        ("resourceType ne 'Microsoft.Network/virtualNetworks'", ["web1"]),
        ("location eq 'West US 2'", ["web1"]),
        ("resourceGroup eq 'lab-rg'", ["web1"]),
        ("substringof('EB', name)", ["web1"]),
        ("substringof('or', resourceGroup) or name eq 'web1'", ["web1", "hub"]),
        ("name eq 'hub' and location eq 'westus2'", []),
        ("name eq 'hub' and location eq 'eastus' or name eq 'web1'", ["web1", "hub"]),
        ("tagName eq 'env'", ["web1"]),
        ("tagName eq 'owner' and tagValue eq 'it''s ann'", ["web1"]),
        ("tagName eq 'env' and tagValue eq 'LAB'", []),  # tag values keep their case
        ("startswith(tagName, 'ow')", ["web1"]),
    ],
)
def test_documented_forms(text: str, names: list[str]) -> None:
    assert chosen(text) == names


def test_a_tag_filter_hides_tags_and_combines_with_nothing_else() -> None:
    assert parse("tagName eq 'env'").by_tag and not parse("name eq 'x'").by_tag
    for wrong in (
        "tagName eq 'env' and resourceType eq 'x'",
        "tagValue eq 'lab'",
        "colour eq 'red'",
        "substringof('a', location)",
        "name gt 'a'",
    ):
        with pytest.raises(ArmError) as caught:
            parse(wrong)
        assert (caught.value.status, caught.value.code) == (400, "InvalidFilterInQueryString")
