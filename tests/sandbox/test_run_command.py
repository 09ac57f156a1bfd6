"""The guest agent and Run Command, driven through the real azure-mgmt-compute client."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.sandbox.test_arm_protocol import LINUX, WIN, network, nic, vm_body


def control(sandbox: Sandbox) -> SandboxControl:
    return SandboxControl(sandbox.control_url, str(sandbox.ca_file))


def make_vm(clients: Clients, name: str = "vm1", image: dict[str, str] = LINUX) -> None:
    subnet = network(clients)
    body = vm_body(nic(clients, subnet, name=f"{name}-nic"), image, name=name)
    clients.compute.virtual_machines.begin_create_or_update("rg1", name, body).result()


def agent_status(clients: Clients, name: str) -> tuple[str, str]:
    view = clients.compute.virtual_machines.instance_view("rg1", name)
    first = view.vm_agent.statuses[0]
    return str(first.code), str(first.display_status)


def script(text: str, **props: object) -> dict[str, object]:
    return {"location": "westus2", "properties": {"source": {"script": text}, **props}}


def test_agent_is_ready_some_time_after_running_and_never_when_told(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.emulator.apply_settings(
        Settings(page_size=5, agent_ready_after=30, agent_never={"vm2"})
    )
    make_vm(clients, "vm1")
    make_vm(clients, "vm2")
    assert agent_status(clients, "vm1") == ("ProvisioningState/Unavailable", "Not Ready")
    listed = {
        vm.name: vm.instance_view.vm_agent.statuses[0].display_status
        for vm in clients.compute.virtual_machines.list_all(status_only="true")
    }
    assert listed == {"vm1": "Not Ready", "vm2": "Not Ready"}

    control(sandbox).advance_clock(31)
    assert agent_status(clients, "vm1") == ("ProvisioningState/succeeded", "Ready")
    assert agent_status(clients, "vm2")[1] == "Not Ready"
    control(sandbox).advance_clock(3600)
    assert agent_status(clients, "vm2")[1] == "Not Ready"

    # A start begins the wait again.
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm1").result()
    clients.compute.virtual_machines.begin_start("rg1", "vm1").result()
    assert agent_status(clients, "vm1")[1] == "Not Ready"


def test_action_answers_the_streams_as_azure_does(sandbox: Sandbox, clients: Clients) -> None:
    make_vm(clients, "lin1")
    make_vm(clients, "win1", WIN)
    ctl = control(sandbox)
    ctl.script_results("lin1", {"output": "ntds ok", "error": "warn"})
    ctl.script_results("win1", {"output": "Hello World!"})
    run = clients.compute.virtual_machines.begin_run_command
    linux = run("rg1", "lin1", {"commandId": "RunShellScript", "script": ["echo hi"]}).result()
    (only,) = linux.value
    assert only.code == "ProvisioningState/succeeded"
    assert only.message == "Enable succeeded: \n[stdout]\nntds ok\n[stderr]\nwarn"
    windows = run(
        "rg1", "win1", {"commandId": "RunPowerShellScript", "script": ["Write-Host Hello"]}
    ).result()
    assert [(s.code, s.message) for s in windows.value] == [
        ("ComponentStatus/StdOut/succeeded", "Hello World!"),
        ("ComponentStatus/StdErr/succeeded", ""),
    ]
    assert [r["script"] for r in ctl.script_runs()] == ["echo hi", "Write-Host Hello"]

    with pytest.raises(HttpResponseError) as wrong_shell:
        run("rg1", "win1", {"commandId": "RunShellScript", "script": ["ls"]}).result()
    assert wrong_shell.value.error.code == "InvalidParameter"


def test_one_action_at_a_time_and_none_on_a_stopped_vm(sandbox: Sandbox, clients: Clients) -> None:
    make_vm(clients)
    control(sandbox).script_results("vm1", {"hangs": True})
    vms = clients.compute.virtual_machines
    poller = vms.begin_run_command("rg1", "vm1", {"commandId": "RunShellScript", "script": ["x"]})
    assert not poller.done()
    with pytest.raises(HttpResponseError) as busy:
        vms.begin_run_command("rg1", "vm1", {"commandId": "RunShellScript", "script": ["y"]})
    assert busy.value.status_code == 409 and busy.value.error.code == "Conflict"

    vms.begin_deallocate("rg1", "vm1").result()
    with pytest.raises(HttpResponseError) as stopped:
        clients.compute.virtual_machine_run_commands.begin_create_or_update(
            "rg1", "vm1", "probe", script("true")
        )
    assert stopped.value.status_code == 409
    assert stopped.value.error.code == "OperationNotAllowed"


def test_managed_run_command_reports_exit_code_output_and_times(
    sandbox: Sandbox, clients: Clients
) -> None:
    make_vm(clients)
    ctl = control(sandbox)
    ctl.script_results(
        "vm1", {"exit_code": 3, "output": "", "error": "NTDS stopped", "seconds": 20}, name="probe"
    )
    commands = clients.compute.virtual_machine_run_commands
    # Polled by hand: the SDK's poller would wait the Retry-After (20 s) in real time.
    created = commands.begin_create_or_update(
        "rg1",
        "vm1",
        "probe",
        script("systemctl is-active ntds", timeoutInSeconds=60),
        polling=False,
    )
    assert created.result().provisioning_state == "Creating"  # lasts as long as the script
    view = commands.get_by_virtual_machine("rg1", "vm1", "probe", expand="instanceView")
    assert view.provisioning_state == "Creating"
    assert view.instance_view.execution_state == "Running" and view.instance_view.start_time
    assert view.instance_view.exit_code is None

    ctl.advance_clock(21)
    view = commands.get_by_virtual_machine("rg1", "vm1", "probe")
    assert view.provisioning_state == "Succeeded"  # the script failed; the run command ran
    view = commands.get_by_virtual_machine("rg1", "vm1", "probe", expand="instanceView")
    iv = view.instance_view
    assert (iv.execution_state, iv.exit_code, iv.error) == ("Failed", 3, "NTDS stopped")
    assert round((iv.end_time - iv.start_time).total_seconds()) == 20
    plain = commands.get_by_virtual_machine("rg1", "vm1", "probe")
    assert plain.instance_view is None and plain.source.script == "systemctl is-active ntds"
    assert [c.name for c in commands.list_by_virtual_machine("rg1", "vm1")] == ["probe"]

    commands.begin_delete("rg1", "vm1", "probe").result()
    assert list(commands.list_by_virtual_machine("rg1", "vm1")) == []


def test_managed_run_command_times_out_and_runs_again_on_put(
    sandbox: Sandbox, clients: Clients
) -> None:
    make_vm(clients)
    ctl = control(sandbox)
    ctl.script_results("vm1", {"hangs": True}, {"exit_code": 0, "output": "up"})
    commands = clients.compute.virtual_machine_run_commands
    commands.begin_create_or_update(
        "rg1", "vm1", "probe", script("sleep infinity", timeoutInSeconds=30), polling=False
    )
    ctl.advance_clock(31)
    iv = commands.get_by_virtual_machine("rg1", "vm1", "probe", expand="instanceView").instance_view
    assert iv.execution_state == "TimedOut" and iv.exit_code is None

    commands.begin_create_or_update("rg1", "vm1", "probe", script("true")).result()
    iv = commands.get_by_virtual_machine("rg1", "vm1", "probe", expand="instanceView").instance_view
    assert (iv.execution_state, iv.exit_code, iv.output) == ("Succeeded", 0, "up")
    assert len(ctl.script_runs()) == 2


def test_run_command_on_a_vm_whose_agent_is_not_ready_fails(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.emulator.apply_settings(Settings(page_size=5, agent_never={"vm1"}))
    make_vm(clients)
    poller = clients.compute.virtual_machine_run_commands.begin_create_or_update(
        "rg1", "vm1", "probe", script("true")
    )
    with pytest.raises(HttpResponseError) as failed:
        poller.result()
    assert "VMAgentStatusCommunicationError" in str(failed.value)
    assert control(sandbox).script_runs() == []
