"""A VM and its instance view carry what Azure returns, read through the compute SDK's models."""

from __future__ import annotations

from datetime import datetime, timezone

from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.sandbox.test_arm_protocol import LINUX, WIN, network, nic, vm_body


def test_vm_answers_what_azure_fills_in(clients: Clients) -> None:
    subnet = network(clients)
    linux = clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", vm_body(nic(clients, subnet), LINUX)
    ).result()
    assert linux.vm_id and linux.provisioning_state == "Succeeded"
    assert abs((datetime.now(timezone.utc) - linux.time_created).total_seconds()) < 120
    assert linux.storage_profile.os_disk.caching == "ReadWrite"
    assert linux.os_profile.linux_configuration.provision_vm_agent is True
    assert linux.os_profile.linux_configuration.disable_password_authentication is False
    assert linux.os_profile.secrets == [] and linux.os_profile.admin_password is None
    assert linux.security_profile.security_type == "Standard"

    windows = clients.compute.virtual_machines.begin_create_or_update(
        "rg1", "win1", vm_body(nic(clients, subnet, name="nic2"), WIN, name="win1")
    ).result()
    assert windows.os_profile.windows_configuration.enable_automatic_updates is True
    assert windows.os_profile.linux_configuration is None


def test_instance_view_reports_agent_disks_and_times(sandbox: Sandbox, clients: Clients) -> None:
    body = vm_body(nic(clients, network(clients)), LINUX)
    body["properties"]["storageProfile"]["dataDisks"] = [
        {"lun": 0, "createOption": "Empty", "diskSizeGB": 4}
    ]
    clients.compute.virtual_machines.begin_create_or_update("rg1", "vm1", body).result()
    view = clients.compute.virtual_machines.instance_view("rg1", "vm1")
    assert view.computer_name == "vm1" and view.hyper_v_generation == "V1"
    assert view.os_name and view.vm_agent.vm_agent_version
    assert view.vm_agent.statuses[0].display_status == "Ready"
    assert [d.name for d in view.disks] == ["vm1_OsDisk_1", "vm1_disk0"]
    assert all(d.statuses[0].time is not None for d in view.disks)
    provisioning = view.statuses[0]
    assert provisioning.code == "ProvisioningState/succeeded" and provisioning.time is not None

    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.2))
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm1").result()
    stopped = clients.compute.virtual_machines.instance_view("rg1", "vm1")
    assert stopped.vm_agent.statuses[0].display_status == "Not Ready"
    assert stopped.statuses[0].time >= provisioning.time


def test_to_be_detached_detaches_the_data_disk(clients: Clients) -> None:
    body = vm_body(nic(clients, network(clients)), LINUX)
    body["properties"]["storageProfile"]["dataDisks"] = [
        {"lun": 0, "createOption": "Empty", "diskSizeGB": 4},
        {"lun": 1, "createOption": "Empty", "diskSizeGB": 4},
    ]
    vm = clients.compute.virtual_machines.begin_create_or_update("rg1", "vm1", body).result()
    disks = [
        {"lun": d.lun, "createOption": "Attach", "managedDisk": {"id": d.managed_disk.id}}
        for d in vm.storage_profile.data_disks
    ]
    disks[1]["toBeDetached"] = True
    updated = clients.compute.virtual_machines.begin_update(
        "rg1", "vm1", {"properties": {"storageProfile": {"dataDisks": disks}}}
    ).result()
    assert [d.lun for d in updated.storage_profile.data_disks] == [0]
    assert clients.compute.disks.get("rg1", "vm1_disk1").disk_state == "Unattached"
