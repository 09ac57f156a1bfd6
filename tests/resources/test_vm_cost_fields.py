"""Pure: a VM's Spot priority, licence and hibernation, read from Azure's JSON both ways:
as observed properties (for the diff) and as plan fields (for `azlab import`)."""

from __future__ import annotations

from typing import Any

from azlab.resources import vm


def item(**props: Any) -> dict[str, Any]:
    return {
        "name": "desk01",
        "location": "westus2",
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
            "storageProfile": {
                "imageReference": {
                    "publisher": "MicrosoftWindowsServer",
                    "offer": "WindowsServer",
                    "sku": "2022-datacenter",
                    "version": "latest",
                },
                "osDisk": {
                    "osType": "Windows",
                    "managedDisk": {"storageAccountType": "Premium_LRS"},
                },
            },
            "osProfile": {"adminUsername": "labadmin"},
            **props,
        },
    }


def test_a_spot_vm_with_a_price_licence_and_hibernation_imports_all_three() -> None:
    spot = item(
        priority="Spot",
        evictionPolicy="Deallocate",
        billingProfile={"maxPrice": 0.07},
        licenseType="Windows_Server",
        additionalCapabilities={"hibernationEnabled": True},
    )
    seen = vm.observed(spot).props
    assert (seen["priority"], seen["max_price"], seen["license_type"], seen["hibernation"]) == (
        "Spot",
        0.07,
        "Windows_Server",
        True,
    )
    entry = vm.to_plan(spot, None)
    assert {k: entry.fields.get(k) for k in ("priority", "max_price", "license", "hibernate")} == {
        "priority": "spot",
        "max_price": 0.07,
        "license": "windows_server",
        "hibernate": True,
    }
    assert entry.notes == ()


def test_a_regular_vm_imports_none_of_them_and_reads_as_the_plans_defaults() -> None:
    plain = item(licenseType="None")
    seen = vm.observed(plain).props
    assert (seen["priority"], seen["max_price"], seen["license_type"], seen["hibernation"]) == (
        "Regular",
        None,
        None,
        False,
    )
    fields = vm.to_plan(plain, None).fields
    assert not {"priority", "max_price", "license", "hibernate"} & set(fields)


def test_a_spot_vm_at_the_default_price_imports_no_price_and_odd_settings_are_noted() -> None:
    spot = item(priority="Spot", evictionPolicy="Delete", licenseType="RHEL_BYOS")
    entry = vm.to_plan(spot, None)
    assert entry.fields["priority"] == "spot" and "max_price" not in entry.fields
    assert vm.observed(spot).props["max_price"] == -1.0
    assert any("eviction policy Delete" in n for n in entry.notes)
    assert any("license type RHEL_BYOS" in n for n in entry.notes)
