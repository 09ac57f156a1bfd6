"""The deployed scheduler reaches its storage with its identity, held to its data roles: without
Storage Queue Data Contributor its hosted tick cannot enqueue, and the run log says why."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from azure.mgmt.authorization import AuthorizationManagementClient

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import TEST_SETTINGS, credential
from azlab.sandbox.runner import Sandbox
from azlab.scheduler.role import STORAGE_QUEUE_DATA_CONTRIBUTOR
from tests.scheduler.deployed import deploy_lynclab

EVENING = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc).timestamp()  # 18:00 in Los Angeles


def test_without_its_queue_role_the_hosted_tick_fails_with_a_permission_mismatch(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.emulator.apply_settings(TEST_SETTINGS.with_changes({"storage_tls": "on"}))
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.set_clock(EVENING + 60)
    deployed = deploy_lynclab(sandbox, monkeypatch)
    names, site, principal = deployed.names, deployed.site, deployed.principal
    # As deploy wrote them: identity-based storage, on the sandbox's HTTPS endpoints.
    settings = sandbox.emulator.web.sites.app_settings(site["id"])
    assert settings["AZLAB_PLAN_URL"].startswith("https://127.0.0.1:")
    assert settings["AZLAB_QUEUE__queueServiceUri"].startswith("https://127.0.0.1:")
    assert not any("sig=" in v or "SharedAccessSignature" in v for v in settings.values())
    auth = AuthorizationManagementClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )
    account = (
        f"/subscriptions/{sandbox.subscription}/resourceGroups/{names.resource_group}"
        f"/providers/Microsoft.Storage/storageAccounts/{names.storage_account}"
    )
    (queue_role,) = [
        a
        for a in auth.role_assignments.list_for_scope(
            account, filter=f"principalId eq '{principal}'"
        )
        if str(a.role_definition_id).endswith(STORAGE_QUEUE_DATA_CONTRIBUTOR)
    ]
    auth.role_assignments.delete_by_id(str(queue_role.id))
    control.wait_hosted(60)
    control.set_clock(EVENING + 300)  # 18:05: the evening stop is due, and is to be enqueued
    control.wait_hosted(60)
    runs = [r for r in control.hosted_runs() if r["trigger"] == "timer"]
    assert runs and all(r["outcome"] == "failed" for r in runs)
    told = runs[-1]["error"] + " ".join(runs[-1]["logs"])
    assert "not authorized to perform this operation using this permission" in told, runs[-1]
    assert "AuthorizationPermissionMismatch" in told, runs[-1]
    # The queue trigger cannot read its queue either: the site says so.
    (hosted,) = [h for h in control.hosted() if h["name"] == names.site]
    assert "AuthorizationPermissionMismatch" in hosted["error"], hosted
