"""Resource groups as ARM answers them: managedBy, Deleting, force deletion, filters, 404s."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.sandbox.test_arm_protocol import LINUX, network, nic, vm_body


def test_managed_by_and_tags_update(clients: Clients) -> None:
    groups = clients.resource.resource_groups
    made = groups.create_or_update(
        "rg1", {"location": "westus2", "managedBy": "/subscriptions/x/providers/Some/app"}
    )
    assert made.managed_by == "/subscriptions/x/providers/Some/app"
    assert made.properties.provisioning_state == "Succeeded"
    # `az group update --tags` sends the group back as a PATCH.
    updated = groups.update(
        "rg1",
        {
            "name": "rg1",
            "tags": {"env": "lab"},
            "managedBy": "/subscriptions/x/providers/Other/app",
        },
    )
    assert updated.tags == {"env": "lab"} and updated.location == "westus2"
    assert updated.managed_by == "/subscriptions/x/providers/Other/app"
    assert groups.get("rg1").properties.provisioning_state == "Succeeded"


def test_list_filtered_by_tag_and_top(clients: Clients) -> None:
    groups = clients.resource.resource_groups
    for i, env in enumerate(("lab", "prod", "lab")):
        groups.create_or_update(f"rg{i}", {"location": "westus2", "tags": {"env": env}})
    labs = list(groups.list(filter="tagName eq 'env' and tagValue eq 'lab'"))
    assert [g.name for g in labs] == ["rg0", "rg2"] and labs[0].tags == {"env": "lab"}
    assert len(list(groups.list(top=2))) == 2


def test_delete_shows_deleting_then_is_gone(sandbox: Sandbox, clients: Clients) -> None:
    groups = clients.resource.resource_groups
    groups.create_or_update("rg1", {"location": "westus2"})
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=2))
    poller = groups.begin_delete("rg1")
    assert groups.get("rg1").properties.provisioning_state == "Deleting"
    with pytest.raises(HttpResponseError) as caught:
        groups.create_or_update("rg1", {"location": "westus2"})
    assert (caught.value.status_code, caught.value.error.code) == (
        409,
        "ResourceGroupBeingDeleted",
    )
    poller.result()
    assert groups.check_existence("rg1") is False
    with pytest.raises(ResourceNotFoundError) as missing:
        groups.begin_delete("rg1").result()
    assert missing.value.error.code == "ResourceGroupNotFound"


def test_force_deletion_of_the_vms_in_a_group(clients: Clients) -> None:
    nic_id = nic(clients, network(clients))
    clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", vm_body(nic_id, LINUX)
    ).result()
    groups = clients.resource.resource_groups
    with pytest.raises(HttpResponseError) as caught:
        groups.begin_delete("rg1", force_deletion_types="Microsoft.Network/virtualNetworks")
    assert caught.value.status_code == 400
    groups.begin_delete("rg1", force_deletion_types="Microsoft.Compute/virtualMachines").result()
    assert groups.check_existence("rg1") is False
    assert list(clients.resource.resources.list()) == []
