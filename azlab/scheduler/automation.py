"""`--host automation`: an Automation account running runbooks/automation_runbook.py.

The account has a system-assigned identity (given the same roles as a Function app's);
the runbook is Python 3 (draft content, then publish); azlab is one of the account's
Python packages; an hourly schedule (Automation's shortest recurrence) is linked to the
runbook by a job schedule whose id is derived from both, so a second deploy finds it.
The runbook reads the plan from the blob the settings name, passed as job parameters.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from azlab.scheduler.model import Part, PartKind
from azlab.scheduler.names import SCHEDULER_TAG

if TYPE_CHECKING:
    from azlab.scheduler.desired import Context

RUNBOOK = "azlab-tick"
SCHEDULE = "azlab-tick-hourly"
PACKAGE = "azlab"
_NAMESPACE = uuid.UUID("0f3f2a55-2f6e-4c55-8a8e-2a4f1f6c9b11")


def job_schedule_id(account_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{account_id.lower()}|{RUNBOOK}|{SCHEDULE}"))


def automation_parts(ctx: Context) -> list[Part]:
    names = ctx.names
    account = names.automation_id
    tags = {SCHEDULER_TAG: ctx.plan.name}
    return [
        Part(
            PartKind.AUTOMATION_ACCOUNT,
            names.automation_account,
            account,
            {
                "location": names.location,
                "sku": "Basic",
                "identity": "SystemAssigned",
                "tags": tags,
            },
        ),
        Part(
            PartKind.PYTHON_PACKAGE,
            f"{names.automation_account}/{PACKAGE}",
            f"{account}/python3Packages/{PACKAGE}",
            {"version": ctx.package_sha256[:12], "tags": tags},
        ),
        Part(
            PartKind.RUNBOOK,
            f"{names.automation_account}/{RUNBOOK}",
            f"{account}/runbooks/{RUNBOOK}",
            {"runbookType": "Python3", "content_sha256": ctx.package_sha256, "tags": tags},
        ),
        Part(
            PartKind.SCHEDULE,
            f"{names.automation_account}/{SCHEDULE}",
            f"{account}/schedules/{SCHEDULE}",
            {"frequency": "Hour", "interval": 1},
            tagged=False,
        ),
        Part(
            PartKind.JOB_SCHEDULE,
            f"{RUNBOOK} on {SCHEDULE}",
            f"{account}/jobSchedules/{job_schedule_id(account)}",
            {"runbook": RUNBOOK, "schedule": SCHEDULE},
            tagged=False,
        ),
    ]
