"""Microsoft.ComputeSchedule's batch API in the sandbox, driven by the unmodified SDK client."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.computeschedule import ComputeScheduleMgmtClient

from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Faults, Settings
from tests.sandbox.test_arm_protocol import LINUX, network, nic, vm_body

REGION = "westus2"


@pytest.fixture
def schedule(sandbox: Sandbox) -> ComputeScheduleMgmtClient:
    return ComputeScheduleMgmtClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )


def vms(clients: Clients, count: int) -> list[str]:
    subnet = network(clients)
    ids = []
    for n in range(count):
        body = vm_body(nic(clients, subnet, name=f"nic{n}"), LINUX, name=f"vm{n}")
        vm = clients.compute.virtual_machines.begin_create_or_update("rg1", f"vm{n}", body).result()
        ids.append(str(vm.id))
    return ids


def request(ids: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "executionParameters": {"retryPolicy": {"retryCount": 0, "retryWindowInMinutes": 5}},
        "resources": {"ids": ids},
        "correlationid": "test-run",
        **extra,
    }


def power(clients: Clients, name: str) -> str:
    view = clients.compute.virtual_machines.instance_view("rg1", name)
    return next(s.code for s in view.statuses if s.code.startswith("PowerState/"))


def wait_done(schedule: ComputeScheduleMgmtClient, op_ids: list[str]) -> list[Any]:
    body = {"operationIds": op_ids, "correlationid": "test-run"}
    for _ in range(200):
        found = schedule.scheduled_actions.virtual_machines_get_operation_status(REGION, body)
        if all(r.operation.state in ("Succeeded", "Failed", "Cancelled") for r in found.results):
            return list(found.results)
        time.sleep(0.02)
    raise AssertionError("operations did not finish")


def test_deallocate_and_start_a_batch_take_the_operation_time(
    sandbox: Sandbox, clients: Clients, schedule: ComputeScheduleMgmtClient
) -> None:
    ids = vms(clients, 3)
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.3))
    answer = schedule.scheduled_actions.virtual_machines_execute_deallocate(REGION, request(ids))
    assert answer.location == REGION and answer.type == "VirtualMachines"
    assert [r.resource_id for r in answer.results] == ids
    assert [r.error_details for r in answer.results] == [None] * 3
    ops = [r.operation for r in answer.results]
    assert all(op.state == "Executing" and op.op_type == "Deallocate" for op in ops)
    # The VMs really are on their way, as after a per-VM call.
    assert power(clients, "vm0") == "PowerState/deallocating"
    done = wait_done(schedule, [op.operation_id for op in ops])
    assert {r.operation.state for r in done} == {"Succeeded"}
    assert all(r.operation.completed_at is not None for r in done)
    assert power(clients, "vm2") == "PowerState/deallocated"

    started = schedule.scheduled_actions.virtual_machines_execute_start(REGION, request(ids[:2]))
    wait_done(schedule, [r.operation.operation_id for r in started.results])
    assert [power(clients, f"vm{n}") for n in range(3)] == [
        "PowerState/running",
        "PowerState/running",
        "PowerState/deallocated",
    ]


def test_per_vm_outcomes_conflict_missing_and_allocation_failure(
    sandbox: Sandbox, clients: Clients, schedule: ComputeScheduleMgmtClient
) -> None:
    ids = vms(clients, 3)
    sandbox.emulator.apply_settings(
        Settings(page_size=5, op_time=0.3, faults=Faults(allocation_failed_vms=frozenset({"vm1"})))
    )
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm0")  # still in flight
    missing = ids[2].replace("vm2", "ghost")
    answer = schedule.scheduled_actions.virtual_machines_execute_deallocate(
        REGION, request([ids[0], missing, ids[2]])
    )
    conflict, absent, fine = answer.results
    assert conflict.error_code == "OperationConflict" and conflict.operation is None
    assert absent.error_code == "ResourceNotFound" and absent.operation is None
    assert fine.operation.state == "Executing"
    wait_done(schedule, [fine.operation.operation_id])

    clients.compute.virtual_machines.begin_deallocate("rg1", "vm1").result()
    failed = schedule.scheduled_actions.virtual_machines_execute_start(REGION, request([ids[1]]))
    (result,) = wait_done(schedule, [failed.results[0].operation.operation_id])
    assert result.operation.state == "Failed"
    assert result.operation.resource_operation_error.error_code == "AllocationFailed"


def start_that_fails_once(
    sandbox: Sandbox, clients: Clients, schedule: ComputeScheduleMgmtClient
) -> tuple[list[str], Any]:
    """vm0 deallocated, a batch start of it whose first attempt has failed (5 s operations,
    an allocation failure) and whose retry waits; the VM's ids and the operation."""
    ids = vms(clients, 1)
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm0").result()
    sandbox.emulator.apply_settings(
        Settings(page_size=5, op_time=5, faults=Faults(allocation_failed_vms=frozenset({"vm0"})))
    )
    body = request(
        ids, executionParameters={"retryPolicy": {"retryCount": 3, "retryWindowInMinutes": 10}}
    )
    op = (
        schedule.scheduled_actions.virtual_machines_execute_start(REGION, body).results[0].operation
    )
    sandbox.emulator.state.clock_offset += 5.1  # the first attempt fails
    return ids, op


