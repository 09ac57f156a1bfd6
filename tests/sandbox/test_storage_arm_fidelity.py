"""Microsoft.Storage's ARM side as the real azure-mgmt-storage client reads it: account
properties as Azure defaults them, geo-redundant secondaries, containers' ARM fields."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from azure.mgmt.storage.models import BlobContainer

from azlab.sandbox.pytest_plugin import Clients

RG = "rg1"


def make(c: Clients, name: str, sku: str, location: str = "westus2", **props: object) -> object:
    c.resource.resource_groups.create_or_update(RG, {"location": "westus2"})
    return c.storage.storage_accounts.begin_create(
        RG,
        name,
        {"location": location, "sku": {"name": sku}, "kind": "StorageV2", "properties": props},
    ).result()


def test_new_account_has_azures_defaults(clients: Clients) -> None:
    make(clients, "stdefaults", "Standard_LRS")
    got = clients.storage.storage_accounts.get_properties(RG, "stdefaults")
    assert got.creation_time is not None
    assert abs(datetime.now(timezone.utc) - got.creation_time) < timedelta(minutes=5)
    assert got.key_creation_time.key1 == got.creation_time
    enc = got.encryption
    assert enc.key_source == "Microsoft.Storage"
    assert enc.services.blob.enabled and enc.services.file.enabled
    assert enc.services.blob.key_type == "Account"
    assert enc.services.blob.last_enabled_time is not None
    ends = got.primary_endpoints
    for service in ("blob", "queue", "table", "file", "dfs", "web"):
        assert getattr(ends, service), service
    assert len({ends.blob, ends.queue, ends.table, ends.file, ends.dfs, ends.web}) == 6
    assert got.primary_location == "westus2" and got.status_of_primary == "available"
    assert got.secondary_location is None and got.secondary_endpoints is None
    assert got.access_tier == "Hot"
    assert got.enable_https_traffic_only is True
    assert got.minimum_tls_version == "TLS1_2"
    assert got.allow_blob_public_access is False
    assert got.network_rule_set.default_action == "Allow"


def test_geo_redundant_accounts_have_the_paired_region(clients: Clients) -> None:
    make(clients, "stgrs", "Standard_GRS", location="East US")
    grs = clients.storage.storage_accounts.get_properties(RG, "stgrs")
    assert (grs.primary_location, grs.secondary_location) == ("eastus", "westus")
    assert grs.status_of_secondary == "available" and grs.secondary_endpoints is None
    make(clients, "stragrs", "Standard_RAGRS")
    ragrs = clients.storage.storage_accounts.get_properties(RG, "stragrs")
    assert ragrs.secondary_location == "westcentralus"
    assert ragrs.secondary_endpoints.blob and ragrs.secondary_endpoints.blob != (
        ragrs.primary_endpoints.blob
    )
    assert ragrs.secondary_endpoints.file is None
    # a SKU change to LRS drops the secondary, as Azure does
    clients.storage.storage_accounts.update(RG, "stragrs", {"sku": {"name": "Standard_LRS"}})
    lrs = clients.storage.storage_accounts.get_properties(RG, "stragrs")
    assert lrs.secondary_location is None and lrs.secondary_endpoints is None
    assert lrs.creation_time == ragrs.creation_time


def test_account_settings_asked_for_and_patched(clients: Clients) -> None:
    make(
        clients,
        "stset",
        "Standard_LRS",
        accessTier="Cool",
        minimumTlsVersion="TLS1_1",
        supportsHttpsTrafficOnly=False,
    )
    got = clients.storage.storage_accounts.get_properties(RG, "stset")
    assert (got.access_tier, got.minimum_tls_version) == ("Cool", "TLS1_1")
    assert got.enable_https_traffic_only is False
    clients.storage.storage_accounts.update(
        RG, "stset", {"properties": {"accessTier": "Hot", "allowBlobPublicAccess": True}}
    )
    got = clients.storage.storage_accounts.get_properties(RG, "stset")
    assert (got.access_tier, got.allow_blob_public_access) == ("Hot", True)
    assert got.minimum_tls_version == "TLS1_1"
    listed = {a.name: a for a in clients.storage.storage_accounts.list_by_resource_group(RG)}
    assert listed["stset"].creation_time == got.creation_time


def test_container_arm_fields(clients: Clients) -> None:
    make(clients, "stcont", "Standard_LRS")
    containers = clients.storage.blob_containers
    made = containers.create(RG, "stcont", "vhds", {})
    assert made.etag and made.last_modified_time is not None
    got = containers.get(RG, "stcont", "vhds")
    assert (got.lease_state, got.lease_status) == ("Available", "Unlocked")
    assert got.public_access == "None"
    assert got.has_immutability_policy is False and got.has_legal_hold is False
    assert got.default_encryption_scope == "$account-encryption-key"
    updated = containers.update(RG, "stcont", "vhds", BlobContainer(metadata={"owner": "lab"}))
    assert updated.metadata == {"owner": "lab"}
    assert updated.etag != made.etag
    assert containers.get(RG, "stcont", "vhds").metadata == {"owner": "lab"}
    listed = list(containers.list(RG, "stcont"))
    assert [c.name for c in listed] == ["vhds"] and listed[0].lease_state == "Available"
