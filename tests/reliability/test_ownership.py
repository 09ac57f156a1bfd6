"""Resources in the plan's resource group that the plan does not own survive every command.

Someone else's VM (with its NIC and a data disk), a disk, a public IP, an NSG, a
vNet, a container in the plan's storage account, a blob in the plan's `vhds`
container and a tag on the resource group: plan --prune, apply, apply --prune,
tick (stop and start), down and up, hold, migrate, destroy and destroy
--keep-disks run as separate processes, and after each one every unmanaged
resource is still there, byte for byte the same JSON, and the unmanaged VM in
the power state it had.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError

from azlab.reconcile.model import PLAN_TAG
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from tests.reliability.support import (
    EVENING,
    LYNC,
    MORNING,
    PASSWORD,
    Zygote,
    assert_clean_output,
    power_states,
)

RG = "rg-lynclab-wus2"
ACCOUNT, EAST = "stwus2lynclab01", "steuslynclab01"
FOREIGN_TAG = ("costcenter", "cc-4711")  # a tag someone added to the plan's group
MOVE = ["edge01", "--to-location", "eastus", "--to-subnet", "vnet-eus-10-3/edge"]
MOVE += ["--to-storage", EAST, "--yes"]


def make_unmanaged(clients: Clients) -> list[str]:
    """Someone else's resources in the plan's group, none tagged with the plan; their ids."""
    # Typed as Any: the SDK's overloads take models, and these bodies are REST JSON.
    network: Any = clients.network
    compute: Any = clients.compute
    tags = {"owner": "someone"}
    where: dict[str, Any] = {"location": "westus2", "tags": tags}
    vnet = network.virtual_networks.begin_create_or_update(
        RG,
        "vnet-someone",
        {
            **where,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.9.0.0/24"}}],
            },
        },
    ).result()
    nsg = network.network_security_groups.begin_create_or_update(
        RG,
        "nsg-someone",
        {
            **where,
            "properties": {
                "securityRules": [
                    {
                        "name": "ssh",
                        "properties": {
                            "priority": 100,
                            "direction": "Inbound",
                            "access": "Allow",
                            "protocol": "Tcp",
                            "sourceAddressPrefix": "198.51.100.0/24",
                            "sourcePortRange": "*",
                            "destinationAddressPrefix": "*",
                            "destinationPortRange": "22",
                        },
                    }
                ]
            },
        },
    ).result()
    pip = network.public_ip_addresses.begin_create_or_update(
        RG,
        "pip-someone",
        {
            **where,
            "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"},
        },
    ).result()
    # The VM's NIC sits in the plan's own vNet, so destroy must keep that vNet too.
    subnet = network.subnets.get(RG, "vnet-wus2-10-2", "core").id
    nic = network.network_interfaces.begin_create_or_update(
        RG,
        "jump01-nic",
        {
            **where,
            "properties": {
                "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": subnet}}}],
                "networkSecurityGroup": {"id": nsg.id},
            },
        },
    ).result()
    data = compute.disks.begin_create_or_update(
        RG,
        "jump01-data",
        {
            **where,
            "sku": {"name": "Standard_LRS"},
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 4},
        },
    ).result()
    loose = compute.disks.begin_create_or_update(
        RG,
        "scratch-someone",
        {
            **where,
            "sku": {"name": "StandardSSD_LRS"},
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 8},
        },
    ).result()
    vm = compute.virtual_machines.begin_create_or_update(
        RG,
        "jump01",
        {
            **where,
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_B1s"},
                "storageProfile": {
                    "imageReference": {
                        "publisher": "Canonical",
                        "offer": "o",
                        "sku": "s",
                        "version": "latest",
                    },
                    "osDisk": {"name": "jump01-os", "createOption": "FromImage"},
                    "dataDisks": [
                        {"lun": 0, "createOption": "Attach", "managedDisk": {"id": data.id}}
                    ],
                },
                "osProfile": {"adminUsername": "u", "adminPassword": "p-Someone-1"},
                "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
            },
        },
    ).result()
    os_disk = vm.storage_profile.os_disk.managed_disk.id
    return [vnet.id, nsg.id, pip.id, nic.id, data.id, loose.id, vm.id, os_disk]


def make_foreign_data(clients: Clients) -> None:
    """A container and blobs nobody told the plan about, in the plan's storage accounts:
    one in each `vhds` container, as migrate writes its VHDs and journal into East US's."""
    containers: Any = clients.storage.blob_containers
    containers.create(RG, ACCOUNT, "someones", {"properties": {}})
    service = clients.blob_service(ACCOUNT, resource_group=RG)
    service.get_blob_client("someones", "notes.txt").upload_blob(b"not azlab's\n")
    for account in (ACCOUNT, EAST):
        page = clients.blob_service(account, resource_group=RG).get_blob_client(
            "vhds", "someone.vhd"
        )
        page.create_page_blob(1024 * 1024, metadata={"owner": "someone"})
        page.upload_page(os.urandom(8192), offset=65536, length=8192)


