"""Blob data behind the sandbox: accounts made through ARM work in Azurite at once; disks hold bytes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobClient, BlobSasPermissions, BlobServiceClient, generate_blob_sas

from azlab.sandbox.arm.compute import GIB, disk_key
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.storage.backend import image_extents

LINUX = {
    "publisher": "Canonical",
    "offer": "ubuntu-24_04-lts",
    "sku": "server",
    "version": "latest",
}


@pytest.fixture
def storage(sandbox: Sandbox) -> Sandbox:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    return sandbox


def account(c: Clients, name: str = "stlab01") -> tuple[str, str]:
    c.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    made = c.storage.storage_accounts.begin_create(
        "rg1", name, {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    key = c.storage.storage_accounts.list_keys("rg1", name).as_dict()["keys"][0]["value"]
    return made.primary_endpoints.blob, key


def test_account_made_through_arm_works_with_its_keys_and_sas(
    storage: Sandbox, clients: Clients
) -> None:
    endpoint, key = account(clients)
    clients.storage.blob_containers.create("rg1", "stlab01", "vhds", {})
    service = BlobServiceClient(
        endpoint, credential={"account_name": "stlab01", "account_key": key}
    )
    assert [c.name for c in service.list_containers()] == ["vhds"]
    service.get_blob_client("vhds", "hello.txt").upload_blob(b"hello")
    sas = generate_blob_sas(
        "stlab01",
        "vhds",
        "hello.txt",
        account_key=key,
        permission=BlobSasPermissions(read=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    assert (
        BlobClient.from_blob_url(f"{endpoint}vhds/hello.txt?{sas}").download_blob().readall()
        == b"hello"
    )
    wrong = BlobServiceClient(
        endpoint, credential={"account_name": "stlab01", "account_key": "AAAA" + key[4:]}
    )
    with pytest.raises(HttpResponseError):
        list(wrong.list_containers())


def test_vm_os_disk_holds_the_image_pattern_and_grant_access_serves_it(
    storage: Sandbox, clients: Clients
) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    vnet = clients.network.virtual_networks.begin_create_or_update(
        "rg1",
        "v",
        {
            "location": "westus2",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}],
            },
        },
    ).result()
    nic = clients.network.network_interfaces.begin_create_or_update(
        "rg1",
        "n",
        {
            "location": "westus2",
            "properties": {
                "ipConfigurations": [
                    {"name": "ip", "properties": {"subnet": {"id": vnet.subnets[0].id}}}
                ]
            },
        },
    ).result()
    clients.compute.virtual_machines.begin_create_or_update(
        "rg1",
        "vm1",
        {
            "location": "westus2",
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_B1s"},
                "storageProfile": {
                    "imageReference": LINUX,
                    "osDisk": {"name": "vm1-osdisk", "createOption": "FromImage"},
                },
                "osProfile": {"adminUsername": "u", "adminPassword": "p"},
                "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
            },
        },
    ).result()
    disk = clients.compute.disks.get("rg1", "vm1-osdisk")
    access = clients.compute.disks.begin_grant_access(
        "rg1", "vm1-osdisk", {"access": "Read", "durationInSeconds": 600}
    ).result()
    blob = BlobClient.from_blob_url(access.access_sas)
    assert blob.get_blob_properties().size == 30 * GIB
    extents = image_extents("Canonical:ubuntu-24_04-lts:server:latest", disk_key(disk.id), 30 * GIB)
    ranges = [(r.start, r.end + 1) for r in blob.list_page_ranges()]
    assert ranges == [(offset, offset + len(data)) for offset, data in extents]
    for offset, data in extents:
        assert blob.download_blob(offset=offset, length=len(data)).readall() == data
    assert "sp=r" in access.access_sas


def test_disk_imported_from_a_vhd_holds_its_bytes(storage: Sandbox, clients: Clients) -> None:
    endpoint, key = account(clients)
    clients.storage.blob_containers.create("rg1", "stlab01", "vhds", {})
    vhd = BlobServiceClient(
        endpoint, credential={"account_name": "stlab01", "account_key": key}
    ).get_blob_client("vhds", "dc01.vhd")
    vhd.create_page_blob(8 * 1024 * 1024)
    vhd.upload_page(b"\x5a" * 4096, offset=1024 * 1024, length=4096)
    account_id = clients.storage.storage_accounts.get_properties("rg1", "stlab01").id

    def import_disk(name: str, location: str, by_id: bool = True) -> None:
        # ARM reads the VHD with the account's key: the URL carries no SAS. Within one
        # subscription the account may be left out: Azure finds it from the URI.
        creation = {"createOption": "Import", "sourceUri": f"{endpoint}vhds/dc01.vhd"}
        if by_id:
            creation["storageAccountId"] = account_id
        clients.compute.disks.begin_create_or_update(
            "rg1",
            name,
            {
                "location": location,
                "properties": {"osType": "Windows", "creationData": creation},
            },
        ).result()

    with pytest.raises(HttpResponseError) as elsewhere:
        import_disk("dc01-eastus", "eastus")
    assert elsewhere.value.error.code == "InvalidStorageAccountLocation"
    import_disk("dc01-imported", "westus2")
    import_disk("dc01-by-uri", "West US 2", by_id=False)
    assert clients.compute.disks.get("rg1", "dc01-by-uri").disk_size_gb == 1
    access = clients.compute.disks.begin_grant_access(
        "rg1", "dc01-imported", {"access": "Read", "durationInSeconds": 600}
    ).result()
    copy = BlobClient.from_blob_url(access.access_sas)
    assert [(r.start, r.end) for r in copy.list_page_ranges()] == [
        (1024 * 1024, 1024 * 1024 + 4095)
    ]
    assert copy.download_blob(offset=1024 * 1024, length=4096).readall() == b"\x5a" * 4096
    assert copy.get_blob_properties().size == 8 * 1024 * 1024


def test_accounts_and_data_survive_a_restart(tmp_path: Path) -> None:
    with Sandbox(data_dir=tmp_path, persist=True, storage=True) as first:
        if first.storage is None:
            pytest.skip("Azurite is not installed")
        endpoint, key = account(Clients(first), "stdurable")
        service = BlobServiceClient(
            endpoint, credential={"account_name": "stdurable", "account_key": key}
        )
        service.create_container("keep")
        service.get_blob_client("keep", "a").upload_blob(b"kept")
    with Sandbox(data_dir=tmp_path, persist=True, storage=True) as second:
        c = Clients(second)
        key = c.storage.storage_accounts.list_keys("rg1", "stdurable").as_dict()["keys"][0]["value"]
        endpoint = c.storage.storage_accounts.get_properties(
            "rg1", "stdurable"
        ).primary_endpoints.blob
        service = BlobServiceClient(
            endpoint, credential={"account_name": "stdurable", "account_key": key}
        )
        assert service.get_blob_client("keep", "a").download_blob().readall() == b"kept"
