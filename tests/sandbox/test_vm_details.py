"""What `az vm list -d` and `az vm show -d` read, read the same way with the unmodified SDK.

For each VM (listed per group or per subscription): the VM with
`$expand=instanceView` (its power state), then each NIC it names (private IPs,
MAC address) and each public IP those name (address and FQDN).
"""

from __future__ import annotations

from azure.mgmt.core.tools import parse_resource_id

from azlab.sandbox.pytest_plugin import Clients
from tests.sandbox.test_arm_protocol import LINUX, network, nic, vm_body


def details(c: Clients, rg: str, name: str, expand: str = "instanceView") -> dict[str, str]:
    vm = c.compute.virtual_machines.get(rg, name, expand=expand)
    private, public, macs = [], [], []
    for ref in vm.network_profile.network_interfaces:
        parts = parse_resource_id(ref.id)
        card = c.network.network_interfaces.get(parts["resource_group"], parts["name"])
        if card.mac_address:
            macs.append(card.mac_address)
        for config in card.ip_configurations:
            if config.private_ip_address:
                private.append(config.private_ip_address)
            if config.public_ip_address:
                ip = parse_resource_id(config.public_ip_address.id)
                address = c.network.public_ip_addresses.get(ip["resource_group"], ip["name"])
                public.append(address.ip_address)
    power = [
        s.display_status for s in vm.instance_view.statuses if s.code.startswith("PowerState/")
    ]
    return {
        "powerState": ",".join(power),
        "privateIps": ",".join(private),
        "publicIps": ",".join(public),
        "macAddresses": ",".join(macs),
    }


def test_list_details_reads_power_state_and_addresses(clients: Clients) -> None:
    subnet = network(clients)
    pip = clients.network.public_ip_addresses.begin_create_or_update(
        "rg1", "pip1", {"location": "westus2", "sku": {"name": "Standard"}}
    ).result()
    made = clients.network.network_interfaces.begin_create_or_update(
        "rg1",
        "nic1",
        {
            "location": "westus2",
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "ip",
                        "properties": {"subnet": {"id": subnet}, "publicIPAddress": {"id": pip.id}},
                    }
                ]
            },
        },
    ).result()
    clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", vm_body(str(made.id), LINUX)
    ).result()
    clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm2", vm_body(nic(clients, subnet, "nic2"), LINUX, name="vm2")
    ).result()
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm2").result()

    listed = list(clients.compute.virtual_machines.list_all())
    assert {v.name for v in listed} == {"vm1", "vm2"}
    seen = {v.name: details(clients, "rg1", v.name) for v in listed}
    assert seen["vm1"]["powerState"] == "VM running"
    assert seen["vm2"]["powerState"] == "VM deallocated"
    assert seen["vm1"]["publicIps"] == pip.ip_address and seen["vm2"]["publicIps"] == ""
    assert seen["vm1"]["privateIps"].startswith("10.0.0.")
    assert seen["vm1"]["privateIps"] != seen["vm2"]["privateIps"]
    # `az vm show -d --include-user-data` expands two things at once.
    assert details(clients, "rg1", "vm1", "instanceView,userData") == seen["vm1"]
