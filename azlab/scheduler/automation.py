"""`--host automation`: an Automation account running runbooks/automation_runbook.py.

The account has a system-assigned identity (given the same roles as a Function App's).
azlab is one of its Python 3 packages, from a wheel of the running azlab uploaded to the
scheduler's container (Automation fetches it through a read-only SAS that expires in a
day; the SAS is never shown). The runbook is runbooks/automation_runbook.py with its
settings (the plan blob's URL, the subscription, the status folder) set at its top, as
Automation gives a runbook no app settings; it is written as the draft, then published.
An hourly schedule (Automation's shortest recurrence) is linked to it by a job schedule
whose id derives from the account, runbook and schedule, so a second deploy finds it.
There is no queue: an Automation job ticks the plan itself.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from azlab.scheduler.model import KNOWN_AFTER, Part, PartKind
from azlab.scheduler.names import SCHEDULER_TAG

if TYPE_CHECKING:
    from azlab.scheduler.desired import Context

RUNBOOK = "azlab-tick"
SCHEDULE = "azlab-tick-hourly"
PACKAGE = "azlab"
DIGEST_TAG = "azlab-sha256"  # on the package and the runbook: what was imported, published
_NAMESPACE = uuid.UUID("0f3f2a55-2f6e-4c55-8a8e-2a4f1f6c9b11")


def job_schedule_id(account_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{account_id.lower()}|{RUNBOOK}|{SCHEDULE}"))


def runbook_settings(ctx: Context) -> dict[str, str] | None:
    """What the runbook's environment needs; None until the account's endpoint is known."""
    from azlab.scheduler.desired import app_settings

    settings = app_settings(ctx)
    wanted = ("AZURE_SUBSCRIPTION_ID", "AZLAB_PLAN_URL", "AZLAB_STATUS_URL", *ctx.plain)
    chosen = {name: settings[name] for name in wanted}
    return None if KNOWN_AFTER in chosen.values() else chosen


def runbook_text(source: str, settings: dict[str, str]) -> str:
    """The runbook with its settings set first (after its `from __future__` line)."""
    lines = ["import os", ""]
    lines += [f"os.environ.setdefault({k!r}, {v!r})" for k, v in sorted(settings.items())]
    block = "\n".join(lines) + "\n"
    marker = "from __future__ import annotations\n"
    if marker in source:
        head, tail = source.split(marker, 1)
        return f"{head}{marker}\n{block}{tail}"
    return block + source


def runbook_source(runbooks: Path) -> str:
    return (runbooks / "automation_runbook.py").read_text(encoding="utf-8")


def runbook_digest(ctx: Context) -> str:
    settings = runbook_settings(ctx)
    if settings is None:
        return KNOWN_AFTER
    return hashlib.sha256(runbook_text(ctx.runbook_source, settings).encode()).hexdigest()


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
            {"tags": {**tags, DIGEST_TAG: ctx.wheel_sha256}},
        ),
        Part(
            PartKind.RUNBOOK,
            f"{names.automation_account}/{RUNBOOK}",
            f"{account}/runbooks/{RUNBOOK}",
            {"runbookType": "Python3", "tags": {**tags, DIGEST_TAG: runbook_digest(ctx)}},
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
