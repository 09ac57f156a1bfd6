"""The outage fault's spelling, and which calls an outage reaches (pure, no server)."""

from __future__ import annotations

import pytest

from azlab.errors import UsageError
from azlab.sandbox.arm.core import State
from azlab.sandbox.arm.outage import Outages, region_of
from azlab.sandbox.settings import Faults, Outage, Settings, parse_faults

VMS = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines"


def test_an_outage_is_a_region_a_duration_and_a_mode() -> None:
    faults = parse_faults("outage=East US:10m,outage=westus2:30s@timeout,outage-retry-after=1")
    assert faults.outages == (Outage("eastus", 600, "503"), Outage("westus2", 30, "timeout"))
    assert faults.outage_retry_after == 1
    again = Settings().with_changes({"faults": faults.as_dict()}).faults
    assert again == faults


@pytest.mark.parametrize("spec", ["outage=eastus", "outage=eastus:10m@slow", "outage=:1m"])
def test_a_malformed_outage_names_the_form(spec: str) -> None:
    with pytest.raises(UsageError, match="outage=REGION:DURATION"):
        parse_faults(spec)


def test_an_outage_reaches_calls_addressed_to_its_region_only() -> None:
    state = State(Settings())
    state.put(f"{VMS}/east1", {"location": "eastus"})
    state.put(f"{VMS}/west1", {"location": "westus2"})
    assert region_of(f"{VMS}/east1/start", None, state) == "eastus"
    assert region_of(f"{VMS}/west1", None, state) == "westus2"
    assert region_of(f"{VMS}/new1", {"location": "East US"}, state) == "eastus"
    ops = "/subscriptions/s/providers/Microsoft.Compute/locations/eastus/operations/1"
    assert region_of(ops, None, state) == "eastus"
    assert region_of(VMS, None, state) is None  # a list spans regions
    network = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
    assert region_of(network, {"location": "eastus"}, state) is None


def test_an_outage_ends_on_the_sandbox_clock() -> None:
    outages = Outages()
    faults = Faults(outages=(Outage("eastus", 600),))
    outages.configure(faults, now=1000.0)
    assert outages.current("eastus", 1599.0) is not None
    assert outages.current("westus2", 1001.0) is None
    assert outages.current("eastus", 1600.0) is None
    outages.configure(faults, now=1500.0)  # the same outage set again keeps its start
    assert outages.current("eastus", 1600.0) is None
