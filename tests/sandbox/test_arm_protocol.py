"""The sandbox speaks ARM's protocol to the unmodified SDK clients."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from azlab.azure.session import SCOPE
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

WIN = {
    "publisher": "MicrosoftWindowsServer",
    "offer": "WindowsServer",
    "sku": "2022-datacenter",
    "version": "latest",
}
LINUX = {
    "publisher": "Canonical",
    "offer": "ubuntu-24_04-lts",
    "sku": "server",
    "version": "latest",
}


def network(c: Clients, rg: str = "rg1", location: str = "westus2") -> str:
    c.resource.resource_groups.create_or_update(rg, {"location": location})
    vnet = c.network.virtual_networks.begin_create_or_update(
        rg,
        "vnet1",
        {
            "location": location,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "core", "properties": {"addressPrefix": "10.0.0.0/24"}}],
            },
        },
    ).result()
    return str(vnet.subnets[0].id)


def nic(
    c: Clients, subnet: str, name: str = "nic1", rg: str = "rg1", location: str = "westus2"
) -> str:
    made = c.network.network_interfaces.begin_create_or_update(
        rg,
        name,
        {
            "location": location,
            "properties": {
                "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": subnet}}}]
            },
        },
    ).result()
    return str(made.id)


def vm_body(
    nic_id: str, image: dict[str, str], name: str = "vm1", **profile: Any
) -> dict[str, Any]:
    os_profile = {
        "computerName": name,
        "adminUsername": "labadmin",
        "adminPassword": "x",
        **profile,
    }
    return {
        "location": "westus2",
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2ms"},
            "storageProfile": {"imageReference": image, "osDisk": {"createOption": "FromImage"}},
            "osProfile": os_profile,
            "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
        },
    }


def power(c: Clients, name: str = "vm1") -> str:
    view = c.compute.virtual_machines.instance_view("rg1", name)
    return next(s.code for s in view.statuses if s.code.startswith("PowerState/"))


def test_missing_bearer_token_is_401(sandbox: Sandbox) -> None:
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    url = f"{sandbox.endpoint}/subscriptions/{sandbox.subscription}/resourcegroups?api-version=2024-01-01"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, context=context)
    assert caught.value.code == 401
    assert caught.value.headers["x-ms-request-id"]
    assert "WWW-Authenticate" in caught.value.headers
    assert json.loads(caught.value.read())["error"]["code"] == "AuthenticationFailed"


def test_create_read_update_list_over_pages_and_delete(clients: Clients) -> None:
    for i in range(12):
        clients.resource.resource_groups.create_or_update(
            f"rg-{i:02d}", {"location": "westus2", "tags": {"n": str(i)}}
        )
    names = [g.name for g in clients.resource.resource_groups.list()]
    assert names == [f"rg-{i:02d}" for i in range(12)]  # page size 5: three pages
    clients.resource.resource_groups.update("rg-03", {"tags": {"n": "three"}})
    assert clients.resource.resource_groups.get("RG-03").tags == {"n": "three"}  # case-insensitive
    assert clients.resource.resource_groups.check_existence("rg-03") is True
    clients.resource.resource_groups.begin_delete("rg-03").result()
    assert clients.resource.resource_groups.check_existence("rg-03") is False
    with pytest.raises(ResourceNotFoundError):
        clients.resource.resource_groups.get("rg-03")


def test_vm_lifecycle_with_every_action(sandbox: Sandbox, clients: Clients) -> None:
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.3))
    nic_id = nic(clients, network(clients))
    vm = clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", vm_body(nic_id, LINUX)
    ).result()
    assert vm.provisioning_state == "Succeeded"
    assert power(clients) == "PowerState/running"
    expanded = clients.compute.virtual_machines.get("rg1", "vm1", expand="instanceView")
    assert any(s.code == "PowerState/running" for s in expanded.instance_view.statuses)
    for action, state in (
        ("begin_power_off", "stopped"),
        ("begin_start", "running"),
        ("begin_restart", "running"),
        ("begin_deallocate", "deallocated"),
    ):
        poller = getattr(clients.compute.virtual_machines, action)("rg1", "vm1")
        assert power(clients) in (
            "PowerState/stopping",
            "PowerState/starting",
            "PowerState/deallocating",
        )
        poller.result()
        assert power(clients) == f"PowerState/{state}"
    updated = clients.compute.virtual_machines.begin_update(
        "rg1",
        "vm1",
        {"tags": {"a": "b"}, "properties": {"hardwareProfile": {"vmSize": "Standard_B4ms"}}},
    ).result()
    assert updated.hardware_profile.vm_size == "Standard_B4ms" and updated.tags == {"a": "b"}
    statuses = {
        v.name: [s.code for s in v.instance_view.statuses]
        for v in clients.compute.virtual_machines.list_all(status_only="true")
    }
    assert "PowerState/deallocated" in statuses["vm1"]
    clients.compute.virtual_machines.begin_delete("rg1", "vm1").result()
    disks = list(clients.compute.disks.list_by_resource_group("rg1"))
    assert [d.name for d in disks] == ["vm1_OsDisk_1"] and disks[0].disk_state == "Unattached"


def test_second_action_while_one_runs_is_409(sandbox: Sandbox, clients: Clients) -> None:
    nic_id = nic(clients, network(clients))
    clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", vm_body(nic_id, LINUX)
    ).result()
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=5))
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm1")
    with pytest.raises(HttpResponseError) as caught:
        clients.compute.virtual_machines.begin_start("rg1", "vm1")
    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"


def test_allocation_failure_fails_the_operation(sandbox: Sandbox, clients: Clients) -> None:
    nic_id = nic(clients, network(clients))
    clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", vm_body(nic_id, LINUX)
    ).result()
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm1").result()
    sandbox.emulator.apply_settings(
        Settings(page_size=5).with_changes({"faults": "allocation=vm1"})
    )
    with pytest.raises(HttpResponseError) as caught:
        clients.compute.virtual_machines.begin_start("rg1", "vm1").result()
    assert caught.value.error.code == "AllocationFailed"
    view = clients.compute.virtual_machines.instance_view("rg1", "vm1")
    codes = [s.code for s in view.statuses]
    assert (
        "ProvisioningState/failed/AllocationFailed" in codes and "PowerState/deallocated" in codes
    )


def test_throttling_answers_429_with_retry_after_that_the_sdk_honours(
    sandbox: Sandbox, clients: Clients
) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    # Azure's read bucket scaled down to 5 requests, refilled at one per two seconds.
    sandbox.emulator.apply_settings(Settings(page_size=5, throttle="x0.02"))
    started = time.monotonic()
    for _ in range(7):
        clients.resource.resource_groups.get("rg1")
    statuses = [r.status for r in sandbox.emulator.log if r.method == "GET"]
    assert 429 in statuses
    assert statuses[-1] == 200
    assert time.monotonic() - started >= 1.5  # the client waited out Retry-After


def test_throttle_headers_report_what_is_left(sandbox: Sandbox) -> None:
    sandbox.emulator.apply_settings(Settings(throttle="azure"))
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    token = credential(sandbox).get_token(SCOPE).token
    request = urllib.request.Request(
        f"{sandbox.endpoint}/subscriptions/{sandbox.subscription}/resourcegroups/x?api-version=1",
        data=b'{"location": "westus2"}',
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, context=context) as answer:
        assert answer.headers["x-ms-ratelimit-remaining-subscription-writes"] == "199"
    assert control.request_count() == 1


def test_injected_503s_are_retried_by_the_sdk_then_surface(sandbox: Sandbox) -> None:
    fast = Clients(sandbox, retry_backoff_factor=0.01, retry_total=2)
    sandbox.emulator.apply_settings(Settings().with_changes({"faults": "503=1.0@read"}))
    with pytest.raises(HttpResponseError) as caught:
        fast.resource.resource_groups.get("rg1")
    assert caught.value.status_code == 503
    assert [r.status for r in sandbox.emulator.log] == [503, 503, 503]


def test_arm_validation_on_create(sandbox: Sandbox, clients: Clients) -> None:
    subnet = network(clients)
    with pytest.raises(HttpResponseError, match="NetcfgSubnetRangeOutsideVnet"):
        clients.network.virtual_networks.begin_create_or_update(
            "rg1",
            "vnet2",
            {
                "location": "westus2",
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                    "subnets": [{"name": "a", "properties": {"addressPrefix": "10.2.0.0/24"}}],
                },
            },
        ).result()
    nic_id = nic(clients, subnet)
    with pytest.raises(HttpResponseError, match="15 characters"):
        clients.compute.virtual_machines.begin_create_or_update(
            "rg1", "domaincontroller01", vm_body(nic_id, WIN, name="domaincontroller01")
        ).result()
    with pytest.raises(HttpResponseError, match="linuxConfiguration"):
        clients.compute.virtual_machines.begin_create_or_update(
            "rg1", "vm1", vm_body(nic_id, WIN, linuxConfiguration={})
        ).result()
    with pytest.raises(HttpResponseError, match="windowsConfiguration"):
        clients.compute.virtual_machines.begin_create_or_update(
            "rg1", "vm1", vm_body(nic_id, LINUX, windowsConfiguration={})
        ).result()
    with pytest.raises(HttpResponseError, match="same region"):
        nic(clients, subnet, name="nic-east", location="eastus")
    with pytest.raises(HttpResponseError, match="InUseSubnetCannotBeDeleted"):
        clients.network.virtual_networks.begin_delete("rg1", "vnet1").result()
    body = {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    clients.storage.storage_accounts.begin_create("rg1", "stlab01", body).result()
    clients.resource.resource_groups.create_or_update("rg2", {"location": "westus2"})
    with pytest.raises(HttpResponseError, match="StorageAccountAlreadyTaken"):
        clients.storage.storage_accounts.begin_create("rg2", "stlab01", body).result()


def test_snapshot_restore_and_persistence(
    sandbox: Sandbox, clients: Clients, tmp_path: Path
) -> None:
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    clients.resource.resource_groups.create_or_update("keep", {"location": "westus2"})
    saved = control.snapshot()
    clients.resource.resource_groups.create_or_update("extra", {"location": "westus2"})
    control.restore(saved)
    assert [g.name for g in clients.resource.resource_groups.list()] == ["keep"]

    with Sandbox(data_dir=tmp_path, persist=True) as first:
        Clients(first).resource.resource_groups.create_or_update("durable", {"location": "westus2"})
    with Sandbox(data_dir=tmp_path, persist=True) as second:
        assert [g.name for g in Clients(second).resource.resource_groups.list()] == ["durable"]


def test_clock_moves_pending_operations_forward(sandbox: Sandbox, clients: Clients) -> None:
    nic_id = nic(clients, network(clients))
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=3600))
    clients.compute.virtual_machines.begin_create_or_update("rg1", "vm1", vm_body(nic_id, LINUX))
    assert power(clients) == "PowerState/starting"
    SandboxControl(sandbox.control_url, str(sandbox.ca_file)).advance_clock(3601)
    assert power(clients) == "PowerState/running"


def test_dropped_connections_surface_after_the_sdks_retries(sandbox: Sandbox) -> None:
    fast = Clients(sandbox, retry_backoff_factor=0.01, retry_total=1)
    sandbox.emulator.apply_settings(Settings().with_changes({"faults": "drop=1.0"}))
    with pytest.raises(Exception) as caught:
        fast.resource.resource_groups.get("rg1")
    assert type(caught.value).__name__ in ("ServiceRequestError", "ServiceResponseError")
    sandbox.emulator.apply_settings(Settings())
    assert fast.resource.resource_groups.check_existence("rg1") is False


def test_latency_is_added_to_every_answer(sandbox: Sandbox, clients: Clients) -> None:
    sandbox.emulator.apply_settings(Settings(latency=0.2))
    started = time.monotonic()
    clients.resource.resource_groups.check_existence("rg1")
    assert time.monotonic() - started >= 0.2
