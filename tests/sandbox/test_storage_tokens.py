"""Storage over HTTPS with bearer tokens: the data roles of the token's principal decide.

The real azure-storage-blob and azure-storage-queue clients, a token credential from
the sandbox's identity endpoint, the gateway's HTTPS endpoints, Azurite behind them.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient

from azlab.errors import UsageError
from azlab.sandbox.arm.directory import IDENTITY_OBJECT_ID
from azlab.sandbox.pytest_plugin import TEST_SETTINGS, Clients, credential
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from azlab.sandbox.storage.data_actions import blob_needs, queue_needs
from tests.sandbox.test_role_enforcement import sdk

BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
QUEUE_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
MISMATCH = "AuthorizationPermissionMismatch"


# pure parts


def test_operations_name_the_permissions_azure_names() -> None:
    blobs = "Microsoft.Storage/storageAccounts/blobServices/containers"
    queues = "Microsoft.Storage/storageAccounts/queueServices/queues"
    assert blob_needs("GET", {}, "c", "b").actions == (f"{blobs}/blobs/read",)
    assert blob_needs("PUT", {"comp": "block"}, "c", "b").actions == (f"{blobs}/blobs/write",)
    assert blob_needs("DELETE", {}, "c", "b").data
    listing = blob_needs("GET", {"restype": "container", "comp": "list"}, "c", "")
    assert listing.actions == (f"{blobs}/blobs/read",) and listing.data
    create = blob_needs("PUT", {"restype": "container"}, "c", "")
    assert create.actions == (f"{blobs}/write",) and not create.data
    assert create.scope == "blobServices/default/containers/c"
    receive = queue_needs("GET", {"numofmessages": "1"}, "q/messages")
    assert receive.actions == (f"{queues}/messages/process/action",) and receive.data
    assert queue_needs("GET", {"peekonly": "true"}, "q/messages").actions == (
        f"{queues}/messages/read",
    )
    assert f"{queues}/messages/add/action" in queue_needs("POST", {}, "q/messages").actions
    assert queue_needs("DELETE", {"popreceipt": "x"}, "q/messages/id").data
    assert queue_needs("PUT", {}, "q").actions == (f"{queues}/write",)
    assert queue_needs("PUT", {}, "q").scope == "queueServices/default/queues/q"


def test_the_tls_setting_parses_and_round_trips() -> None:
    on = Settings().with_changes({"storage_tls": "on"})
    assert on.storage.tls and on.as_dict()["storage_tls"] is True
    assert Settings().with_changes(on.as_dict()).storage.tls
    assert not on.with_changes({"storage_tls": False}).storage.tls
    with pytest.raises(UsageError, match="storage_tls 'sometimes': use on or off"):
        Settings().with_changes({"storage_tls": "sometimes"})


# with the sandbox


@pytest.fixture
def tls(sandbox: Sandbox) -> Sandbox:
    sandbox.emulator.apply_settings(TEST_SETTINGS.with_changes({"storage_tls": "on"}))
    return sandbox


def account(sandbox: Sandbox, clients: Clients, name: str) -> tuple[str, str, str]:
    """A new account: its id and its blob and queue endpoints."""
    clients.storage_account(name)
    props = clients.storage.storage_accounts.get_properties("rg1", name)
    return str(props.id), str(props.primary_endpoints.blob), str(props.primary_endpoints.queue)


def assign(sandbox: Sandbox, scope: str, role: str, principal: str = IDENTITY_OBJECT_ID) -> str:
    auth = sdk(sandbox, AuthorizationManagementClient, credential(sandbox))
    name = str(uuid.uuid4())
    auth.role_assignments.create(  # type: ignore[attr-defined]
        scope,
        name,
        {
            "role_definition_id": f"/subscriptions/{sandbox.subscription}/providers/"
            f"Microsoft.Authorization/roleDefinitions/{role}",
            "principal_id": principal,
            "principal_type": "ServicePrincipal",
        },
    )
    return name


def test_a_blob_written_and_read_with_a_token_over_https(tls: Sandbox, clients: Clients) -> None:
    scope, blob_url, _ = account(tls, clients, "tokblobs1")
    assert blob_url.startswith("https://127.0.0.1:")
    verify = str(tls.ca_file)
    with BlobServiceClient(blob_url, credential=credential(tls), connection_verify=verify) as svc:
        container = svc.get_container_client("plans")
        # Owner (what the sandbox's identity holds) lists no data actions; creating a
        # container is the account's own `write`, which it grants.
        container.create_container()
        with pytest.raises(HttpResponseError) as refused:
            container.upload_blob("plan.yaml", b"name: lab\n")
        assert refused.value.status_code == 403 and refused.value.error_code == MISMATCH
        assign(tls, scope, BLOB_READER)
        with pytest.raises(HttpResponseError) as reader:
            container.upload_blob("plan.yaml", b"name: lab\n")
        assert reader.value.error_code == MISMATCH  # a reader reads only
        assign(tls, scope, BLOB_CONTRIBUTOR)
        container.upload_blob("plan.yaml", b"name: lab\n")
        assert container.download_blob("plan.yaml").readall() == b"name: lab\n"
        assert [b.name for b in container.list_blobs()] == ["plan.yaml"]
    # Keys still work on the same endpoint, as before.
    with clients.blob_service("tokblobs1", connection_verify=verify) as keyed:
        assert keyed.get_blob_client("plans", "plan.yaml").download_blob().readall()


def test_a_queue_needs_a_queue_data_role(tls: Sandbox, clients: Clients) -> None:
    scope, _, queue_url = account(tls, clients, "tokqueues1")
    assert queue_url.startswith("https://127.0.0.1:")
    verify = str(tls.ca_file)
    with QueueServiceClient(queue_url, credential=credential(tls), connection_verify=verify) as svc:
        queue = svc.get_queue_client("actions")
        queue.create_queue()  # the account's `write`, which Owner grants
        with pytest.raises(HttpResponseError) as refused:
            queue.send_message("start core")
        assert refused.value.status_code == 403 and refused.value.error_code == MISMATCH
        assert "not authorized to perform this operation using this permission" in str(
            refused.value
        )
        assign(tls, scope, QUEUE_CONTRIBUTOR)
        queue.send_message("start core")
        (message,) = list(queue.receive_messages())
        assert message.content == "start core"
        queue.delete_message(message)
        assert queue.get_queue_properties().approximate_message_count == 0


def test_bad_tokens_and_plain_http_are_refused(tls: Sandbox, clients: Clients) -> None:
    _, blob_url, _ = account(tls, clients, "tokrefuse1")
    verify = str(tls.ca_file)
    arm_token = credential(tls).get_token("https://management.azure.com/.default").token
    answer = requests.get(
        f"{blob_url}?comp=list",
        headers={"Authorization": f"Bearer {arm_token}", "x-ms-version": "2021-08-06"},
        verify=verify,
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.headers["x-ms-error-code"] == "InvalidAuthenticationInfo"
    assert "Audience validation failed" in answer.text
    assert "resource_id=https://storage.azure.com" in answer.headers["WWW-Authenticate"]
    token = credential(tls).get_token("https://storage.azure.com/.default").token
    old = requests.get(
        f"{blob_url}?comp=list",
        headers={"Authorization": f"Bearer {token}", "x-ms-version": "2017-07-29"},
        verify=verify,
        timeout=10,
    )
    assert old.status_code == 403 and "not supported in this version" in old.text
    # With the setting off, accounts report the plain endpoints again (keys and SAS only).
    tls.emulator.apply_settings(TEST_SETTINGS)
    props = clients.storage.storage_accounts.get_properties("rg1", "tokrefuse1")
    assert str(props.primary_endpoints.blob).startswith("http://127.0.0.1:")
