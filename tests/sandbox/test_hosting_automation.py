"""An Automation job schedule runs the published Python runbook on the sandbox clock, in a process
of its own, with the account's identity."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from azure.mgmt.automation import AutomationClient

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.runner import Sandbox
from tests.sandbox.test_automation import REGION, account
from tests.sandbox.test_automation import automation as automation  # the fixture

EVENING = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc).timestamp()

RUNBOOK = """
import datetime, os, sys
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M")
print("now", now, "args", sys.argv[1:], "identity", bool(os.environ["IDENTITY_HEADER"]))
sys.exit(3 if "fail" in sys.argv[1:] else 0)
"""


def job_schedule(automation: AutomationClient, start: float, parameters: dict[str, str]) -> None:
    automation.runbook.create_or_update(
        "rg1",
        "azlab-sched",
        "tick",
        {"location": REGION, "properties": {"runbookType": "Python3", "logProgress": False}},
    )
    automation.runbook_draft.begin_replace_content("rg1", "azlab-sched", "tick", RUNBOOK).result()
    automation.runbook.begin_publish("rg1", "azlab-sched", "tick").result()
    automation.schedule.create_or_update(
        "rg1",
        "azlab-sched",
        "hourly",
        {
            "name": "hourly",
            "properties": {
                "startTime": datetime.fromtimestamp(start, timezone.utc).isoformat(),
                "frequency": "Hour",
                "interval": 1,
            },
        },
    )
    automation.job_schedule.create(
        "rg1",
        "azlab-sched",
        str(uuid.uuid4()),
        {
            "properties": {
                "schedule": {"name": "hourly"},
                "runbook": {"name": "tick"},
                "parameters": parameters,
            }
        },
    )


def test_job_schedule_runs_the_published_runbook_on_the_sandbox_clock(
    sandbox: Sandbox, automation: AutomationClient
) -> None:
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.set_clock(EVENING - 3600)
    account(automation)
    job_schedule(automation, EVENING, {"plan": "plan.yaml"})
    control.wait_hosted()
    (hosted,) = control.hosted()
    assert hosted["kind"] == "automation" and hosted["functions"][0]["name"] == "tick"
    assert control.hosted_runs() == []
    control.set_clock(EVENING + 5)
    control.wait_hosted()
    (run,) = control.hosted_runs()
    assert (run["app"], run["function"], run["trigger"]) == ("azlab-sched", "tick", "schedule")
    assert run["outcome"] == "succeeded" and run["scheduled"] == "2026-11-24T02:00:00+00:00"
    assert run["logs"] == ["now 2026-11-24T02:00 args ['plan.yaml'] identity True"]
    # Three hours on at once: one job, past due; a failing runbook fails the job.
    control.advance_clock(3 * 3600)
    control.wait_hosted()
    later = control.hosted_runs(1)
    assert [(r["past_due"], r["occurrences"], r["outcome"]) for r in later] == [
        (True, 3, "succeeded")
    ]


def test_a_runbook_that_exits_non_zero_fails_its_job(
    sandbox: Sandbox, automation: AutomationClient
) -> None:
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.set_clock(EVENING - 3600)
    account(automation)
    job_schedule(automation, EVENING, {"mode": "fail"})
    control.set_clock(EVENING + 5)
    control.wait_hosted()
    (run,) = control.hosted_runs()
    assert run["outcome"] == "failed" and run["error"] == "the runbook exited with 3"
