"""The generic resource API (`az resource list/show/tag/delete`) with the unmodified SDK."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources.models import GenericResource, GenericResourceExpanded

from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from tests.sandbox.test_arm_protocol import LINUX, network, nic, vm_body

COMPUTE_API = "2024-07-01"
NETWORK_API = "2024-05-01"


def lab(c: Clients) -> str:
    """rg1 with a vnet, a NIC, a public IP and a VM; rg2 with a tagged vnet. The VM's id."""
    nic_id = nic(c, network(c))
    c.network.public_ip_addresses.begin_create_or_update(
        "rg1", "pip1", {"location": "westus2", "sku": {"name": "Standard"}, "tags": {"env": "lab"}}
    ).result()
    vm = c.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", {**vm_body(nic_id, LINUX), "tags": {"env": "lab", "owner": "ann"}}
    ).result()
    c.resource.resource_groups.create_or_update("rg2", {"location": "eastus"})
    c.network.virtual_networks.begin_create_or_update(
        "rg2",
        "vnet2",
        {
            "location": "eastus",
            "tags": {"env": "prod"},
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}},
        },
    ).result()
    return str(vm.id)


def names(items: Iterable[GenericResourceExpanded]) -> set[str]:
    return {str(r.name) for r in items}


def test_lists_per_group_and_subscription_without_children(clients: Clients) -> None:
    lab(clients)
    in_rg1 = list(clients.resource.resources.list_by_resource_group("rg1"))
    # The OS disk the VM made is listed; subnets (child resources) are not.
    assert names(in_rg1) == {"vnet1", "nic1", "pip1", "vm1", "vm1_OsDisk_1"}
    everything = names(clients.resource.resources.list())  # page size 5: two pages
    assert everything == names(in_rg1) | {"vnet2"}
    vm = next(r for r in in_rg1 if r.name == "vm1")
    assert vm.type == "Microsoft.Compute/virtualMachines" and vm.location == "westus2"
    assert vm.tags == {"env": "lab", "owner": "ann"} and vm.properties is None
    with pytest.raises(ResourceNotFoundError):
        list(clients.resource.resources.list_by_resource_group("nope"))


def test_filters_on_type_tags_names_and_top(clients: Clients) -> None:
    lab(clients)
    resources = clients.resource.resources
    vms = list(resources.list(filter="resourceType eq 'microsoft.compute/VirtualMachines'"))
    assert names(vms) == {"vm1"}
    lab_tagged = list(resources.list(filter="tagName eq 'env' and tagValue eq 'lab'"))
    assert names(lab_tagged) == {"vm1", "pip1"}
    assert all(r.tags is None for r in lab_tagged)  # as Azure: a tag filter hides the tags
    assert names(resources.list(filter="tagName eq 'ENV'")) == {"vm1", "pip1", "vnet2"}
    assert names(resources.list(filter="startswith(tagName, 'ow')")) == {"vm1"}
    assert names(resources.list(filter="substringof('vnet', name)")) == {"vnet1", "vnet2"}
    assert names(
        resources.list(
            filter="substringof('1', name) and resourceType ne 'Microsoft.Network/virtualNetworks'"
        )
    ) == {"nic1", "pip1", "vm1", "vm1_OsDisk_1"}
    assert names(resources.list(filter="location eq 'East US' or name eq 'nic1'")) == {
        "vnet2",
        "nic1",
    }
    assert len(list(resources.list(top=3))) == 3
    for wrong in ("tagName eq 'env' and resourceType eq 'x'", "color eq 'red'"):
        with pytest.raises(HttpResponseError) as caught:
            list(resources.list(filter=wrong))
        assert caught.value.status_code == 400
        assert caught.value.error.code == "InvalidFilterInQueryString"


