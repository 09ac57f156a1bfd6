"""Microsoft.Authorization in the sandbox (role definitions, role assignments), driven by the
unmodified azure-mgmt-authorization client."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.web import WebSiteManagementClient

from azlab.sandbox.arm.directory import IDENTITY_OBJECT_ID
from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox
from tests.sandbox.test_web import consumption_plan, function_app

REGION = "westus2"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
QUEUE_PROCESSOR = "8a0f0c08-91a1-4084-bc3d-661d67233fed"


@pytest.fixture
def auth(sandbox: Sandbox, clients: Clients) -> AuthorizationManagementClient:
    clients.resource.resource_groups.create_or_update("rg1", {"location": REGION})
    return AuthorizationManagementClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )


def site_client(sandbox: Sandbox) -> WebSiteManagementClient:
    return WebSiteManagementClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )


def group_scope(sandbox: Sandbox, name: str = "rg1") -> str:
    return f"/subscriptions/{sandbox.subscription}/resourceGroups/{name}"


def custom_role(
    auth: AuthorizationManagementClient, scope: str, name: str = "azlab scheduler"
) -> str:
    guid = str(uuid.uuid4())
    auth.role_definitions.create_or_update(
        scope,
        guid,
        {
            "role_name": name,
            "description": "Starts and stops the lab's VMs.",
            "permissions": [
                {
                    "actions": ["Microsoft.Compute/virtualMachines/*"],
                    "not_actions": ["Microsoft.Compute/virtualMachines/delete"],
                }
            ],
            "assignable_scopes": [scope],
        },
    )
    return guid


def assign(auth: AuthorizationManagementClient, scope: str, role: str, principal: str) -> object:
    return auth.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        {
            "role_definition_id": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principal_id": principal,
            "principal_type": "ServicePrincipal",
        },
    )


def test_built_in_roles_are_listed_with_their_real_ids(
    sandbox: Sandbox, auth: AuthorizationManagementClient
) -> None:
    scope = f"/subscriptions/{sandbox.subscription}"
    roles = {r.role_name: r for r in auth.role_definitions.list(scope)}
    assert roles["Owner"].name == "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    assert roles["Contributor"].name == "b24988ac-6180-42a0-ab88-20f7382dd24c"
    assert roles["Reader"].permissions[0].actions == ["*/read"]
    assert roles["Storage Queue Data Message Processor"].name == QUEUE_PROCESSOR
    assert roles["Storage Blob Data Contributor"].permissions[0].data_actions
    assert roles["Owner"].role_type == "BuiltInRole"
    found = list(auth.role_definitions.list(scope, filter="roleName eq 'Reader'"))
    assert [r.name for r in found] == [READER]
    reader = auth.role_definitions.get(scope, READER)
    assert reader.id == f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{READER}"


def test_custom_role_lifecycle(sandbox: Sandbox, auth: AuthorizationManagementClient) -> None:
    scope = group_scope(sandbox)
    guid = custom_role(auth, scope)
    role = auth.role_definitions.get(scope, guid)
    assert role.role_name == "azlab scheduler" and role.role_type == "CustomRole"
    assert role.assignable_scopes == [scope]
    assert role.permissions[0].not_actions == ["Microsoft.Compute/virtualMachines/delete"]
    customs = list(auth.role_definitions.list(scope, filter="type eq 'CustomRole'"))
    assert [r.name for r in customs] == [guid]
    # The same name under another id: refused, as names are unique in the tenant.
    with pytest.raises(HttpResponseError) as same_name:
        custom_role(auth, scope)
    assert (same_name.value.status_code, same_name.value.error.code) == (
        409,
        "RoleDefinitionWithSameNameExists",
    )
    with pytest.raises(HttpResponseError) as built_in_name:
        custom_role(auth, scope, name="Owner")
    assert built_in_name.value.status_code == 409
    # Assigned, it cannot go; unassigned, it can.
    assignment = assign(auth, scope, guid, IDENTITY_OBJECT_ID)
    with pytest.raises(HttpResponseError) as assigned:
        auth.role_definitions.delete(scope, guid)
    assert (assigned.value.status_code, assigned.value.error.code) == (
        409,
        "RoleDefinitionHasAssignments",
    )
    auth.role_assignments.delete_by_id(assignment.id)  # type: ignore[attr-defined]
    gone = auth.role_definitions.delete(scope, guid)
    assert gone is not None and gone.name == guid
    with pytest.raises(HttpResponseError) as missing:
        auth.role_definitions.get(scope, guid)
    assert missing.value.status_code == 404


def test_role_assignment_lifecycle_and_lists(
    sandbox: Sandbox, auth: AuthorizationManagementClient
) -> None:
    scope = group_scope(sandbox)
    made = assign(auth, scope, READER, IDENTITY_OBJECT_ID)
    assert made.principal_id == IDENTITY_OBJECT_ID  # type: ignore[attr-defined]
    assert made.scope == scope and made.principal_type == "ServicePrincipal"  # type: ignore[attr-defined]
    assert made.role_definition_id.endswith(READER)  # type: ignore[attr-defined]
    got = auth.role_assignments.get(scope, made.name)  # type: ignore[attr-defined]
    assert got.id == made.id  # type: ignore[attr-defined]
    assert [a.id for a in auth.role_assignments.list_for_resource_group("rg1")] == [got.id]
    assert [a.id for a in auth.role_assignments.list_for_subscription()] == [got.id]
    listed = auth.role_assignments.list_for_scope(
        scope, filter=f"principalId eq '{IDENTITY_OBJECT_ID}'"
    )
    assert [a.id for a in listed] == [got.id]
    # At the subscription only (atScope): the group's assignment is below it, not at it.
    top = f"/subscriptions/{sandbox.subscription}"
    assert list(auth.role_assignments.list_for_scope(top, filter="atScope()")) == []
    auth.role_assignments.delete(scope, got.name)
    assert list(auth.role_assignments.list_for_resource_group("rg1")) == []
    with pytest.raises(HttpResponseError) as gone:
        auth.role_assignments.get(scope, got.name)
    assert (gone.value.status_code, gone.value.error.code) == (404, "RoleAssignmentNotFound")


def test_role_assignment_refusals(sandbox: Sandbox, auth: AuthorizationManagementClient) -> None:
    scope = group_scope(sandbox)
    assign(auth, scope, READER, IDENTITY_OBJECT_ID)
    with pytest.raises(HttpResponseError) as twice:
        assign(auth, scope, READER, IDENTITY_OBJECT_ID)
    assert (twice.value.status_code, twice.value.error.code) == (409, "RoleAssignmentExists")
    with pytest.raises(HttpResponseError) as nobody:
        assign(auth, scope, READER, str(uuid.uuid4()))
    assert (nobody.value.status_code, nobody.value.error.code) == (400, "PrincipalNotFound")
    with pytest.raises(HttpResponseError) as no_role:
        assign(auth, scope, str(uuid.uuid4()), IDENTITY_OBJECT_ID)
    assert (no_role.value.status_code, no_role.value.error.code) == (
        400,
        "RoleDefinitionDoesNotExist",
    )
    # A custom role assignable on rg1 only: not on rg2, nor on the subscription.
    guid = custom_role(auth, scope)
    sandbox_clients = Clients(sandbox)
    sandbox_clients.resource.resource_groups.create_or_update("rg2", {"location": REGION})
    for elsewhere in (group_scope(sandbox, "rg2"), f"/subscriptions/{sandbox.subscription}"):
        with pytest.raises(HttpResponseError) as outside:
            assign(auth, elsewhere, guid, IDENTITY_OBJECT_ID)
        assert outside.value.status_code == 400
        assert "not available for assignment" in outside.value.error.message
    with pytest.raises(HttpResponseError) as no_group:
        assign(auth, group_scope(sandbox, "nope"), READER, IDENTITY_OBJECT_ID)
    assert no_group.value.status_code == 404


def test_assignments_go_with_their_resource_group(
    sandbox: Sandbox, clients: Clients, auth: AuthorizationManagementClient
) -> None:
    assign(auth, group_scope(sandbox), READER, IDENTITY_OBJECT_ID)
    clients.resource.resource_groups.begin_delete("rg1").result()
    assert list(auth.role_assignments.list_for_subscription()) == []


def test_a_sites_identity_can_hold_a_role_until_the_site_goes(
    sandbox: Sandbox, auth: AuthorizationManagementClient
) -> None:
    web = site_client(sandbox)
    site = function_app(web, consumption_plan(web))
    principal = str(site.identity.principal_id)  # type: ignore[attr-defined]
    made = assign(auth, group_scope(sandbox), QUEUE_PROCESSOR, principal)
    assert made.principal_id == principal  # type: ignore[attr-defined]
    web.web_apps.delete("rg1", "azlab-sched-1")
    with pytest.raises(HttpResponseError) as gone:
        assign(auth, group_scope(sandbox), READER, principal)
    assert gone.value.error.code == "PrincipalNotFound"
    # Its assignment stays, naming an object that no longer exists, as in Azure.
    assert [a.principal_id for a in auth.role_assignments.list_for_resource_group("rg1")] == [
        principal
    ]
