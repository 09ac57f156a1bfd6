"""runbooks/function_app, zip-deployed to a Function app through ARM and the scm endpoint, ticks
the lab with the site's own identity when the sandbox clock passes its timer; roles hold it."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.web import WebSiteManagementClient

from azlab.cli.main import main
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox
from tests.sandbox.test_web import bearer, consumption_plan, function_app, scm_url
from tests.sandbox.test_web import web as web  # the fixture

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
LAB_GROUP = "rg-lynclab-wus2"
EVENING = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc).timestamp()  # 18:00 in Los Angeles
DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"


def function_app_package(plan: Path) -> bytes:
    """The folder as `func azure functionapp publish` zips it, with the plan next to the app."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((ROOT / "runbooks" / "function_app").iterdir()):
            if path.is_file():
                archive.write(path, path.name)
        archive.write(plan, "plan.yaml")
    return buffer.getvalue()


# What the tick's group leases and ledger use on the lab's storage accounts.
LEASES = (
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/listKeys/action",
)


def grant_role(sandbox: Sandbox, principal: str, drop: tuple[str, ...] = ()) -> None:
    """The roles of runbooks/role.json (less `drop`) to `principal`: each on the lab's group,
    or on the subscription where its assignable scope is one."""
    roles = json.loads((ROOT / "runbooks" / "role.json").read_text())
    auth = AuthorizationManagementClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
    )
    subscription = f"/subscriptions/{sandbox.subscription}"
    for n, role in enumerate(roles if isinstance(roles, list) else [roles]):
        grouped = any("/resourceGroups/" in s for s in role["AssignableScopes"])
        scope = f"{subscription}/resourceGroups/{LAB_GROUP}" if grouped or n == 0 else subscription
        actions = list(dict.fromkeys([*role["Actions"], *(LEASES if n == 0 else ())]))
        definition = auth.role_definitions.create_or_update(
            scope,
            str(uuid.uuid4()),
            {
                "role_name": role["Name"],
                "description": role["Description"],
                "permissions": [
                    {
                        "actions": [a for a in actions if a not in drop],
                        "not_actions": role["NotActions"],
                        "data_actions": role["DataActions"],
                    }
                ],
                "assignable_scopes": [scope],
            },
        )
        auth.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            {"role_definition_id": definition.id, "principal_id": principal},
        )


def deploy_ticker(
    sandbox: Sandbox, web: WebSiteManagementClient, drop: tuple[str, ...] = ()
) -> None:
    settings = {
        "AZLAB_TICK_SCHEDULE": "0 */5 * * * *",
        "AZURE_SUBSCRIPTION_ID": sandbox.subscription,
        "AZLAB_TICK_DEADLINE_SECONDS": "30",
    }
    function_app(web, consumption_plan(web), "azlab-ticker", **settings)
    principal = web.web_apps.get("rg1", "azlab-ticker").identity.principal_id
    grant_role(sandbox, principal, drop)
    sent = requests.post(
        f"{scm_url(web, 'azlab-ticker')}/api/zipdeploy",
        data=function_app_package(LYNC),
        headers=bearer(sandbox),
        verify=str(sandbox.ca_file),
        timeout=30,
    )
    assert sent.status_code == 200


def powers(clients: Clients) -> set[str]:
    machines = clients.compute.virtual_machines
    return {
        next(
            s.code
            for s in machines.instance_view(LAB_GROUP, vm.name).statuses
            if s.code.startswith("PowerState")
        )
        for vm in machines.list(LAB_GROUP)
    }


@pytest.fixture
def lab(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> SandboxControl:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.set_clock(EVENING + 60)
    return control


def test_the_deployed_app_ticks_the_lab_on_the_sandbox_clock(
    sandbox: Sandbox, clients: Clients, web: WebSiteManagementClient, lab: SandboxControl
) -> None:
    deploy_ticker(sandbox, web)
    lab.wait_hosted(60)  # the new package's process has started
    (site,) = lab.hosted()
    assert site["name"] == "azlab-ticker"
    # The timer and the snooze route run; the queue trigger waits for its settings.
    assert [f["name"] for f in site["functions"]] == ["tick", "snooze"]
    assert "'%AZLAB_QUEUE_NAME%' does not resolve" in site["error"]
    lab.set_clock(EVENING + 300)  # 18:05: the lab's evening stop is due
    lab.wait_hosted(120)
    (run,) = lab.hosted_runs()
    assert run["outcome"] == "succeeded", run["error"]
    assert run["scheduled"] == "2026-11-24T02:05:00+00:00"
    assert run["logs"] and run["logs"][-1].startswith("INFO: azlab tick: ")
    assert powers(clients) == {"PowerState/deallocated"}


def test_a_role_without_deallocate_fails_the_hosted_tick_and_says_so(
    sandbox: Sandbox, clients: Clients, web: WebSiteManagementClient, lab: SandboxControl
) -> None:
    deploy_ticker(sandbox, web, drop=(DEALLOCATE,))
    lab.wait_hosted(60)
    lab.set_clock(EVENING + 300)
    lab.wait_hosted(120)
    (run,) = lab.hosted_runs()
    assert run["outcome"] == "failed"
    assert run["error"].startswith("RuntimeError: azlab tick: not all VMs reached their state")
    assert "AuthorizationFailed" in " ".join(run["logs"]), run["logs"]
    assert powers(clients) == {"PowerState/running"}
