"""What deploy assigns is enough for a tick, and no more: the app's own identity ticks the lab
with the deployed roles (roles enforced), and fails, saying so, once deallocate is taken away."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from azure.mgmt.authorization import AuthorizationManagementClient

from azlab.cli.main import main
from azlab.power.hosted import run_tick
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import credential
from azlab.sandbox.runner import Sandbox
from azlab.scheduler.role import OPERATOR, role_definition_id
from tests.scheduler.deployed import LYNC, deploy_lynclab

EVENING = datetime(2026, 11, 24, 2, 5, tzinfo=timezone.utc)  # 18:05 in Los Angeles
DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"


@pytest.fixture
def app_env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The tick's environment as the deployed app's identity, the plan read from its file."""
    principal = deploy_lynclab(sandbox, monkeypatch).principal
    identity = SandboxControl(sandbox.control_url, str(sandbox.ca_file)).identity(principal)
    env = {
        **sandbox.env(),
        "AZLAB_POLLING_INTERVAL": "0.02",
        "IDENTITY_ENDPOINT": identity["endpoint"],
        "IDENTITY_HEADER": identity["header"],
        "AZLAB_PLAN_FILE": str(LYNC),
        "AZLAB_TICK_DEADLINE_SECONDS": "20",
    }
    return env


def test_the_deployed_roles_let_the_app_tick_the_lab(app_env: dict[str, str]) -> None:
    report = run_tick(EVENING, env=app_env)
    assert report["ok"], json.dumps(report)
    assert set(report["results"].values()) == {"done"} and len(report["results"]) == 4


def test_without_deallocate_the_tick_fails_and_deploy_puts_the_role_back(
    sandbox: Sandbox, app_env: dict[str, str]
) -> None:
    auth = AuthorizationManagementClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )
    scope = f"/subscriptions/{sandbox.subscription}/resourceGroups/rg-lynclab-wus2"
    guid = role_definition_id(OPERATOR, "lynclab", sandbox.subscription)
    role = auth.role_definitions.get(scope, guid)
    actions = [a for a in role.permissions[0].actions if a != DEALLOCATE]
    body = role.as_dict()
    auth.role_definitions.create_or_update(
        scope,
        guid,
        {
            "properties": {
                "roleName": body["role_name"],
                "description": body["description"],
                "type": "CustomRole",
                "permissions": [{"actions": actions}],
                "assignableScopes": body["assignable_scopes"],
            }
        },
    )
    report = run_tick(EVENING, env=app_env)
    assert not report["ok"]
    results = {str(getattr(r, "value", r)) for r in report["results"].values()}
    # The first tier's stops are refused; the tiers after them wait for them.
    assert "failed" in results and "done" not in results
    # deploy sees the role drift and puts it back.
    assert main(["scheduler", "deploy", str(LYNC), "--yes", "--output", "json"]) == 0
    assert run_tick(EVENING, env=app_env)["ok"]