def blob_view(clients: Clients, account: str, container: str, name: str) -> dict[str, Any] | None:
    blob = clients.blob_service(account, resource_group=RG).get_blob_client(container, name)
    try:
        props = blob.get_blob_properties()
    except ResourceNotFoundError:
        return None
    return {
        "etag": props.etag,
        "size": props.size,
        "metadata": dict(props.metadata),
        "sha256": hashlib.sha256(blob.download_blob().readall()).hexdigest(),
    }


def container_id(sandbox: Sandbox) -> str:
    account = f"/subscriptions/{sandbox.subscription}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/{ACCOUNT}"
    return f"{account}/blobServices/default/containers/someones"


def arm_view(sandbox: Sandbox, ids: list[str]) -> dict[str, Any]:
    """The sandbox's JSON of each unmanaged resource (etag included) and the VM's power."""
    state = sandbox.emulator.state
    state.settle()
    seen: dict[str, Any] = {i: copy.deepcopy(state.get(i)) for i in ids}
    seen["jump01 power"] = power_states(sandbox, RG).get("jump01")
    return seen


def data_view(sandbox: Sandbox, clients: Clients) -> dict[str, Any]:
    """The foreign container and blobs in the plan's storage account."""
    return {
        "container": copy.deepcopy(sandbox.emulator.state.get(container_id(sandbox))),
        "someones/notes.txt": blob_view(clients, ACCOUNT, "someones", "notes.txt"),
        "vhds/someone.vhd": blob_view(clients, ACCOUNT, "vhds", "someone.vhd"),
        f"{EAST}/vhds/someone.vhd": blob_view(clients, EAST, "vhds", "someone.vhd"),
    }


def group_tags(clients: Clients) -> dict[str, str]:
    return dict(clients.resource.resource_groups.get(RG).tags or {})


def plan_owned(sandbox: Sandbox) -> set[str]:
    """Names of every resource in the sandbox tagged with the plan."""
    sandbox.emulator.state.settle()
    return {
        str(r["name"])
        for r in list(sandbox.emulator.state.resources.values())
        if (r.get("tags") or {}).get(PLAN_TAG) == "lynclab"
    }


class Lab:
    """The lynclab plan applied, plus someone else's resources in its group."""

    def __init__(self, sandbox: Sandbox, clients: Clients, zygote: Zygote, tmp: Path) -> None:
        self.sandbox, self.clients, self.zygote = sandbox, clients, zygote
        self.env = {
            **os.environ,
            "LAB_ADMIN_PASSWORD": PASSWORD,
            "AZLAB_STATE_DIR": str(tmp / "state"),
        }
        self.plan = tmp / "lynclab.yaml"  # migrate rewrites the plan it is given
        self.plan.write_text(LYNC.read_text())
        self.azlab("apply", "--yes")
        self.ids = make_unmanaged(clients)
        make_foreign_data(clients)
        clients.resource.resource_groups.update(
            RG, {"tags": {**group_tags(clients), FOREIGN_TAG[0]: FOREIGN_TAG[1]}}
        )

    def azlab(self, command: str, *args: str) -> str:
        child = self.zygote.run(command, str(self.plan), *args, env=self.env)
        text = child.stdout + child.stderr
        assert child.code == 0, f"azlab {command} {' '.join(args)}: exit {child.code}\n{text}"
        assert_clean_output(child, command)
        return child.stdout

    def survives(self, command: str, *args: str, data: bool = True) -> str:
        """Run one command; assert it left every unmanaged resource exactly as it was."""
        what = f"azlab {command} {' '.join(args)}"
        before = arm_view(self.sandbox, self.ids)
        before_data = data_view(self.sandbox, self.clients) if data else {}
        out = self.azlab(command, *args)
        after = arm_view(self.sandbox, self.ids)
        for key, value in before.items():
            assert value is not None, key
            assert after[key] == value, f"{what} changed {key}:\n{value}\n->\n{after[key]}"
        if data:
            assert None not in before_data.values(), before_data
            assert data_view(self.sandbox, self.clients) == before_data, what
        assert group_tags(self.clients).get(FOREIGN_TAG[0]) == FOREIGN_TAG[1], what
        return out


