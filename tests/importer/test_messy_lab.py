"""Import of a lab built by hand, the seed-004 way: names nobody chose, storage in the
East, a disk and an address left behind, a vNet that clashes with another group's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox

RG = "rg-Mess_WUS2"


def vnet(clients: Clients, rg: str, name: str, space: str, subnet: str) -> str:
    clients.resource.resource_groups.create_or_update(rg, {"location": "westus2"})
    body = {
        "location": "westus2",
        "properties": {
            "addressSpace": {"addressPrefixes": [space]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": subnet}}],
        },
    }
    net = clients.network.virtual_networks.begin_create_or_update(rg, name, body).result()
    return str(net.subnets[0].id)


def build_messy_lab(clients: Clients, sub: str) -> None:
    subnet = vnet(clients, RG, "vnet-lab", "10.0.0.0/16", "10.0.0.0/24")
    vnet(clients, "rg-hub", "vnet-hub", "10.0.128.0/17", "10.0.128.0/24")
    clients.storage.storage_accounts.begin_create(
        RG,
        "stdiageast01",
        {"location": "eastus", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
    ).result()
    network = clients.network
    network.public_ip_addresses.begin_create_or_update(
        RG,
        "pip-forgotten",
        {
            "location": "westus2",
            "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"},
        },
    ).result()
    nic = network.network_interfaces.begin_create_or_update(
        RG,
        "app01523",
        {
            "location": "westus2",
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "ipconfig1",
                        "properties": {
                            "subnet": {"id": subnet},
                            "privateIPAllocationMethod": "Dynamic",
                        },
                    }
                ]
            },
        },
    ).result()
    compute = clients.compute
    compute.disks.begin_create_or_update(
        RG,
        "old-data",
        {
            "location": "westus2",
            "sku": {"name": "Premium_LRS"},
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 128},
        },
    ).result()
    compute.virtual_machines.begin_create_or_update(
        RG,
        "app01",
        {
            "location": "westus2",
            "tags": {"owner": "somebody"},
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_B2s"},
                "storageProfile": {
                    "imageReference": {
                        "publisher": "Canonical",
                        "offer": "ubuntu-24_04-lts",
                        "sku": "server",
                        "version": "latest",
                    },
                    "osDisk": {
                        "createOption": "FromImage",
                        "managedDisk": {"storageAccountType": "Standard_LRS"},
                    },
                },
                "osProfile": {
                    "computerName": "app01",
                    "adminUsername": "ops",
                    "adminPassword": "Sandbox-only-1",
                },
                "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
                "diagnosticsProfile": {
                    "bootDiagnostics": {
                        "enabled": True,
                        "storageUri": "https://stdiageast01.blob.core.windows.net/",
                    }
                },
            },
        },
    ).result()


def auto_shutdown(clients: Clients, sub: str, vm: str, at: str) -> None:
    """An auto-shutdown set in the portal: a DevTest Labs schedule named for the VM."""
    rg_id = f"/subscriptions/{sub}/resourceGroups/{RG}"
    body = {
        "location": "westus2",
        "properties": {
            "status": "Enabled",
            "taskType": "ComputeVmShutdownTask",
            "dailyRecurrence": {"time": at},
            "timeZoneId": "Pacific Standard Time",
            "notificationSettings": {"status": "Disabled"},
            "targetResourceId": f"{rg_id}/providers/Microsoft.Compute/virtualMachines/{vm}",
        },
    }
    schedule_id = f"{rg_id}/providers/Microsoft.DevTestLab/schedules/shutdown-computevm-{vm}"
    clients.resource.resources.begin_create_or_update_by_id(
        schedule_id, body, api_version="2018-09-15"
    ).result()


def test_import_names_the_mess_and_what_it_leaves_unmanaged(
    sandbox: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sub = sandbox.env()["AZURE_SUBSCRIPTION_ID"]
    build_messy_lab(clients, sub)
    auto_shutdown(clients, sub, "app01", "1900")
    out = tmp_path / "mess.yaml"
    capsys.readouterr()
    code = main(["import", "--resource-group", RG, "-o", str(out), "--output", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    assert report["counts"]["vms"] == 1
    codes = {(m["code"], m["resource"]) for m in report["mess"]}
    assert ("AZL101", "disk old-data") in codes
    assert ("AZL102", "public IP pip-forgotten") in codes
    assert ("AZL104", "network vnet-lab") in codes
    assert ("AZL100", "vm app01") in codes
    # The portal's auto-shutdown becomes the group's schedule and the VM's failsafe.
    assert "AZL103" not in {f["code"] for f in report["findings"]}
    assert report["counts"]["schedules"] == 1
    # Priced from the environment's Retail Prices list (the sandbox serves a dated one).
    monthly = {m["resource"]: (m["monthly"], m["currency"]) for m in report["mess"]}
    disk_cost, currency = monthly["disk old-data"]
    assert currency == "USD" and disk_cost > 10  # a P10 disk is about $20 a month
    assert 1 < monthly["public IP pip-forgotten"][0] < 10
    text = out.read_text()
    # The plan's name comes from the group's; the hand-made NIC name is pointed out.
    assert "name: mess-wus2" in text
    # The NIC the portal named is named in the plan, so the VM can be adopted as it is.
    assert "parts: {nic: app01523}" in text
    assert "old-data: used by no VM the plan holds" in text
    assert "schedule: shutdown-1900-america-los-angeles" in text
    assert 'failsafe_shutdown: "19:00"' in text or "failsafe_shutdown: '19:00'" in text
    assert main(["validate", str(out)]) == 0

    # Adopting takes what matches and leaves the rest, saying why.
    capsys.readouterr()
    assert main(["plan", str(out), "--adopt", "--output", "json"]) == 0
    changes = {(c["kind"], c["name"]): c for c in json.loads(capsys.readouterr().out)["changes"]}
    assert changes[("network", "vnet-lab")]["action"] == "adopt"
    assert changes[("storage_account", "stdiageast01")]["action"] == "adopt"
    assert changes[("shutdown_schedule", "shutdown-computevm-app01")]["action"] == "adopt"
    assert changes[("nic", "app01523")]["action"] == "adopt"
    assert changes[("vm", "app01")]["action"] == "adopt"
    assert changes[("disk", "old-data")]["action"] == "not-managed"
    assert not [c for c in changes.values() if c["action"] in ("create", "update", "replace")]

    # Adopted, the lab is azlab's: nothing left to change, nothing rebuilt.
    before = clients.compute.virtual_machines.get(RG, "app01").properties.vm_id
    assert main(["apply", str(out), "--adopt", "--yes"]) == 0
    assert main(["plan", str(out), "--detailed-exitcode"]) == 0
    assert clients.compute.virtual_machines.get(RG, "app01").properties.vm_id == before


def test_import_of_a_missing_group_is_one_clear_line(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "-g", "rg-nowhere"]) != 0
    err = capsys.readouterr().err
    assert "rg-nowhere" in err and "not found" in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_group_by_must_be_one_of_three(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "-g", RG, "--group-by", "colour"]) != 0
    assert "--group-by 'colour'" in capsys.readouterr().err
