"""pytest fixtures: one sandbox per test session, reset before each test, env wired to it.

Use in a conftest: `pytest_plugins = ["azlab.sandbox.pytest_plugin"]`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from azlab.sandbox.credential import SandboxCredential
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

TEST_SETTINGS = Settings(page_size=5)


@pytest.fixture(scope="session")
def azlab_sandbox_session() -> Iterator[Sandbox]:
    with Sandbox(TEST_SETTINGS) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(azlab_sandbox_session: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The session's sandbox, empty, with test settings, and the environment pointing at it."""
    emulator = azlab_sandbox_session.emulator
    azlab_sandbox_session.hosting.reset()
    emulator.reset()
    emulator.apply_settings(TEST_SETTINGS)
    for name, value in azlab_sandbox_session.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AZLAB_POLLING_INTERVAL", "0.02")
    yield azlab_sandbox_session
    emulator.apply_settings(TEST_SETTINGS)


def requests_matching(sandbox: Sandbox, method: str | None = None, contains: str = "") -> list[str]:
    """`METHOD path` of every logged request, optionally filtered."""
    return [
        f"{r.method} {r.path}"
        for r in sandbox.emulator.log
        if (method is None or r.method == method) and contains.lower() in r.path.lower()
    ]


def credential(sandbox: Sandbox) -> SandboxCredential:
    """A sync credential with tokens from the sandbox's identity endpoint (it accepts no other)."""
    return SandboxCredential(sandbox.identity_endpoint, sandbox.identity.secret)


class Clients:
    """The unmodified sync SDK clients, wired to a sandbox."""

    def __init__(self, sandbox: Sandbox, **options: object) -> None:
        from azure.mgmt.compute import ComputeManagementClient
        from azure.mgmt.network import NetworkManagementClient
        from azure.mgmt.resource.resources import ResourceManagementClient
        from azure.mgmt.storage import StorageManagementClient

        kwargs: dict[str, object] = {
            "base_url": sandbox.endpoint,
            "connection_verify": str(sandbox.ca_file),
            "polling_interval": 0.01,
            **options,
        }
        self.credential = credential(sandbox)
        sub = sandbox.subscription
        token = self.credential
        self.resource = ResourceManagementClient(token, sub, **kwargs)  # type: ignore[arg-type]
        self.network = NetworkManagementClient(token, sub, **kwargs)  # type: ignore[arg-type]
        self.storage = StorageManagementClient(token, sub, **kwargs)  # type: ignore[arg-type]
        self.compute = ComputeManagementClient(token, sub, **kwargs)  # type: ignore[arg-type]

    def storage_account(self, name: str, *, resource_group: str = "rg1") -> tuple[str, str]:
        """Create a storage account (and its group) through ARM: its blob endpoint and key."""
        self.resource.resource_groups.create_or_update(resource_group, {"location": "westus2"})
        self.storage.storage_accounts.begin_create(
            resource_group,
            name,
            {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
        ).result()
        return self.account_endpoint(name, resource_group=resource_group)

    def account_endpoint(self, name: str, *, resource_group: str = "rg1") -> tuple[str, str]:
        """The blob endpoint and first key of an existing storage account."""
        accounts = self.storage.storage_accounts
        endpoint = accounts.get_properties(resource_group, name).primary_endpoints.blob
        key = accounts.list_keys(resource_group, name).as_dict()["keys"][0]["value"]
        return str(endpoint), str(key)

    def blob_service(self, name: str, *, resource_group: str = "rg1", **options: Any) -> Any:
        """A BlobServiceClient on an existing account, signed with its key."""
        from azure.storage.blob import BlobServiceClient

        endpoint, key = self.account_endpoint(name, resource_group=resource_group)
        credential = {"account_name": name, "account_key": key}
        return BlobServiceClient(endpoint, credential=credential, **options)


@pytest.fixture
def clients(sandbox: Sandbox) -> Clients:
    return Clients(sandbox)
