"""Long-running operations answer as the REST specs and Azure do, read through the SDK's pipeline.

Each exchange is sent with the client's own `send_request` (its credential and
TLS settings), so what is checked is the raw answer: status, headers, body.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest, HttpResponse

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.sandbox.test_arm_protocol import LINUX, network, nic, vm_body

COMPUTE_API = "2024-11-01"
DISK_API = "2025-01-02"


def send(c: Clients, method: str, url: str, body: Any = None) -> HttpResponse:
    request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
    return c.compute.send_request(request)


def arm(sandbox: Sandbox, path: str, api: str) -> str:
    return f"{sandbox.endpoint}/subscriptions/{sandbox.subscription}{path}?api-version={api}"


def clock(sandbox: Sandbox) -> SandboxControl:
    return SandboxControl(sandbox.control_url, str(sandbox.ca_file))


def iso(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, text
    return parsed


def operation_urls(answer: HttpResponse, sandbox: Sandbox, collection: str) -> tuple[str, str]:
    status, result = answer.headers["Azure-AsyncOperation"], answer.headers["Location"]
    base = (
        f"{sandbox.endpoint}/subscriptions/{sandbox.subscription}"
        f"/providers/Microsoft.Compute/locations/westus2/{collection}/"
    )
    assert re.fullmatch(re.escape(base) + r"[0-9a-f]+\?api-version=[-0-9]+", status), status
    assert result == status.replace("?api-version", "?monitor=true&api-version"), result
    return status, result


def test_vm_put_final_state_is_the_vm_at_its_location(sandbox: Sandbox, clients: Clients) -> None:
    nic_id = nic(clients, network(clients))
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=5))
    vm_url = arm(
        sandbox, "/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1", COMPUTE_API
    )
    created = send(clients, "PUT", vm_url, vm_body(nic_id, LINUX))
    assert created.status_code == 201
    assert created.json()["properties"]["provisioningState"] == "Creating"
    assert created.headers["Retry-After"] == "5"  # whole seconds, as Azure sends them
    status_url, result_url = operation_urls(created, sandbox, "operations")

    running = send(clients, "GET", status_url)
    assert running.status_code == 200 and running.json()["status"] == "InProgress"
    assert "endTime" not in running.json()
    iso(running.json()["startTime"])
    pending = send(clients, "GET", result_url)
    assert pending.status_code == 202 and pending.headers["Location"] == result_url

    clock(sandbox).advance_clock(6)
    done = send(clients, "GET", status_url).json()
    assert done["status"] == "Succeeded" and iso(done["endTime"]) >= iso(done["startTime"])
    final = send(clients, "GET", result_url)
    assert final.status_code == 200
    assert final.json()["id"].lower() == vm_url.split("?")[0].split(sandbox.endpoint)[1].lower()
    assert final.json()["properties"]["provisioningState"] == "Succeeded"


def test_power_action_location_answers_200_when_done(sandbox: Sandbox, clients: Clients) -> None:
    nic_id = nic(clients, network(clients))
    clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", vm_body(nic_id, LINUX)
    ).result()
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.3))
    vm = "/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
    answer = send(clients, "POST", arm(sandbox, vm + "/deallocate", COMPUTE_API))
    assert answer.status_code == 202 and not answer.content
    # Under a second left: 0, "poll at your own interval", so short operations stay short.
    assert answer.headers["Retry-After"] == "0"
    _, result_url = operation_urls(answer, sandbox, "operations")
    clock(sandbox).advance_clock(1)
    final = send(clients, "GET", result_url)
    assert final.status_code == 200 and not final.content
    # The SDK's own poller reads the same answers to the end.
    clients.compute.virtual_machines.begin_start("rg1", "vm1").result()


def test_disk_put_answers_202_with_the_disk(sandbox: Sandbox, clients: Clients) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=2))
    disk = "/resourceGroups/rg1/providers/Microsoft.Compute/disks/data1"
    body = {
        "location": "West US 2",
        "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 8},
    }
    answer = send(clients, "PUT", arm(sandbox, disk, DISK_API), body)
    assert answer.status_code == 202
    assert answer.json()["name"] == "data1" and answer.json()["location"] == "westus2"
    assert answer.json()["properties"]["provisioningState"] == "Updating"
    status_url, result_url = operation_urls(answer, sandbox, "DiskOperations")
    clock(sandbox).advance_clock(3)
    status = send(clients, "GET", status_url).json()
    assert status["status"] == "Succeeded"
    assert status["properties"]["output"]["properties"]["provisioningState"] == "Succeeded"
    assert send(clients, "GET", result_url).json()["name"] == "data1"
    access = clients.compute.disks.begin_grant_access(
        "rg1", "data1", {"access": "Read", "durationInSeconds": 60}
    )
    assert access.result().access_sas
    clients.compute.disks.begin_revoke_access("rg1", "data1").result()


def test_other_providers_name_their_own_operation_urls(sandbox: Sandbox, clients: Clients) -> None:
    subnet = network(clients)
    nic(clients, subnet)
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.2))
    base = f"{sandbox.endpoint}/subscriptions/{sandbox.subscription}"
    nic_url = arm(
        sandbox,
        "/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1",
        "2024-05-01",
    )
    deleted = send(clients, "DELETE", nic_url)
    assert deleted.status_code == 202
    network_ops = f"{base}/providers/Microsoft.Network/locations/westus2/"
    assert deleted.headers["Azure-AsyncOperation"].startswith(network_ops + "operations/")
    assert deleted.headers["Location"].startswith(network_ops + "operationResults/")

    account = "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/stlro01"
    body = {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    created = send(clients, "PUT", arm(sandbox, account, "2023-05-01"), body)
    assert created.status_code == 202 and "Azure-AsyncOperation" not in created.headers
    location = created.headers["Location"]
    assert location.startswith(
        f"{base}/providers/Microsoft.Storage/locations/westus2/asyncoperations/"
    )
    assert "monitor=true" in location
    clock(sandbox).advance_clock(1)
    assert send(clients, "GET", location).json()["name"] == "stlro01"

    removed = send(clients, "DELETE", arm(sandbox, "/resourcegroups/rg1", "2024-03-01"))
    assert removed.status_code == 202
    assert removed.headers["Location"].startswith(f"{base}/operationresults/")
    clock(sandbox).advance_clock(1)
    assert send(clients, "GET", removed.headers["Location"]).status_code == 200
    assert clients.resource.resource_groups.check_existence("rg1") is False


@pytest.mark.parametrize("display", ["West US 2", "WestUS2", "westus2"])
def test_region_display_names_are_one_region(clients: Clients, display: str) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": display})
    subnet = network(clients, location=display)
    nic_id = nic(clients, subnet, location="West US 2")
    body = vm_body(nic_id, LINUX)
    body["location"] = display
    vm = clients.compute.virtual_machines.begin_create_or_update("rg1", "vm1", body).result()
    assert vm.location == "westus2"
    assert clients.resource.resource_groups.get("rg1").location == "westus2"


def test_ids_match_without_the_leading_slash(clients: Clients) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    first = clients.compute.disks.begin_create_or_update(
        "rg1",
        "d1",
        {
            "location": "westus2",
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 4},
        },
    ).result()
    copy = clients.compute.disks.begin_create_or_update(
        "rg1",
        "d2",
        {
            "location": "westus2",
            "properties": {
                "creationData": {
                    "createOption": "Copy",
                    "sourceResourceId": first.id.lstrip("/").upper(),
                }
            },
        },
    ).result()
    assert copy.disk_size_gb == 4


def test_import_from_a_blob_no_sandbox_account_serves_is_refused(clients: Clients) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    with pytest.raises(HttpResponseError) as caught:
        clients.compute.disks.begin_create_or_update(
            "rg1",
            "imported",
            {
                "location": "westus2",
                "properties": {
                    "creationData": {
                        "createOption": "Import",
                        "sourceUri": "https://elsewhere.blob.sandbox.invalid/vhds/os.vhd",
                    }
                },
            },
        ).result()
    assert caught.value.error.code == "InvalidParameter"
    assert caught.value.error.target == "sourceUri"
