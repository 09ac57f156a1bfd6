"""runbooks/function_app, zip-deployed to a Function app through ARM and the scm endpoint, ticks
the lab when the sandbox clock passes its timer."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from azure.mgmt.web import WebSiteManagementClient

from azlab.cli.main import main
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from tests.sandbox.test_web import bearer, consumption_plan, function_app, scm_url
from tests.sandbox.test_web import web as web  # the fixture

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
EVENING = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc).timestamp()  # 18:00 in Los Angeles


def function_app_package(plan: Path) -> bytes:
    """The folder as `func azure functionapp publish` zips it, with the plan next to the app."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((ROOT / "runbooks" / "function_app").iterdir()):
            if path.is_file():
                archive.write(path, path.name)
        archive.write(plan, "plan.yaml")
    return buffer.getvalue()


def test_the_deployed_app_ticks_the_lab_on_the_sandbox_clock(
    sandbox: Sandbox,
    clients: Clients,
    web: WebSiteManagementClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.set_clock(EVENING + 60)
    settings = {
        "AZLAB_TICK_SCHEDULE": "0 */5 * * * *",
        "AZURE_SUBSCRIPTION_ID": sandbox.subscription,
        "AZLAB_TICK_DEADLINE_SECONDS": "60",
    }
    function_app(web, consumption_plan(web), "azlab-ticker", **settings)
    sent = requests.post(
        f"{scm_url(web, 'azlab-ticker')}/api/zipdeploy",
        data=function_app_package(LYNC),
        headers=bearer(sandbox),
        verify=str(sandbox.ca_file),
        timeout=30,
    )
    assert sent.status_code == 200
    control.wait_hosted(60)  # the new package's process has started
    (site,) = control.hosted()
    assert site["name"] == "azlab-ticker"
    # The timer and the snooze route run; the queue trigger waits for its settings.
    assert [f["name"] for f in site["functions"]] == ["tick", "snooze"]
    assert "'%AZLAB_QUEUE_NAME%' does not resolve" in site["error"]
    control.set_clock(EVENING + 300)  # 18:05: the lab's evening stop is due
    control.wait_hosted(120)
    (run,) = control.hosted_runs()
    assert run["outcome"] == "succeeded", run
    assert run["scheduled"] == "2026-11-24T02:05:00+00:00"
    assert run["logs"] and run["logs"][-1].startswith("INFO: azlab tick: ")
    machines = clients.compute.virtual_machines
    powers = {
        vm.name: next(
            s.code
            for s in machines.instance_view("rg-lynclab-wus2", vm.name).statuses
            if s.code.startswith("PowerState")
        )
        for vm in machines.list("rg-lynclab-wus2")
    }
    assert set(powers.values()) == {"PowerState/deallocated"}, powers