def test_expand_adds_times_and_provisioning_state(clients: Clients) -> None:
    lab(clients)
    plain = next(iter(clients.resource.resources.list_by_resource_group("rg2")))
    assert plain.created_time is None and plain.provisioning_state is None
    expanded = next(
        iter(
            clients.resource.resources.list_by_resource_group(
                "rg2", expand="createdTime,changedTime,provisioningState"
            )
        )
    )
    assert isinstance(expanded.created_time, datetime)
    assert expanded.changed_time >= expanded.created_time
    assert expanded.provisioning_state == "Succeeded"


def test_by_id_reads_writes_and_deletes_through_the_typed_handlers(clients: Clients) -> None:
    vm_id = lab(clients)
    resources = clients.resource.resources
    got = resources.get_by_id(vm_id, api_version=COMPUTE_API)
    assert got.properties["hardwareProfile"]["vmSize"] == "Standard_B2ms"
    assert resources.check_existence_by_id(vm_id, api_version=COMPUTE_API) is True
    assert resources.check_existence_by_id(vm_id + "x", api_version=COMPUTE_API) is False
    assert resources.check_existence(
        "rg1", "Microsoft.Compute", "", "virtualMachines", "vm1", api_version=COMPUTE_API
    )

    # `az resource tag` on a VM: a PUT of what the GET answered, with the new tags (here
    # without the read-only properties, which the suite's spec check refuses to send).
    writable = {
        k: v
        for k, v in got.properties.items()
        if k not in ("provisioningState", "vmId", "timeCreated")
    }
    writable["storageProfile"]["imageReference"].pop("exactVersion", None)
    tagged = resources.begin_create_or_update_by_id(
        vm_id,
        GenericResource(location=got.location, tags={"env": "test"}, properties=writable),
        api_version=COMPUTE_API,
    ).result()
    assert tagged.tags == {"env": "test"}
    typed = clients.compute.virtual_machines.get("rg1", "vm1")
    assert typed.tags == {"env": "test"} and typed.hardware_profile.vm_size == "Standard_B2ms"

    # A generic PUT is the typed PUT: an invalid body is refused as the typed one is.
    with pytest.raises(HttpResponseError) as caught:
        resources.begin_create_or_update(
            "rg1",
            "Microsoft.Compute",
            "",
            "virtualMachines",
            "vm2",
            GenericResource(location="westus2", properties={"hardwareProfile": {}}),
            api_version=COMPUTE_API,
        ).result()
    assert caught.value.status_code == 400

    # `az resource tag` on a public IP is a PATCH, which Microsoft.Network answers.
    pip_id = vm_id.replace(
        "Microsoft.Compute/virtualMachines/vm1", "Microsoft.Network/publicIPAddresses/pip1"
    )
    patched = resources.begin_update_by_id(
        pip_id, GenericResource(tags={"tier": "web"}), api_version=NETWORK_API
    ).result()
    assert patched.tags == {"tier": "web"}
    assert clients.network.public_ip_addresses.get("rg1", "pip1").tags == {"tier": "web"}

    resources.begin_delete_by_id(vm_id, api_version=COMPUTE_API).result()
    assert resources.check_existence_by_id(vm_id, api_version=COMPUTE_API) is False
    with pytest.raises(ResourceNotFoundError):
        resources.get_by_id(vm_id, api_version=COMPUTE_API)
    with pytest.raises(ResourceNotFoundError):
        resources.begin_update_by_id(
            pip_id + "x", GenericResource(tags={}), api_version=NETWORK_API
        ).result()


def test_a_resource_list_pages_with_next_link(sandbox: Sandbox, clients: Clients) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    for i in range(7):
        clients.network.public_ip_addresses.begin_create_or_update(
            "rg1", f"pip{i}", {"location": "westus2", "sku": {"name": "Standard"}}
        ).result()
    sandbox.emulator.log.clear()
    assert names(clients.resource.resources.list_by_resource_group("rg1")) == {
        f"pip{i}" for i in range(7)
    }
    pages = [r for r in sandbox.emulator.log if r.path.endswith("/resources")]
    assert len(pages) == 2 and "$skiptoken=5" in pages[1].query
