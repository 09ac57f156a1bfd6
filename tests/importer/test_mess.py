"""The mess import points out, from plain REST JSON (no server needed)."""

from __future__ import annotations

from azlab.importer import mess
from azlab.importer.groups import grouped
from azlab.importer.schedules import read_shutdowns, tiers
from azlab.model import Kind

SUB = "/subscriptions/s/resourceGroups"


def vm(name: str, location: str = "westus2", **props: object) -> dict:  # type: ignore[type-arg]
    return {"name": name, "location": location, "properties": props, "tags": {}}


def test_disk_and_boot_diagnostics_in_another_region_are_reported() -> None:
    vms = [
        vm(
            "app01",
            storageProfile={
                "osDisk": {"name": "app01-os"},
                "dataDisks": [{"lun": 0, "name": "d0"}],
            },
            diagnosticsProfile={
                "bootDiagnostics": {"storageUri": "https://stdiag.blob.core.windows.net/"}
            },
        )
    ]
    disks = [{"name": "app01-os", "location": "westus2"}, {"name": "d0", "location": "eastus"}]
    accounts = [{"name": "stdiag", "location": "eastus"}]
    found = mess.regions_apart(vms, disks, accounts)
    assert [(m.code, m.resource) for m in found] == [("AZL100", "vm app01")] * 2
    assert "disk d0 is in eastus" in found[0].message
    assert "boot diagnostics storage account stdiag" in found[1].message


def test_unattached_disks_and_public_ips_are_reported_with_a_price_when_known() -> None:
    disks = [
        {
            "name": "old",
            "sku": {"name": "Premium_LRS"},
            "properties": {"diskSizeGB": 128, "diskState": "Unattached"},
        },
        {"name": "used", "managedBy": "/vm/x", "properties": {"diskState": "Attached"}},
    ]
    ips = [
        {"name": "pip-free", "properties": {}},
        {"name": "pip-used", "properties": {"ipConfiguration": {"id": "x"}}},
    ]

    def price(kind: Kind, item: dict) -> tuple[float, str] | None:  # type: ignore[type-arg]
        return (19.71, "USD") if kind is Kind.DISK else None

    found = mess.idle_spend(disks, ips, price)
    assert [(m.code, m.resource, m.monthly) for m in found] == [
        ("AZL101", "disk old", 19.71),
        ("AZL102", "public IP pip-free", None),
    ]
    assert "128 GiB Premium_LRS" in str(found[0]) and "19.71 USD/month" in str(found[0])


def test_overlap_with_a_vnet_of_another_group_is_reported_not_with_itself() -> None:
    def net(group: str, name: str, *spaces: str) -> dict:  # type: ignore[type-arg]
        return {
            "id": f"{SUB}/{group}/providers/Microsoft.Network/virtualNetworks/{name}",
            "name": name,
            "properties": {"addressSpace": {"addressPrefixes": list(spaces)}},
        }

    own = [net("rg-lab", "vnet1", "10.2.0.0/16")]
    subscription = [*own, net("rg-hub", "hub", "10.2.128.0/17"), net("rg-x", "far", "10.9.0.0/16")]
    found = mess.overlapping(own, subscription)
    assert [(m.code, m.resource) for m in found] == [("AZL104", "network vnet1")]
    assert "hub (resource group rg-hub)" in found[0].message


def test_group_by_availability_set_prefix_and_tag() -> None:
    items = [
        {
            "name": "web01",
            "properties": {"availabilitySet": {"id": "/x/availabilitySets/AS-WEB"}},
            "tags": {"tier": "front"},
        },
        {
            "name": "web02",
            "properties": {"availabilitySet": {"id": "/x/availabilitySets/AS-WEB"}},
            "tags": {"tier": "front"},
        },
        {"name": "dc01", "properties": {}, "tags": {}},
    ]
    assert grouped(items, "availability-set") == {"dc01": ["dc01"], "as-web": ["web01", "web02"]}
    assert grouped(items, "prefix") == {"dc": ["dc01"], "web": ["web01", "web02"]}
    assert grouped(items, "tag:Tier") == {"dc01": ["dc01"], "front": ["web01", "web02"]}


def test_auto_shutdown_schedules_and_start_sequences() -> None:
    schedules = [
        {
            "name": "shutdown-computevm-dc01",
            "properties": {
                "status": "Enabled",
                "taskType": "ComputeVmShutdownTask",
                "dailyRecurrence": {"time": "1900"},
                "timeZoneId": "Pacific Standard Time",
                "targetResourceId": f"{SUB}/rg/providers/Microsoft.Compute/virtualMachines/dc01",
            },
        },
        {
            "name": "shutdown-computevm-off",
            "properties": {
                "status": "Disabled",
                "taskType": "ComputeVmShutdownTask",
                "targetResourceId": "/x/off",
            },
        },
    ]
    reading = read_shutdowns(schedules)
    shutdown = reading.by_vm["dc01"]
    assert (shutdown.at, shutdown.timezone) == ("19:00", "America/Los_Angeles")
    assert shutdown.plan_name == "shutdown-1900-america-los-angeles"
    assert any("disabled" in note for note in reading.notes)
    assert tiers({"dc01": 1, "sql01": 5, "fe01": None, "app": 5}) == {
        "dc01": 0,
        "sql01": 1,
        "fe01": 0,
        "app": 1,
    }
