"""Microsoft.Network as the real azure-mgmt-network client reads it: NSG rules as child
resources, Azure's default rules, NSG links on NICs and subnets, NIC and public IP fields."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network.models import NetworkSecurityGroup

from azlab.sandbox.pytest_plugin import Clients
from tests.sandbox.test_arm_protocol import WIN, network, nic, vm_body

RG = "rg1"
DEFAULTS = {
    ("AllowVnetInBound", 65000, "Inbound"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound"),
    ("DenyAllInBound", 65500, "Inbound"),
    ("AllowVnetOutBound", 65000, "Outbound"),
    ("AllowInternetOutBound", 65001, "Outbound"),
    ("DenyAllOutBound", 65500, "Outbound"),
}


def rdp_rule(priority: int = 100, port: str = "3389") -> dict[str, object]:
    return {
        "protocol": "Tcp",
        "access": "Allow",
        "direction": "Inbound",
        "priority": priority,
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": port,
    }


def make_nsg(c: Clients, name: str = "nsg1") -> None:
    c.network.network_security_groups.begin_create_or_update(
        RG, name, {"location": "westus2", "properties": {"securityRules": []}}
    ).result()


def test_nsg_carries_azures_six_default_rules(clients: Clients) -> None:
    network(clients)
    make_nsg(clients)
    nsg = clients.network.network_security_groups.get(RG, "nsg1")
    assert nsg.provisioning_state == "Succeeded" and nsg.resource_guid and nsg.etag
    found = {(r.name, r.priority, r.direction) for r in nsg.default_security_rules}
    assert found == DEFAULTS
    for rule in nsg.default_security_rules:
        assert rule.id == f"{nsg.id}/defaultSecurityRules/{rule.name}"
        assert rule.provisioning_state == "Succeeded"
    listed = clients.network.default_security_rules.list(RG, "nsg1")
    assert {r.name for r in listed} == {d[0] for d in DEFAULTS}
    deny = clients.network.default_security_rules.get(RG, "nsg1", "DenyAllInBound")
    assert deny.access == "Deny" and deny.source_address_prefix == "*"


def test_security_rules_as_child_resources_stay_in_the_nsgs_array(clients: Clients) -> None:
    network(clients)
    make_nsg(clients)
    rules = clients.network.security_rules
    made = rules.begin_create_or_update(RG, "nsg1", "rdp", {"properties": rdp_rule()}).result()
    assert made.provisioning_state == "Succeeded" and made.etag
    assert made.id.endswith("/networkSecurityGroups/nsg1/securityRules/rdp")
    nsg = clients.network.network_security_groups.get(RG, "nsg1")
    assert [r.name for r in nsg.security_rules] == ["rdp"]
    assert nsg.security_rules[0].destination_port_range == "3389"
    assert len(nsg.default_security_rules) == 6

    # update in place, as `az network nsg rule update` does (GET, change, PUT)
    rule = rules.get(RG, "nsg1", "rdp")
    rule.destination_port_range = "3390"
    rules.begin_create_or_update(RG, "nsg1", "rdp", rule).result()
    assert rules.get(RG, "nsg1", "RDP").destination_port_range == "3390"
    rules.begin_create_or_update(RG, "nsg1", "ssh", {"properties": rdp_rule(110, "22")}).result()
    assert sorted(r.name for r in rules.list(RG, "nsg1")) == ["rdp", "ssh"]

    # a rule the NSG's own PUT writes reads back as a child
    nsg = clients.network.network_security_groups.get(RG, "nsg1")
    nsg.security_rules = [r for r in nsg.security_rules if r.name == "ssh"]
    clients.network.network_security_groups.begin_create_or_update(RG, "nsg1", nsg).result()
    with pytest.raises(ResourceNotFoundError):
        rules.get(RG, "nsg1", "rdp")

    rules.begin_delete(RG, "nsg1", "ssh").result()
    assert list(rules.list(RG, "nsg1")) == []
    assert clients.network.network_security_groups.get(RG, "nsg1").security_rules == []


def test_rule_priorities_are_checked_per_direction(clients: Clients) -> None:
    network(clients)
    make_nsg(clients)
    rules = clients.network.security_rules
    rules.begin_create_or_update(RG, "nsg1", "a", {"properties": rdp_rule(200)}).result()
    with pytest.raises(HttpResponseError) as conflict:
        rules.begin_create_or_update(RG, "nsg1", "b", {"properties": rdp_rule(200)}).result()
    assert conflict.value.error is not None and conflict.value.error.code == "SecurityRuleConflict"
    outbound = {**rdp_rule(200), "direction": "Outbound"}
    rules.begin_create_or_update(RG, "nsg1", "c", {"properties": outbound}).result()
    with pytest.raises(HttpResponseError) as invalid:
        rules.begin_create_or_update(RG, "nsg1", "d", {"properties": rdp_rule(65000)}).result()
    assert invalid.value.error is not None
    assert invalid.value.error.code == "SecurityRuleInvalidPriority"
    assert sorted(r.name for r in rules.list(RG, "nsg1")) == ["a", "c"]


def test_nsg_links_show_on_subnets_and_nics_and_block_its_delete(clients: Clients) -> None:
    subnet_id = network(clients)
    make_nsg(clients)
    nsg_id = clients.network.network_security_groups.get(RG, "nsg1").id
    subnet = clients.network.subnets.get(RG, "vnet1", "core")
    subnet.network_security_group = NetworkSecurityGroup(id=nsg_id)
    clients.network.subnets.begin_create_or_update(RG, "vnet1", "core", subnet).result()
    made = clients.network.network_interfaces.begin_create_or_update(
        RG,
        "nic1",
        {
            "location": "westus2",
            "properties": {
                "networkSecurityGroup": {"id": nsg_id},
                "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": subnet_id}}}],
            },
        },
    ).result()
    nsg = clients.network.network_security_groups.get(RG, "nsg1")
    assert [s.id for s in nsg.subnets] == [subnet_id]
    assert [n.id for n in nsg.network_interfaces] == [made.id]
    assert clients.network.subnets.get(RG, "vnet1", "core").network_security_group.id == nsg_id
    with pytest.raises(HttpResponseError) as in_use:
        clients.network.network_security_groups.begin_delete(RG, "nsg1").result()
    assert in_use.value.error is not None
    assert in_use.value.error.code == "InUseNetworkSecurityGroupCannotBeDeleted"

    clients.network.network_interfaces.begin_delete(RG, "nic1").result()
    subnet = clients.network.subnets.get(RG, "vnet1", "core")
    subnet.network_security_group = None
    clients.network.subnets.begin_create_or_update(RG, "vnet1", "core", subnet).result()
    nsg = clients.network.network_security_groups.get(RG, "nsg1")
    assert not nsg.subnets and not nsg.network_interfaces
    clients.network.network_security_groups.begin_delete(RG, "nsg1").result()


def test_nic_fields_and_a_second_ip_configuration_inherits_the_subnet(clients: Clients) -> None:
    subnet_id = network(clients)
    nic = clients.network.network_interfaces.begin_create_or_update(
        RG,
        "nic1",
        {
            "location": "westus2",
            "properties": {
                "enableIPForwarding": True,
                "dnsSettings": {"dnsServers": ["10.0.0.10"]},
                "ipConfigurations": [
                    {"name": "one", "properties": {"subnet": {"id": subnet_id}}},
                    {"name": "two", "properties": {}},
                ],
            },
        },
    ).result()
    assert nic.provisioning_state == "Succeeded" and nic.resource_guid
    assert nic.enable_ip_forwarding is True and nic.enable_accelerated_networking is False
    assert nic.dns_settings.dns_servers == ["10.0.0.10"]
    assert nic.dns_settings.internal_domain_name_suffix.endswith(".internal.cloudapp.net")
    one, two = nic.ip_configurations
    assert (one.primary, two.primary) == (True, False)
    assert two.subnet.id == subnet_id
    assert one.private_ip_address != two.private_ip_address
    assert {one.private_ip_address_version, two.private_ip_address_version} == {"IPv4"}
    assert nic.mac_address is None and nic.virtual_machine is None and nic.primary is None
    subnet = clients.network.subnets.get(RG, "vnet1", "core")
    assert sorted(c.id for c in subnet.ip_configurations) == sorted([one.id, two.id])
    assert subnet.private_endpoint_network_policies == "Disabled"


def test_nic_shows_its_mac_and_vm_once_attached(clients: Clients) -> None:
    subnet_id = network(clients)
    nic_id = nic(clients, subnet_id)
    vm = clients.compute.virtual_machines.begin_create_or_update(
        RG, "vm1", vm_body(nic_id, WIN)
    ).result()
    attached = clients.network.network_interfaces.get(RG, "nic1")
    assert attached.virtual_machine.id == vm.id and attached.primary is True
    assert attached.mac_address is not None and attached.mac_address.startswith("00-0D-3A-")
    assert clients.network.network_interfaces.get(RG, "nic1").mac_address == attached.mac_address


def test_public_ip_fields_and_its_ip_configuration(clients: Clients) -> None:
    subnet_id = network(clients)
    pip = clients.network.public_ip_addresses.begin_create_or_update(
        RG,
        "pip1",
        {
            "location": "westus2",
            "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 10},
        },
    ).result()
    assert pip.resource_guid and pip.etag and pip.provisioning_state == "Succeeded"
    assert pip.idle_timeout_in_minutes == 10 and pip.sku.tier == "Regional"
    assert pip.ddos_settings.protection_mode == "VirtualNetworkInherited"
    nic = clients.network.network_interfaces.begin_create_or_update(
        RG,
        "nic1",
        {
            "location": "westus2",
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "ip",
                        "properties": {
                            "subnet": {"id": subnet_id},
                            "publicIPAddress": {"id": pip.id},
                        },
                    }
                ]
            },
        },
    ).result()
    pip = clients.network.public_ip_addresses.get(RG, "pip1")
    assert pip.ip_configuration.id == nic.ip_configurations[0].id
    vnet = clients.network.virtual_networks.get(RG, "vnet1")
    assert vnet.resource_guid and vnet.provisioning_state == "Succeeded"
    assert vnet.virtual_network_peerings == []


def test_each_network_type_lists_across_the_subscriptions_groups(clients: Clients) -> None:
    # `az vm list-ip-addresses` reads the subscription-wide public IP list (listAll).
    for rg in ("rg1", "rg2"):
        nic(clients, network(clients, rg), rg=rg)
        make_pip = clients.network.public_ip_addresses.begin_create_or_update
        make_pip(rg, f"pip-{rg}", {"location": "westus2", "sku": {"name": "Standard"}}).result()
    make_nsg(clients)
    pips = list(clients.network.public_ip_addresses.list_all())
    assert sorted(p.name for p in pips) == ["pip-rg1", "pip-rg2"]
    assert all(p.ip_address for p in pips)
    assert len(list(clients.network.virtual_networks.list_all())) == 2
    assert sorted(n.id.split("/")[4] for n in clients.network.network_interfaces.list_all()) == [
        "rg1",
        "rg2",
    ]
    assert [n.name for n in clients.network.network_security_groups.list_all()] == ["nsg1"]
