"""A managed identity's token is held to its role assignments, with the real SDK clients."""

from __future__ import annotations

import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.computeschedule import ComputeScheduleMgmtClient

from azlab.sandbox.arm.directory import IDENTITY_OBJECT_ID
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.credential import SandboxCredential
from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox
from tests.sandbox.test_arm_protocol import LINUX, network, nic, vm_body
from tests.sandbox.test_authorization import site_client
from tests.sandbox.test_web import consumption_plan, function_app, package, scm_url

VMS = "Microsoft.Compute/virtualMachines"


def sdk(sandbox: Sandbox, client: type, token: object) -> object:
    return client(
        token,
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
        polling_interval=0.01,
    )


def app_identity(sandbox: Sandbox) -> tuple[str, SandboxCredential]:
    """A Function app's system-assigned identity and a credential that signs in as it."""
    web = site_client(sandbox)
    site = function_app(web, consumption_plan(web))
    principal = str(site.identity.principal_id)  # type: ignore[attr-defined]
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    found = control.identity(principal)
    listed = [i["principalId"] for i in control.identities()]
    assert listed == [IDENTITY_OBJECT_ID, principal]
    assert found["principalId"] == principal and found["resourceId"] == site.id  # type: ignore[attr-defined]
    return principal, SandboxCredential(found["endpoint"], found["header"])


def grant(sandbox: Sandbox, principal: str, scope: str, actions: list[str]) -> None:
    auth = sdk(sandbox, AuthorizationManagementClient, credential(sandbox))
    role = str(uuid.uuid4())
    auth.role_definitions.create_or_update(  # type: ignore[attr-defined]
        scope,
        role,
        {
            "role_name": f"test {role}",
            "permissions": [{"actions": actions}],
            "assignable_scopes": [scope],
        },
    )
    auth.role_assignments.create(  # type: ignore[attr-defined]
        scope,
        str(uuid.uuid4()),
        {
            "role_definition_id": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principal_id": principal,
            "principal_type": "ServicePrincipal",
        },
    )


def subscription(sandbox: Sandbox, token: SandboxCredential) -> requests.Response:
    """GET of the sandbox's subscription, signed in as `token`'s identity."""
    bearer = token.get_token("https://management.azure.com/.default").token
    return requests.get(
        f"{sandbox.endpoint}/subscriptions/{sandbox.subscription}?api-version=2022-12-01",
        headers={"Authorization": f"Bearer {bearer}"},
        verify=str(sandbox.ca_file),
        timeout=10,
    )


def lab(clients: Clients) -> None:
    """vm1 in rg1 and vm2 in rg2, both deallocated."""
    for group, name in (("rg1", "vm1"), ("rg2", "vm2")):
        subnet = network(clients, rg=group)
        body = vm_body(nic(clients, subnet, rg=group), LINUX, name=name)
        clients.compute.virtual_machines.begin_create_or_update(group, name, body).result()
        clients.compute.virtual_machines.begin_deallocate(group, name).result()


