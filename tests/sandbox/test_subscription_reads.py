"""Subscription-level reads and cloud metadata, as az and the SDK's resource client read them."""

from __future__ import annotations

import json
import ssl
import urllib.request
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from azlab.sandbox.arm.directory import TENANT
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox


def read(clients: Clients, path: str) -> Any:
    answer = clients.resource.send_request(HttpRequest("GET", path))
    answer.raise_for_status()
    return answer.json()


def anonymous(sandbox: Sandbox, path: str) -> tuple[int, Any]:
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    with urllib.request.urlopen(f"{sandbox.endpoint}{path}", context=context) as answer:
        return answer.status, json.loads(answer.read())


def test_cloud_metadata_is_served_without_a_token_in_each_shape(sandbox: Sandbox) -> None:
    status, cloud = anonymous(sandbox, "/metadata/endpoints?api-version=2022-09-01")
    assert status == 200
    assert cloud["resourceManager"] == f"{sandbox.endpoint}/"
    assert cloud["authentication"]["loginEndpoint"] == f"{sandbox.endpoint}/"
    assert cloud["authentication"]["audiences"][0] == f"{sandbox.endpoint}/"
    assert "storage" in cloud["suffixes"]
    _, clouds = anonymous(sandbox, "/metadata/endpoints?api-version=2019-05-01")
    assert isinstance(clouds, list) and clouds[0]["name"] == cloud["name"]
    _, legacy = anonymous(sandbox, "/metadata/endpoints?api-version=2015-01-01")
    assert legacy["authentication"]["audiences"] == cloud["authentication"]["audiences"]
    # Every endpoint named is the sandbox: nothing derived from it leaves the machine.
    urls = [v for v in cloud.values() if isinstance(v, str) and "://" in v]
    assert urls and all(u.startswith(sandbox.endpoint) for u in urls)


def test_subscriptions_and_tenants_list_the_sandboxs_own(
    sandbox: Sandbox, clients: Clients
) -> None:
    subs = read(clients, "/subscriptions?api-version=2022-12-01")["value"]
    assert [s["subscriptionId"] for s in subs] == [sandbox.subscription]
    assert subs[0]["tenantId"] == TENANT and subs[0]["state"] == "Enabled"
    one = read(clients, f"/subscriptions/{sandbox.subscription}?api-version=2022-12-01")
    assert one == subs[0]
    tenants = read(clients, "/tenants?api-version=2022-12-01")["value"]
    assert [t["tenantId"] for t in tenants] == [TENANT]
    missing = "11111111-1111-4111-8111-111111111111"
    with pytest.raises(HttpResponseError, match="SubscriptionNotFound") as caught:
        read(clients, f"/subscriptions/{missing}?api-version=2022-12-01")
    assert caught.value.status_code == 404


def test_a_subscription_holding_resources_is_listed(sandbox: Sandbox) -> None:
    other = "22222222-2222-4222-8222-222222222222"
    c = Clients(sandbox)
    c.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    from azure.mgmt.resource.resources import ResourceManagementClient

    kwargs: dict[str, Any] = {
        "base_url": sandbox.endpoint,
        "connection_verify": str(sandbox.ca_file),
    }
    ResourceManagementClient(c.credential, other, **kwargs).resource_groups.create_or_update(
        "rg2", {"location": "eastus"}
    )
    subs = read(c, "/subscriptions?api-version=2022-12-01")["value"]
    assert {s["subscriptionId"] for s in subs} == {sandbox.subscription, other}


def test_locations_carry_names_display_names_and_pairs(sandbox: Sandbox, clients: Clients) -> None:
    path = f"/subscriptions/{sandbox.subscription}/locations?api-version=2022-12-01"
    regions = {r["name"]: r for r in read(clients, path)["value"]}
    assert {"westus2", "eastus", "northeurope"} <= set(regions)
    west = regions["westus2"]
    assert west["displayName"] == "West US 2" and west["type"] == "Region"
    paired = west["metadata"]["pairedRegion"][0]["name"]
    assert paired in regions


def test_providers_list_types_locations_and_api_versions(
    sandbox: Sandbox, clients: Clients
) -> None:
    compute = clients.resource.providers.get("Microsoft.Compute")
    assert compute.registration_state == "Registered"
    vms = next(t for t in compute.resource_types if t.resource_type == "virtualMachines")
    assert "West US 2" in vms.locations and vms.api_versions
    namespaces = {p.namespace for p in clients.resource.providers.list()}
    assert {"Microsoft.Compute", "Microsoft.Network", "Microsoft.Storage"} <= namespaces
    tenant_level = read(clients, "/providers/microsoft.network?api-version=2025-04-01")
    assert tenant_level["namespace"] == "Microsoft.Network"
    unregistered = clients.resource.providers.unregister("Microsoft.Storage")
    assert unregistered.registration_state == "Unregistered"
    registered = clients.resource.providers.register("Microsoft.Storage")
    assert registered.registration_state == "Registered"
    with pytest.raises(ResourceNotFoundError, match="InvalidResourceNamespace"):
        clients.resource.providers.get("Microsoft.Nothing")
