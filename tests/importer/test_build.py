"""An inventory (plain REST JSON) into plan YAML: no server needed."""

from __future__ import annotations

import io

from ruamel.yaml import YAML

from azlab.importer.build import Options, build, default_name
from azlab.importer.read import Inventory
from azlab.importer.write import plan_yaml
from azlab.model import Kind
from azlab.resources.observe import Listing

SUB = "/subscriptions/s/resourceGroups/rg-lab/providers"


def vm(name: str, **tags: str) -> dict:  # type: ignore[type-arg]
    return {
        "name": name,
        "location": "westus2",
        "tags": tags,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "storageProfile": {
                "imageReference": {
                    "publisher": "Canonical",
                    "offer": "ubuntu",
                    "sku": "server",
                    "version": "latest",
                },
                "osDisk": {
                    "name": f"{name}-osdisk",
                    "osType": "Linux",
                    "diskSizeGB": 30,
                    "managedDisk": {"storageAccountType": "StandardSSD_LRS"},
                },
                "dataDisks": [],
            },
            "osProfile": {
                "adminUsername": "ops",
                "linuxConfiguration": {"disablePasswordAuthentication": True},
            },
            "networkProfile": {
                "networkInterfaces": [
                    {"id": f"{SUB}/Microsoft.Network/networkInterfaces/{name}-nic"}
                ]
            },
        },
    }


def nic(name: str) -> dict:  # type: ignore[type-arg]
    subnet = {"id": f"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/apps"}
    return {
        "name": f"{name}-nic",
        "location": "westus2",
        "tags": {"owner": "me"},
        "properties": {
            "ipConfigurations": [
                {"properties": {"subnet": subnet, "privateIPAllocationMethod": "Dynamic"}}
            ]
        },
    }


def inventory() -> Inventory:
    items = {
        Kind.RESOURCE_GROUP: [{"name": "rg-lab", "location": "westus2", "tags": {"owner": "me"}}],
        Kind.NETWORK: [
            {
                "name": "vnet1",
                "location": "westus2",
                "tags": {"owner": "me"},
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                    "subnets": [{"name": "apps", "properties": {"addressPrefix": "10.0.1.0/24"}}],
                },
            }
        ],
        Kind.VM: [
            vm("web02", owner="me", sequencestart="2"),
            vm("web01", owner="me", sequencestart="1"),
        ],
        Kind.NIC: [nic("web01"), nic("web02")],
    }
    shutdown = {
        "name": "shutdown-computevm-web01",
        "properties": {
            "status": "Enabled",
            "taskType": "ComputeVmShutdownTask",
            "dailyRecurrence": {"time": "1830"},
            "timeZoneId": "GMT Standard Time",
            "targetResourceId": f"{SUB}/Microsoft.Compute/virtualMachines/web01",
        },
    }
    lb = {"name": "lb1", "type": "Microsoft.Network/loadBalancers"}
    items[Kind.SHUTDOWN] = [shutdown]
    return Inventory("rg-lab", Listing([], items), [lb])


def test_the_plan_holds_the_lab_and_round_trips_through_ruamel() -> None:
    imported = build(inventory(), Options("lab", "${AZURE_SUBSCRIPTION_ID}", "prefix"))
    text = plan_yaml(imported)
    assert text.startswith("# yaml-language-server: $schema=./schema/azlab-plan-v1.json\n")
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)  # plans/*.yaml's layout
    yaml.width = 100
    yaml.preserve_quotes = True  # as `azlab migrate` reads plans
    data = yaml.load(text)
    again = io.StringIO()
    yaml.dump(data, again)
    assert again.getvalue() == text  # ruamel writes back exactly what it read
    assert data["tags"] == {"owner": "me"}
    (group,) = data["groups"]
    assert group["name"] == "web" and group["schedule"] == "shutdown-1830-europe-london"
    # Start/Stop v2's sequence tags order the group: web01 first.
    assert [(v["name"], v["tier"]) for v in group["vms"]] == [("web01", 0), ("web02", 1)]
    assert group["vms"][0]["admin"] == {"username": "ops", "ssh_key_env": "LAB_SSH_KEY"}
    assert group["vms"][0]["tags"] == {"sequencestart": "1"}
    # The auto-shutdown is web01's failsafe, in the zone of the schedule made from it.
    assert group["vms"][0]["failsafe_shutdown"] == "18:30"
    assert "failsafe_shutdown" not in group["vms"][1]
    assert data["schedules"] == [
        {
            "name": "shutdown-1830-europe-london",
            "timezone": "Europe/London",
            "stop": [{"at": "18:30", "days": "daily"}],
        }
    ]
    assert "Microsoft.Network/loadBalancers lb1: the plan has no loadBalancers" in text
    # web02 had no auto-shutdown of its own: the note says the group's now stops it.
    assert "# web02: group web stops at 18:30 Europe/London" in text


def test_default_plan_name_comes_from_the_group() -> None:
    assert default_name("rg-LyncLab_WUS2") == "lynclab-wus2"
    assert default_name("RG") == "rg"
