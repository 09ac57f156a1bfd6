"""Microsoft.DevTestLab/schedules through azure-mgmt-devtestlabs: stored, validated, fired."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox
from tests.sandbox.test_arm_protocol import LINUX, network, nic, power, vm_body

BERLIN = ZoneInfo("Europe/Berlin")


def _labs(sandbox: Sandbox) -> Any:
    from azure.mgmt.devtestlabs import DevTestLabsClient

    return DevTestLabsClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )


def _schedule(vm_id: str, time: str = "1930", zone: str = "W. Europe Standard Time") -> Any:
    return {
        "location": "westus2",
        "tags": {"azlab-plan": "lab"},
        "properties": {
            "status": "Enabled",
            "taskType": "ComputeVmShutdownTask",
            "dailyRecurrence": {"time": time},
            "timeZoneId": zone,
            "notificationSettings": {"status": "Disabled", "timeInMinutes": 30},
            "targetResourceId": vm_id,
        },
    }


def _vm(clients: Clients) -> str:
    body = vm_body(nic(clients, network(clients)), LINUX)
    return str(
        clients.compute.virtual_machines.begin_create_or_update("rg1", "vm1", body).result().id
    )


def _at(sandbox: Sandbox, local: datetime) -> SandboxControl:
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.set_clock(local.replace(tzinfo=BERLIN).timestamp())
    return control


def test_a_schedule_is_stored_listed_and_deleted(sandbox: Sandbox, clients: Clients) -> None:
    vm_id = _vm(clients)
    labs = _labs(sandbox).global_schedules
    made = labs.create_or_update("rg1", "shutdown-computevm-vm1", _schedule(vm_id))
    assert (made.daily_recurrence.time, made.time_zone_id) == ("1930", "W. Europe Standard Time")
    assert made.provisioning_state == "Succeeded" and made.target_resource_id == vm_id
    assert [s.name for s in labs.list_by_resource_group("rg1")] == ["shutdown-computevm-vm1"]
    assert [s.name for s in labs.list_by_subscription()] == ["shutdown-computevm-vm1"]
    labs.delete("rg1", "shutdown-computevm-vm1")
    with pytest.raises(ResourceNotFoundError):
        labs.get("rg1", "shutdown-computevm-vm1")


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("shutdown-computevm-other", {}),
        ("shutdown-computevm-vm1", {"timeZoneId": "Europe/Berlin"}),
        ("shutdown-computevm-vm1", {"dailyRecurrence": {"time": "19:30"}}),
        ("shutdown-computevm-vm1", {"taskType": "Reboot"}),
    ],
)
def test_azure_refuses_a_malformed_schedule(
    sandbox: Sandbox, clients: Clients, name: str, changes: dict[str, Any]
) -> None:
    body = _schedule(_vm(clients))
    body["properties"].update(changes)
    with pytest.raises(HttpResponseError) as caught:
        _labs(sandbox).global_schedules.create_or_update("rg1", name, body)
    assert caught.value.status_code == 400


def test_the_schedule_deallocates_its_vm_at_that_local_time(
    sandbox: Sandbox, clients: Clients
) -> None:
    control = _at(sandbox, datetime(2026, 3, 2, 19, 0))
    vm_id = _vm(clients)
    _labs(sandbox).global_schedules.create_or_update(
        "rg1", "shutdown-computevm-vm1", _schedule(vm_id)
    )
    control.advance_clock(29 * 60)
    assert power(clients) == "PowerState/running"
    control.advance_clock(2 * 60)
    assert power(clients) == "PowerState/deallocated"
    # Started again by hand the same evening, it stays up until the next day's 19:30.
    clients.compute.virtual_machines.begin_start("rg1", "vm1").result()
    control.advance_clock(3600)
    assert power(clients) == "PowerState/running"
    control.advance_clock(23 * 3600)
    assert power(clients) == "PowerState/deallocated"


def test_a_time_already_past_today_waits_for_tomorrow(sandbox: Sandbox, clients: Clients) -> None:
    control = _at(sandbox, datetime(2026, 3, 2, 21, 0))
    vm_id = _vm(clients)
    disabled = _schedule(vm_id)
    _labs(sandbox).global_schedules.create_or_update("rg1", "shutdown-computevm-vm1", disabled)
    control.advance_clock(60)
    assert power(clients) == "PowerState/running"