@pytest.fixture
def lab(sandbox: Sandbox, clients: Clients, zygote: Zygote, tmp_path: Path) -> Lab:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    return Lab(sandbox, clients, zygote, tmp_path)


def test_unmanaged_resources_survive_every_command(lab: Lab, sandbox: Sandbox) -> None:
    managed = ("dc01", "sql01", "fe01", "edge01")
    view = json.loads(lab.survives("plan", "--prune", "--output", "json"))
    actions = {c["name"]: c["action"] for c in view["changes"]}
    for name in ("jump01", "jump01-nic", "jump01-data", "scratch-someone", "pip-someone"):
        assert actions[name] == "not-managed", (name, actions)
    assert actions["nsg-someone"] == actions["vnet-someone"] == "not-managed", actions
    # A container carries no tags: azlab cannot tell it from its own, so it never prunes one.
    assert actions[f"{ACCOUNT}/someones"] == "orphan"

    lab.survives("apply", "--yes")
    lab.survives("apply", "--yes", "--prune")

    # The unmanaged VM runs while the schedule stops everything...
    assert power_states(sandbox, RG)["jump01"] == "running"
    lab.survives("tick", "--at", EVENING)
    states = power_states(sandbox, RG)
    assert {n: states[n] for n in managed} == dict.fromkeys(managed, "deallocated")
    lab.survives("up", "core", "lync")
    lab.survives("down", "core", "lync")
    # ...and is deallocated while the schedule and `up` start everything.
    lab.clients.compute.virtual_machines.begin_deallocate(RG, "jump01").result()
    lab.survives("tick", "--at", MORNING)
    states = power_states(sandbox, RG)
    assert {n: states[n] for n in managed} == dict.fromkeys(managed, "running")
    assert states["jump01"] == "deallocated"
    lab.survives("down", "core", "lync")
    lab.survives("up", "core", "lync")
    lab.survives("hold", "core", "--for", "1h")

    lab.survives("migrate", *MOVE)
    assert lab.clients.compute.virtual_machines.get(RG, "edge01").location == "eastus"

    # destroy deletes what the plan owns (its storage accounts with whatever anyone put
    # in them); the group stays because unmanaged resources live in it, and the plan's
    # vNet stays because the unmanaged NIC uses it.
    lab.survives("destroy", "--yes", data=False)
    assert plan_owned(sandbox) == {RG, "vnet-wus2-10-2"}
    assert RG in {g.name for g in lab.clients.resource.resource_groups.list()}


def test_destroy_keep_disks_leaves_unmanaged_resources_and_owned_disks(
    lab: Lab, sandbox: Sandbox
) -> None:
    # VHDs are disks too: the storage accounts, and everyone's blobs in them, stay.
    lab.survives("destroy", "--yes", "--keep-disks")
    disks = {d.name for d in lab.clients.compute.disks.list_by_resource_group(RG)}
    assert {"dc01-osdisk", "sql01-osdisk", "sql01-data0", "edge01-osdisk"} <= disks
    assert ACCOUNT in plan_owned(sandbox)
    assert not plan_owned(sandbox) & {"dc01", "sql01", "fe01", "edge01"}
