"""Spot, Azure Hybrid Benefit and hibernation, through the unmodified SDK, as Azure answers them."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings, parse_faults
from tests.sandbox.test_arm_protocol import LINUX, WIN, network, nic, vm_body


def _create(
    clients: Clients, name: str = "vm1", image: dict[str, str] = LINUX, **props: Any
) -> Any:
    body = vm_body(nic(clients, network(clients), f"{name}-nic"), image, name=name)
    size = props.pop("size", None)
    if size:
        body["properties"]["hardwareProfile"]["vmSize"] = size
    body["properties"].update(props)
    return clients.compute.virtual_machines.begin_create_or_update("rg1", name, body).result()


def _codes(clients: Clients, name: str = "vm1") -> list[str]:
    view = clients.compute.virtual_machines.instance_view("rg1", name)
    return [s.code for s in view.statuses]


def _refusal(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.status_code or 0, str(caught.value.error.code if caught.value.error else "")


def test_a_spot_vm_keeps_its_priority_policy_and_price(clients: Clients) -> None:
    vm = _create(clients, priority="Spot", billingProfile={"maxPrice": 0.05})
    assert (vm.priority, vm.eviction_policy, vm.billing_profile.max_price) == (
        "Spot",
        "Deallocate",
        0.05,
    )
    plain = _create(clients, "vm2")
    assert plain.priority is None and plain.billing_profile is None


def test_a_simulated_eviction_deallocates_and_the_view_says_evicted(clients: Clients) -> None:
    _create(clients, priority="Spot", evictionPolicy="Deallocate")
    vms = clients.compute.virtual_machines
    vms.simulate_eviction("rg1", "vm1")
    codes = _codes(clients)
    assert "PowerState/deallocated" in codes and "EvictionState/Evicted" in codes
    vms.begin_start("rg1", "vm1").result()
    codes = _codes(clients)
    assert "PowerState/running" in codes and "EvictionState/Evicted" not in codes


def test_only_a_spot_vm_can_be_evicted(clients: Clients) -> None:
    _create(clients)
    status, code = _refusal(
        lambda: clients.compute.virtual_machines.simulate_eviction("rg1", "vm1")
    )
    assert (status, code) == (409, "OperationNotAllowed")
    assert "PowerState/running" in _codes(clients)


def test_priority_never_changes_and_the_price_only_while_deallocated(clients: Clients) -> None:
    _create(clients, priority="Spot")
    vms = clients.compute.virtual_machines
    status, code = _refusal(
        lambda: vms.begin_update("rg1", "vm1", {"properties": {"priority": "Regular"}}).result()
    )
    assert (status, code) == (409, "PropertyChangeNotAllowed")
    price = {"properties": {"billingProfile": {"maxPrice": 0.2}}}
    status, code = _refusal(lambda: vms.begin_update("rg1", "vm1", price).result())
    assert (status, code) == (409, "PropertyChangeNotAllowed")
    vms.begin_deallocate("rg1", "vm1").result()
    assert vms.begin_update("rg1", "vm1", price).result().billing_profile.max_price == 0.2


def test_the_fault_evicts_a_started_spot_vm_after_its_delay(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.emulator.apply_settings(Settings(faults=parse_faults("evict=vm1,evict-after=10m")))
    _create(clients, priority="Spot")
    _create(clients, "vm2", priority="Spot")
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.advance_clock(599)
    assert "PowerState/running" in _codes(clients)
    control.advance_clock(2)
    assert "EvictionState/Evicted" in _codes(clients)
    assert "PowerState/running" in _codes(clients, "vm2")


def test_the_control_api_evicts_now(sandbox: Sandbox, clients: Clients) -> None:
    _create(clients, priority="Spot")
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    assert control.evict("vm1") and "PowerState/deallocated" in _codes(clients)
    assert control.evict("vm1") == []  # no longer running


def test_hibernation_only_on_sizes_that_support_it(clients: Clients) -> None:
    enabled = {"hibernationEnabled": True}
    status, code = _refusal(
        lambda: _create(clients, size="Standard_B2ms", additionalCapabilities=enabled)
    )
    assert (status, code) == (400, "BadRequest")
    vm = _create(clients, "vm2", size="Standard_D2s_v5", additionalCapabilities=enabled)
    assert vm.additional_capabilities.hibernation_enabled is True


def test_hibernating_reports_the_state_and_needs_it_enabled(clients: Clients) -> None:
    vms = clients.compute.virtual_machines
    _create(clients, size="Standard_D2s_v5", additionalCapabilities={"hibernationEnabled": True})
    vms.begin_deallocate("rg1", "vm1", hibernate=True).result()
    assert {"PowerState/deallocated", "HibernationState/Hibernated"} <= set(_codes(clients))
    vms.begin_start("rg1", "vm1").result()
    assert "HibernationState/Hibernated" not in _codes(clients)
    _create(clients, "vm2", size="Standard_D2s_v5")
    status, code = _refusal(lambda: vms.begin_deallocate("rg1", "vm2", hibernate=True).result())
    assert (status, code) == (400, "OperationNotAllowed")
    assert "PowerState/running" in _codes(clients, "vm2")


def test_hibernation_changes_only_while_deallocated(clients: Clients) -> None:
    vms = clients.compute.virtual_machines
    _create(clients, size="Standard_D2s_v5")
    enable = {"properties": {"additionalCapabilities": {"hibernationEnabled": True}}}
    status, code = _refusal(lambda: vms.begin_update("rg1", "vm1", enable).result())
    assert (status, code) == (409, "PropertyChangeNotAllowed")
    vms.begin_deallocate("rg1", "vm1").result()
    assert (
        vms.begin_update("rg1", "vm1", enable).result().additional_capabilities.hibernation_enabled
    )


def test_hybrid_benefit_is_for_windows_and_can_be_taken_away(clients: Clients) -> None:
    vm = _create(clients, image=WIN, licenseType="Windows_Server")
    assert vm.license_type == "Windows_Server"
    vms = clients.compute.virtual_machines
    updated = vms.begin_update("rg1", "vm1", {"properties": {"licenseType": "None"}}).result()
    assert updated.license_type is None
    status, code = _refusal(lambda: _create(clients, "vm2", licenseType="Windows_Server"))
    assert (status, code) == (400, "InvalidParameter")
