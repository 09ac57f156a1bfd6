"""Signing in to the sandbox as Azure clients do: a managed identity endpoint, then only its tokens."""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.error
import urllib.request
from typing import Any

import jwt
import pytest
from azure.identity import ManagedIdentityCredential
from azure.identity.aio import ManagedIdentityCredential as AsyncManagedIdentityCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from azlab.azure.session import SCOPE, AzureSession, Target
from azlab.errors import CredentialError
from azlab.sandbox.arm.directory import IDENTITY_CLIENT_ID, IDENTITY_OBJECT_ID, TENANT
from azlab.sandbox.runner import Sandbox


def arm(sandbox: Sandbox, path: str, token: str | None) -> tuple[int, dict[str, str], Any]:
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"{sandbox.endpoint}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, context=context) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), json.loads(refused.read())


def identity(sandbox: Sandbox, query: str, header: str | None) -> tuple[int, Any]:
    headers = {} if header is None else {"X-IDENTITY-HEADER": header}
    request = urllib.request.Request(f"{sandbox.identity_endpoint}?{query}", headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


GROUPS = "/subscriptions/{sub}/resourcegroups?api-version=2025-04-01"


def test_azure_identitys_managed_identity_credential_signs_in(sandbox: Sandbox) -> None:
    token = ManagedIdentityCredential().get_token(SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["tid"] == TENANT and claims["oid"] == IDENTITY_OBJECT_ID
    assert claims["aud"] == "https://management.azure.com" and claims["exp"] == token.expires_on
    assert jwt.get_unverified_header(token.token)["alg"] == "RS256"
    client = ResourceManagementClient(
        ManagedIdentityCredential(),
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )
    client.resource_groups.create_or_update("rg-mi", {"location": "westus2"})
    assert [g.name for g in client.resource_groups.list()] == ["rg-mi"]


def test_the_async_credential_and_the_own_endpoint_audience(sandbox: Sandbox) -> None:
    async def fetch() -> str:
        async with AsyncManagedIdentityCredential() as credential:
            return (await credential.get_token(f"{sandbox.endpoint}/.default")).token

    token = asyncio.run(fetch())
    status, _, body = arm(sandbox, GROUPS.format(sub=sandbox.subscription), token)
    assert status == 200 and body == {"value": []}


def test_the_identity_endpoint_answers_as_app_service(sandbox: Sandbox) -> None:
    good = "api-version=2019-08-01&resource=https://management.azure.com/"
    status, body = identity(sandbox, good, sandbox.identity.secret)
    assert status == 200
    assert set(body) == {"access_token", "expires_on", "resource", "token_type", "client_id"}
    assert body["client_id"] == IDENTITY_CLIENT_ID and body["token_type"] == "Bearer"
    assert (
        isinstance(body["expires_on"], str) and body["resource"] == "https://management.azure.com/"
    )
    assert identity(sandbox, good, None)[0] == 401
    assert identity(sandbox, good, "not-the-secret")[0] == 401
    assert identity(sandbox, "api-version=2019-08-01", sandbox.identity.secret)[0] == 400
    assert identity(sandbox, good + "&client_id=someone-else", sandbox.identity.secret)[0] == 400


def test_arm_refuses_what_it_did_not_issue_as_azure_does(sandbox: Sandbox) -> None:
    path = GROUPS.format(sub=sandbox.subscription)
    status, headers, body = arm(sandbox, path, None)
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
    challenge = headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer authorization_uri="{sandbox.endpoint}/{TENANT}"')
    assert 'error="invalid_token"' in challenge and "error_description=" in challenge
    assert (
        arm(sandbox, path, "any-token-at-all")[2]["error"]["code"] == "InvalidAuthenticationToken"
    )
    # Signed by another sandbox's key: well formed, still not ours.
    with Sandbox(storage=False) as other:
        good = "api-version=2019-08-01&resource=https://management.azure.com"
        foreign = identity(other, good, other.identity.secret)[1]["access_token"]
    assert arm(sandbox, path, foreign)[0] == 401
    storage = "api-version=2019-08-01&resource=https://storage.azure.com/"
    wrong = identity(sandbox, storage, sandbox.identity.secret)[1]["access_token"]
    status, _, body = arm(sandbox, path, wrong)
    assert status == 401 and body["error"]["code"] == "InvalidAuthenticationTokenAudience"
    # Metadata is the one ARM read that needs no token.
    assert arm(sandbox, "/metadata/endpoints?api-version=2022-09-01", None)[0] == 200


def test_an_expired_token_is_refused(sandbox: Sandbox) -> None:
    token, _ = sandbox.emulator.tokens.issue(
        "https://management.azure.com/", object_id="x", client_id="y", lifetime=-1
    )
    status, headers, body = arm(sandbox, GROUPS.format(sub=sandbox.subscription), token)
    assert status == 401 and body["error"]["code"] == "ExpiredAuthenticationToken"
    assert "expired" in headers["WWW-Authenticate"]


def test_azlabs_session_signs_in_through_the_identity_endpoint(sandbox: Sandbox) -> None:
    async def groups() -> list[str]:
        async with AzureSession(Target.from_env(None)) as session:
            await session.resource.resource_groups.create_or_update("rg-s", {"location": "eastus"})
            return [g.name async for g in session.resource.resource_groups.list()]

    assert asyncio.run(groups()) == ["rg-s"]
    paths = [r.path for r in sandbox.emulator.log]
    assert all(r.status != 401 for r in sandbox.emulator.log), paths


def test_the_sandbox_target_never_falls_back_to_the_metadata_address(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IDENTITY_ENDPOINT")
    with pytest.raises(CredentialError, match="IDENTITY_ENDPOINT"):
        AzureSession(Target.from_env(None))
    monkeypatch.setenv("IDENTITY_ENDPOINT", "http://169.254.169.254/metadata/identity/oauth2/token")
    with pytest.raises(CredentialError, match="not this machine"):
        Target.from_env(None)