def test_the_retry_policy_tries_a_failed_start_again_and_cancel_stops_it(
    sandbox: Sandbox, clients: Clients, schedule: ComputeScheduleMgmtClient
) -> None:
    _, op = start_that_fails_once(sandbox, clients, schedule)
    status = {"operationIds": [op.operation_id], "correlationid": "test-run"}
    found = schedule.scheduled_actions.virtual_machines_get_operation_status(REGION, status)
    assert found.results[0].operation.state == "PendingExecution"
    cancelled = schedule.scheduled_actions.virtual_machines_cancel_operations(REGION, status)
    assert cancelled.results[0].operation.state == "Cancelled"
    sandbox.emulator.state.clock_offset += 20
    found = schedule.scheduled_actions.virtual_machines_get_operation_status(REGION, status)
    assert found.results[0].operation.state == "Cancelled"
    assert power(clients, "vm0") == "PowerState/deallocated"


def test_a_reset_forgets_batch_operations_left_pending(
    sandbox: Sandbox, clients: Clients, schedule: ComputeScheduleMgmtClient
) -> None:
    """A batch operation waiting for its retry must not outlive the sandbox's reset: it
    would refuse the next test's action on a VM of the same id with OperationConflict."""
    ids, _ = start_that_fails_once(sandbox, clients, schedule)
    sandbox.emulator.reset()
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.1))
    assert vms(clients, 1) == ids
    answer = schedule.scheduled_actions.virtual_machines_execute_deallocate(REGION, request(ids))
    assert answer.results[0].error_code is None, answer.results[0].error_details
    assert answer.results[0].operation.state == "Executing"


def test_requests_are_validated(clients: Clients, schedule: ComputeScheduleMgmtClient) -> None:
    ids = vms(clients, 1)
    actions = schedule.scheduled_actions
    too_many = [ids[0]] * 101
    with pytest.raises(HttpResponseError) as caught:
        actions.virtual_machines_execute_start(REGION, request(too_many))
    assert caught.value.status_code == 400 and "at most 100" in str(caught.value)
    no_correlation = request(ids)
    del no_correlation["correlationid"]
    with pytest.raises(HttpResponseError):
        actions.virtual_machines_execute_start(REGION, no_correlation)
    wild = request(ids, executionParameters={"retryPolicy": {"retryCount": 50}})
    with pytest.raises(HttpResponseError):
        actions.virtual_machines_execute_start(REGION, wild)
    # An id from another region is refused for that VM alone.
    elsewhere = actions.virtual_machines_execute_start("eastus", request(ids))
    assert elsewhere.results[0].error_code == "ResourceLocationMismatch"


def test_registration_and_regions_gate_the_api(
    sandbox: Sandbox, clients: Clients, schedule: ComputeScheduleMgmtClient
) -> None:
    ids = vms(clients, 1)
    actions = schedule.scheduled_actions
    with pytest.raises(HttpResponseError) as caught:
        actions.virtual_machines_execute_start("ukwest", request(ids))
    assert caught.value.error.code == "LocationNotAvailableForResourceType"
    provider = clients.resource.providers.get("Microsoft.ComputeSchedule")
    offered = next(t for t in provider.resource_types if t.resource_type == "locations")
    assert "UK West" not in offered.locations and "West US 2" in offered.locations

    clients.resource.providers.unregister("Microsoft.ComputeSchedule")
    sandbox.emulator.log.clear()
    # The SDK's own pipeline registers the namespace on ARM's 409 and sends again.
    assert actions.virtual_machines_execute_start(REGION, request(ids)).results[0].operation
    seen = [(r.status, r.path.rsplit("/", 1)[-1]) for r in sandbox.emulator.log]
    assert seen[0] == (409, "virtualMachinesExecuteStart")
    assert "MissingSubscriptionRegistration" in (sandbox.emulator.log[0].reply or "")
    assert (200, "register") in seen and seen[-1] == (200, "virtualMachinesExecuteStart")


def test_its_own_throttling_answers_429_per_region(
    sandbox: Sandbox, clients: Clients, schedule: ComputeScheduleMgmtClient
) -> None:
    ids = vms(clients, 1)
    sandbox.emulator.apply_settings(Settings(page_size=5, throttle="x0.05"))  # 3 executes
    actions = schedule.scheduled_actions
    seen = []
    for _ in range(4):
        try:
            actions.virtual_machines_execute_deallocate(REGION, request(ids), retry_total=0)
            seen.append(200)
        except HttpResponseError as exc:
            seen.append(exc.status_code or 0)
            if exc.status_code == 429:
                remaining = exc.response.headers["x-ms-ratelimit-remaining-resource"]
                assert remaining.startswith("Microsoft.ComputeSchedule/")
                assert int(exc.response.headers["Retry-After"]) >= 1
    assert seen[-1] == 429 and seen.count(429) == 1
