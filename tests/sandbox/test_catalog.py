"""The sandbox's VM sizes, resource SKUs and image catalog, read with the unmodified compute SDK."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute.models import ResourceSku

from azlab.sandbox.arm.catalog import image_os
from azlab.sandbox.pytest_plugin import Clients

ROOT = Path(__file__).resolve().parents[2]


def capabilities(sku: ResourceSku) -> dict[str, str]:
    return {str(c.name): str(c.value) for c in sku.capabilities or []}


def test_vm_sizes_per_region(clients: Clients) -> None:
    sizes = {s.name: s for s in clients.compute.virtual_machine_sizes.list("westus2")}
    assert {"Standard_B2ms", "Standard_D2s_v5", "Standard_E4s_v5", "Standard_F2s_v2"} <= set(sizes)
    b2ms = sizes["Standard_B2ms"]
    assert (b2ms.number_of_cores, b2ms.memory_in_mb, b2ms.max_data_disk_count) == (2, 8192, 4)
    assert b2ms.os_disk_size_in_mb == 1047552
    with pytest.raises(ResourceNotFoundError):
        list(clients.compute.virtual_machine_sizes.list("atlantis"))


def test_resource_skus_filtered_by_location(clients: Clients) -> None:
    skus = list(clients.compute.resource_skus.list(filter="location eq 'westus2'"))
    assert skus and all(s.locations == ["westus2"] for s in skus)
    vms = {s.name: s for s in skus if s.resource_type == "virtualMachines"}
    d2s = capabilities(vms["Standard_D2s_v5"])
    assert (d2s["vCPUs"], d2s["MemoryGB"], d2s["PremiumIO"]) == ("2", "8", "True")
    assert d2s["HibernationSupported"] == "True"
    # Azure's hibernation list: the v5 D and E series up to 64 GB, not the B series.
    assert capabilities(vms["Standard_B2ms"])["HibernationSupported"] == "False"
    assert capabilities(vms["Standard_E8s_v5"])["HibernationSupported"] == "True"
    assert capabilities(vms["Standard_D2_v3"])["PremiumIO"] == "False"
    assert all(s.restrictions == [] for s in skus)
    assert vms["Standard_B2ms"].location_info[0].zones == ["1", "2", "3"]
    disks = {s.name for s in skus if s.resource_type == "disks"}
    assert {"Standard_LRS", "StandardSSD_LRS", "Premium_LRS"} <= disks

    everywhere = list(clients.compute.resource_skus.list())
    regions = {loc for s in everywhere for loc in s.locations}
    assert {"westus2", "eastus", "westeurope"} <= regions
    assert list(clients.compute.resource_skus.list(filter="location eq 'atlantis'")) == []


def test_image_tree_publishers_offers_skus(clients: Clients) -> None:
    images = clients.compute.virtual_machine_images
    publishers = {p.name for p in images.list_publishers("westus2")}
    assert {"MicrosoftWindowsServer", "MicrosoftSQLServer", "Canonical", "RedHat", "Debian"} <= (
        publishers
    )
    offers = {o.name for o in images.list_offers("westus2", "Canonical")}
    assert {"0001-com-ubuntu-server-jammy", "ubuntu-24_04-lts"} <= offers
    skus = {s.name for s in images.list_skus("westus2", "MicrosoftWindowsServer", "WindowsServer")}
    for year in ("2012-R2", "2016", "2019", "2022", "2025"):
        assert any(s.lower().startswith(year.lower() + "-datacenter") for s in skus), year
    sql = {o.name for o in images.list_offers("westus2", "MicrosoftSQLServer")}
    assert "sql2022-ws2022" in sql
    with pytest.raises(ResourceNotFoundError):
        images.list_offers("westus2", "NoSuchPublisher")


def test_versions_latest_as_az_vm_image_list_asks(clients: Clients) -> None:
    images = clients.compute.virtual_machine_images
    urn = ("westus2", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2")
    every = [v.name for v in images.list(*urn)]
    assert len(every) >= 2
    newest = images.list(*urn, top=1, orderby="name desc")
    assert [v.name for v in newest] == [max(every, key=lambda v: [int(x) for x in v.split(".")])]
    image = images.get(*urn, newest[0].name)
    assert image.os_disk_image.operating_system == "Linux"
    assert image.hyper_v_generation == "V2"
    assert image.name == newest[0].name
    assert images.get(*urn, "latest").name == newest[0].name
    with pytest.raises(ResourceNotFoundError):
        images.get(*urn, "1.2.3")


def test_every_image_in_the_shipped_plans_is_in_the_catalog(clients: Clients) -> None:
    plans = [*(ROOT / "plans").glob("*.yaml"), *(ROOT / "tests/plan/plans/good").glob("*.yaml")]
    urns = {
        vm["image"]
        for path in plans
        for group in (yaml.safe_load(path.read_text()) or {}).get("groups", [])
        for vm in group.get("vms", [])
    }
    assert urns
    for urn in sorted(urns):
        publisher, offer, sku, version = urn.split(":")
        found = clients.compute.virtual_machine_images.get(
            "westus2", publisher, offer, sku, version
        )
        expected = "windows" if "Windows" in found.os_disk_image.operating_system else "linux"
        assert image_os({"publisher": publisher, "offer": offer, "sku": sku}) == expected, urn


def test_vm_create_takes_the_os_from_the_catalog() -> None:
    sql = {"publisher": "MicrosoftSQLServer", "offer": "sql2022-ws2022", "sku": "standard-gen2"}
    assert image_os(sql) == "windows"
    assert image_os({"publisher": "Debian", "offer": "debian-12", "sku": "12-gen2"}) == "linux"
    # Outside the catalog the publisher decides, as for a lab's own choice.
    desktop = {"publisher": "MicrosoftWindowsDesktop", "offer": "windows-11", "sku": "win11-23h2"}
    assert image_os(desktop) == "windows"
    assert image_os(None) is None
