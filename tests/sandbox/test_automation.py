"""Microsoft.Automation in the sandbox (accounts, runbooks, schedules, job schedules, Python 3
packages), driven by the unmodified azure-mgmt-automation client."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.automation import AutomationClient

from azlab.sandbox.arm.automation_accounts import AutomationChange
from azlab.sandbox.arm.automation_runbooks import next_runs
from azlab.sandbox.arm.directory import TENANT
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox

REGION = "westus2"
RUNBOOK = 'print("tick")\n'
WHEEL = "https://files.example.invalid/packages/azlab-0.9.0-py3-none-any.whl"


@pytest.fixture
def automation(sandbox: Sandbox, clients: Clients) -> AutomationClient:
    clients.resource.resource_groups.create_or_update("rg1", {"location": REGION})
    return AutomationClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
        polling_interval=0.01,
    )


def account(automation: AutomationClient, name: str = "azlab-sched") -> object:
    return automation.automation_account.create_or_update(
        "rg1",
        name,
        {
            "location": REGION,
            "identity": {"type": "SystemAssigned"},
            "properties": {"sku": {"name": "Basic"}},
        },
    )


def published_runbook(automation: AutomationClient, name: str = "tick") -> None:
    automation.runbook.create_or_update(
        "rg1",
        "azlab-sched",
        name,
        {"location": REGION, "properties": {"runbookType": "Python3", "logProgress": False}},
    )
    automation.runbook_draft.begin_replace_content("rg1", "azlab-sched", name, RUNBOOK).result()
    automation.runbook.begin_publish("rg1", "azlab-sched", name).result()


def hourly(sandbox: Sandbox, automation: AutomationClient, name: str = "hourly") -> object:
    start = datetime.fromtimestamp(sandbox.emulator.state.now() + 600, timezone.utc)
    return automation.schedule.create_or_update(
        "rg1",
        "azlab-sched",
        name,
        {
            "name": name,
            "properties": {"startTime": start.isoformat(), "frequency": "Hour", "interval": 1},
        },
    )


def test_account_with_a_system_identity(sandbox: Sandbox, automation: AutomationClient) -> None:
    made = account(automation)
    found = automation.automation_account.get("rg1", "azlab-sched")
    assert found.type == "Microsoft.Automation/AutomationAccounts"
    assert found.properties.state == "Ok" and found.properties.sku.name == "Basic"
    assert found.identity.type == "SystemAssigned" and found.identity.tenant_id == TENANT
    assert found.identity.principal_id == made.identity.principal_id  # type: ignore[attr-defined]
    # It signs in through the identity endpoint under a header of its own.
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    signed_in = control.identity(str(found.identity.principal_id))
    assert signed_in["resourceId"] == found.id and signed_in["header"] != sandbox.identity.secret
    assert [a.name for a in automation.automation_account.list_by_resource_group("rg1")] == [
        "azlab-sched"
    ]
    assert [a.name for a in automation.automation_account.list()] == ["azlab-sched"]
    automation.automation_account.delete("rg1", "azlab-sched")
    with pytest.raises(ResourceNotFoundError):
        automation.automation_account.get("rg1", "azlab-sched")


def test_runbook_draft_publish_and_content(sandbox: Sandbox, automation: AutomationClient) -> None:
    account(automation)
    automation.runbook.create_or_update(
        "rg1", "azlab-sched", "tick", {"location": REGION, "properties": {"runbookType": "Python3"}}
    )
    assert automation.runbook.get("rg1", "azlab-sched", "tick").properties.state == "New"
    with pytest.raises(HttpResponseError) as nothing:
        automation.runbook.begin_publish("rg1", "azlab-sched", "tick").result()
    assert nothing.value.status_code == 400
    automation.runbook_draft.begin_replace_content("rg1", "azlab-sched", "tick", RUNBOOK).result()
    assert "".join(automation.runbook_draft.get_content("rg1", "azlab-sched", "tick")) == RUNBOOK
    with pytest.raises(HttpResponseError) as unpublished:
        automation.runbook.get_content("rg1", "azlab-sched", "tick")
    assert unpublished.value.status_code == 404
    automation.runbook.begin_publish("rg1", "azlab-sched", "tick").result()
    assert automation.runbook.get("rg1", "azlab-sched", "tick").properties.state == "Published"
    assert "".join(automation.runbook.get_content("rg1", "azlab-sched", "tick")) == RUNBOOK
    # A new draft: in edit until published, and the published text stays as it was.
    automation.runbook_draft.begin_replace_content("rg1", "azlab-sched", "tick", "x = 1\n").result()
    assert automation.runbook.get("rg1", "azlab-sched", "tick").properties.state == "Edit"
    assert "".join(automation.runbook.get_content("rg1", "azlab-sched", "tick")) == RUNBOOK
    assert [
        r.name for r in automation.runbook.list_by_automation_account("rg1", "azlab-sched")
    ] == ["tick"]
    with pytest.raises(HttpResponseError) as bad_type:
        automation.runbook.create_or_update(
            "rg1", "azlab-sched", "bad", {"location": REGION, "properties": {"runbookType": "Bash"}}
        )
    assert bad_type.value.status_code == 400


def test_schedules_and_job_schedules(sandbox: Sandbox, automation: AutomationClient) -> None:
    made = account(automation)
    published_runbook(automation)
    schedule = hourly(sandbox, automation)
    assert schedule.properties.frequency == "Hour" and schedule.properties.is_enabled is True  # type: ignore[attr-defined]
    assert schedule.properties.next_run == schedule.properties.start_time  # type: ignore[attr-defined]
    # A schedule that exists: 409 with it unchanged, which the SDK reads as the answer.
    sandbox.emulator.state.clock_offset += 60
    again = hourly(sandbox, automation)
    assert again.properties.start_time == schedule.properties.start_time  # type: ignore[attr-defined]
    soon = datetime.fromtimestamp(sandbox.emulator.state.now() + 60, timezone.utc).isoformat()
    with pytest.raises(HttpResponseError) as too_soon:
        automation.schedule.create_or_update(
            "rg1",
            "azlab-sched",
            "soon",
            {"name": "soon", "properties": {"startTime": soon, "frequency": "OneTime"}},
        )
    assert too_soon.value.status_code == 400
    link_id = str(uuid.uuid4())
    link = automation.job_schedule.create(
        "rg1",
        "azlab-sched",
        link_id,
        {
            "properties": {
                "schedule": {"name": "hourly"},
                "runbook": {"name": "tick"},
                "parameters": {"plan": "p.yaml"},
            }
        },
    )
    assert link.properties.job_schedule_id == link_id and link.properties.runbook.name == "tick"
    with pytest.raises(HttpResponseError) as twice:
        automation.job_schedule.create(
            "rg1",
            "azlab-sched",
            str(uuid.uuid4()),
            {"properties": {"schedule": {"name": "hourly"}, "runbook": {"name": "tick"}}},
        )
    assert twice.value.status_code == 409
    with pytest.raises(HttpResponseError) as missing:
        automation.job_schedule.create(
            "rg1",
            "azlab-sched",
            str(uuid.uuid4()),
            {"properties": {"schedule": {"name": "nope"}, "runbook": {"name": "tick"}}},
        )
    assert missing.value.status_code == 404
    # What the host that runs job schedules reads.
    runbooks = sandbox.emulator.automation.runbooks
    account_id = str(made.id)  # type: ignore[attr-defined]
    [found] = runbooks.job_schedules(account_id)
    assert (found["runbook"], found["content"], found["parameters"]) == (
        "tick",
        RUNBOOK,
        {"plan": "p.yaml"},
    )
    start = datetime.fromisoformat(found["schedule"]["properties"]["startTime"]).timestamp()
    assert next_runs(found["schedule"], start, 3) == [start, start + 3600, start + 7200]
    # Deleting the schedule takes its job schedule with it.
    automation.schedule.delete("rg1", "azlab-sched", "hourly")
    assert list(automation.job_schedule.list_by_automation_account("rg1", "azlab-sched")) == []


def test_python3_packages_are_recorded_never_fetched(
    sandbox: Sandbox, automation: AutomationClient
) -> None:
    made = account(automation)
    changes: list[AutomationChange] = []
    accounts = sandbox.emulator.automation.accounts
    accounts.subscribe(changes.append)
    try:
        package = automation.python3_package.create_or_update(
            "rg1", "azlab-sched", "azlab", {"properties": {"contentLink": {"uri": WHEEL}}}
        )
        assert package.properties.provisioning_state == "Succeeded"
        assert package.properties.version == "0.9.0"
        account_id = str(made.id)  # type: ignore[attr-defined]
        assert accounts.packages(account_id) == [
            {"name": "azlab", "version": "0.9.0", "uri": WHEEL}
        ]
        assert changes == [AutomationChange(account_id, "package", "azlab")]
        with pytest.raises(HttpResponseError) as no_link:
            automation.python3_package.create_or_update(
                "rg1", "azlab-sched", "bad", {"properties": {"contentLink": {"uri": "file:///x"}}}
            )
        assert no_link.value.status_code == 400
        automation.automation_account.delete("rg1", "azlab-sched")
        assert changes[-1] == AutomationChange(account_id, "deleted")
        assert sandbox.emulator.principals.of_resource(account_id) is None
    finally:
        accounts.unsubscribe(changes.append)