def test_a_role_without_deallocate_refuses_deallocate_and_allows_start(
    sandbox: Sandbox, clients: Clients
) -> None:
    lab(clients)
    principal, token = app_identity(sandbox)
    rg1 = f"/subscriptions/{sandbox.subscription}/resourceGroups/rg1"
    grant(sandbox, principal, rg1, [f"{VMS}/read", f"{VMS}/start/action"])
    compute: ComputeManagementClient = sdk(sandbox, ComputeManagementClient, token)  # type: ignore[assignment]
    compute.virtual_machines.begin_start("rg1", "vm1").result()
    assert clients.compute.virtual_machines.get("rg1", "vm1", expand="instanceView")
    with pytest.raises(HttpResponseError) as refused:
        compute.virtual_machines.begin_deallocate("rg1", "vm1").result()
    assert (refused.value.status_code, refused.value.error.code) == (403, "AuthorizationFailed")
    vm1 = f"{rg1}/providers/Microsoft.Compute/virtualMachines/vm1"
    assert refused.value.error.message.endswith(
        f"with object id '{principal}' does not have authorization to perform action "
        f"'Microsoft.Compute/virtualMachines/deallocate/action' over scope '{vm1}' or the scope "
        "is invalid. If access was recently granted, please refresh your credentials."
    )
    # Reads: its group's VMs; the subscription's list shows only what it may read.
    assert [vm.name for vm in compute.virtual_machines.list("rg1")] == ["vm1"]
    assert [vm.name for vm in compute.virtual_machines.list_all(status_only="true")] == ["vm1"]
    for denied in (
        lambda: list(compute.virtual_machines.list("rg2")),
        lambda: compute.virtual_machines.get("rg2", "vm2"),
        lambda: compute.virtual_machines.begin_start("rg2", "vm2").result(),
        lambda: compute.virtual_machines.begin_delete("rg1", "vm1").result(),
    ):
        with pytest.raises(HttpResponseError) as outside:
            denied()
        assert outside.value.status_code == 403
    # Its subscription it may read, holding a role inside it; not a group it holds none on.
    assert subscription(sandbox, token).status_code == 200
    # The sandbox's own identity stays unrestricted.
    clients.compute.virtual_machines.begin_deallocate("rg1", "vm1").result()


def test_an_identity_without_roles_may_not_even_list(sandbox: Sandbox, clients: Clients) -> None:
    lab(clients)
    _, token = app_identity(sandbox)
    compute: ComputeManagementClient = sdk(sandbox, ComputeManagementClient, token)  # type: ignore[assignment]
    assert subscription(sandbox, token).status_code == 403
    for denied in (
        lambda: list(compute.virtual_machines.list("rg1")),
        lambda: list(compute.virtual_machines.list_all()),
    ):
        with pytest.raises(HttpResponseError) as refused:
            denied()
        assert refused.value.error.code == "AuthorizationFailed"


def test_the_batch_api_refuses_each_vm_the_role_does_not_cover(
    sandbox: Sandbox, clients: Clients
) -> None:
    lab(clients)
    principal, token = app_identity(sandbox)
    sub = f"/subscriptions/{sandbox.subscription}"
    rg1 = f"{sub}/resourceGroups/rg1"
    grant(sandbox, principal, sub, ["Microsoft.ComputeSchedule/*"])
    grant(sandbox, principal, rg1, [f"{VMS}/start/action"])
    schedule: ComputeScheduleMgmtClient = sdk(sandbox, ComputeScheduleMgmtClient, token)  # type: ignore[assignment]
    ids = [
        f"{rg1}/providers/{VMS}/vm1",
        f"{sub}/resourceGroups/rg2/providers/{VMS}/vm2",
    ]
    body = {
        "executionParameters": {"retryPolicy": {"retryCount": 0, "retryWindowInMinutes": 5}},
        "resources": {"ids": ids},
        "correlationid": "test-run",
    }
    answer = schedule.scheduled_actions.virtual_machines_execute_start("westus2", body)
    codes = [r.error_code for r in answer.results]
    assert codes == [None, "AuthorizationFailed"]
    refused = schedule.scheduled_actions.virtual_machines_execute_deallocate("westus2", body)
    assert [r.error_code for r in refused.results] == ["AuthorizationFailed"] * 2


def test_zip_deploy_needs_publish(sandbox: Sandbox, clients: Clients) -> None:
    clients.resource.resource_groups.create_or_update("rg1", {"location": "westus2"})
    _, token = app_identity(sandbox)
    scm = scm_url(site_client(sandbox), "azlab-sched-1")
    headers = {
        "Authorization": f"Bearer {token.get_token('https://management.azure.com/.default').token}"
    }
    sent = requests.post(
        f"{scm}/api/zipdeploy",
        data=package({"function_app.py": ""}),
        headers=headers,
        verify=str(sandbox.ca_file),
        timeout=10,
    )
    assert sent.status_code == 403 and sent.json()["error"]["code"] == "AuthorizationFailed"
