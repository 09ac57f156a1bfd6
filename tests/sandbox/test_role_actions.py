"""The action a request asks for and whether roles grant it: plain data, no server."""

from __future__ import annotations

import pytest

from azlab.sandbox.arm.authorization_assignments import Grant
from azlab.sandbox.arm.authorization_check import Asked, granted, matches, requested

SUB = "/subscriptions/s1"
RG = f"{SUB}/resourceGroups/rg1"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm1"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", VM, Asked("Microsoft.Compute/virtualMachines/read", VM)),
        ("PUT", VM, Asked("Microsoft.Compute/virtualMachines/write", VM)),
        ("PATCH", VM, Asked("Microsoft.Compute/virtualMachines/write", VM)),
        ("DELETE", VM, Asked("Microsoft.Compute/virtualMachines/delete", VM)),
        ("POST", f"{VM}/start", Asked("Microsoft.Compute/virtualMachines/start/action", VM)),
        (
            "POST",
            f"{VM}/deallocate",
            Asked("Microsoft.Compute/virtualMachines/deallocate/action", VM),
        ),
        (
            "GET",
            f"{VM}/instanceView",
            Asked("Microsoft.Compute/virtualMachines/instanceView/read", VM, True),
        ),
        (
            "GET",
            f"{RG}/providers/Microsoft.Compute/virtualMachines",
            Asked("Microsoft.Compute/virtualMachines/read", RG, True),
        ),
        (
            "GET",
            f"{SUB}/providers/Microsoft.Compute/virtualMachines",
            Asked("Microsoft.Compute/virtualMachines/read", SUB, True),
        ),
        (
            "POST",
            f"{SUB}/providers/Microsoft.ComputeSchedule/locations/westus2/virtualMachinesExecuteDeallocate",
            Asked(
                "Microsoft.ComputeSchedule/locations/virtualMachinesExecuteDeallocate/action",
                f"{SUB}/providers/Microsoft.ComputeSchedule/locations/westus2",
            ),
        ),
        (
            "PATCH",
            f"{VM}/providers/Microsoft.Resources/tags/default",
            Asked("Microsoft.Resources/tags/write", VM),
        ),
        (
            "PUT",
            f"{RG}/providers/Microsoft.Authorization/roleAssignments/a1",
            Asked(
                "Microsoft.Authorization/roleAssignments/write",
                f"{RG}/providers/Microsoft.Authorization/roleAssignments/a1",
            ),
        ),
        (
            "POST",
            f"{RG}/providers/Microsoft.Web/sites/app/config/appsettings/list",
            Asked(
                "Microsoft.Web/sites/config/list/action",
                f"{RG}/providers/Microsoft.Web/sites/app/config/appsettings",
            ),
        ),
        ("GET", RG, Asked("Microsoft.Resources/subscriptions/resourceGroups/read", RG)),
        (
            "GET",
            f"{SUB}/resourcegroups",
            Asked("Microsoft.Resources/subscriptions/resourceGroups/read", SUB, True),
        ),
        ("GET", "/subscriptions", None),
        ("GET", SUB, Asked("Microsoft.Resources/subscriptions/read", SUB, True)),
        ("GET", f"{SUB}/locations", None),
        ("GET", f"{SUB}/providers/Microsoft.Compute", None),
        ("GET", f"{SUB}/providers/Microsoft.Compute/locations/westus2/operations/op1", None),
        (
            "POST",
            f"{SUB}/providers/Microsoft.Compute/register",
            Asked("Microsoft.Compute/register/action", SUB),
        ),
    ],
)
def test_the_action_a_request_asks_for(method: str, path: str, expected: Asked | None) -> None:
    assert requested(method, path) == expected


def test_wildcards_match_anywhere_and_case_blind() -> None:
    assert matches("*", "Microsoft.Compute/virtualMachines/start/action")
    assert matches("*/read", "Microsoft.Compute/virtualMachines/read")
    assert not matches("*/read", "Microsoft.Compute/virtualMachines/start/action")
    assert matches("Microsoft.Compute/virtualMachines/*", "microsoft.compute/VIRTUALMACHINES/read")
    assert matches(
        "Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"
    )
    assert not matches("Microsoft.Compute/virtualMachines/read", "Microsoft.Compute/disks/read")


def test_not_actions_subtract_within_their_block_and_scopes_inherit() -> None:
    block = {
        "actions": ["Microsoft.Compute/virtualMachines/*"],
        "notActions": ["*/deallocate/action"],
    }
    grants = [Grant(RG, (block,))]
    assert granted(grants, "Microsoft.Compute/virtualMachines/start/action", VM)
    assert not granted(grants, "Microsoft.Compute/virtualMachines/deallocate/action", VM)
    # Above the assignment's scope, or beside it: nothing.
    assert not granted(grants, "Microsoft.Compute/virtualMachines/read", SUB)
    assert not granted(
        grants, "Microsoft.Compute/virtualMachines/read", f"{SUB}/resourceGroups/rg2"
    )
    # Another role's block may grant what one block's notActions removed.
    deallocator = {"actions": ["Microsoft.Compute/virtualMachines/deallocate/action"]}
    assert granted(
        [*grants, Grant(SUB, (deallocator,))],
        "Microsoft.Compute/virtualMachines/deallocate/action",
        VM,
    )


def test_data_actions_are_apart_from_actions() -> None:
    blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
    grants = [Grant(RG, ({"actions": ["*"], "dataActions": []},))]
    assert not granted(grants, blob, RG, data=True)
    grants = [Grant(RG, ({"actions": [], "dataActions": [blob]},))]
    assert granted(grants, blob, RG, data=True) and not granted(grants, blob, RG)
