"""`azlab scheduler status`: what is deployed, the last hosted runs, and what comes next.

The runs are read from the status blobs the hosted tick appends to (azlab/power/
tick_status.py) in the scheduler's own account, today's and yesterday's (UTC); the next
actions come from the plan's schedules (pure).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.session import AzureSession
from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan
from azlab.power.tick_status import blob_name
from azlab.schedule.forecast import next_transitions
from azlab.schedule.model import from_plan
from azlab.scheduler.deploy import DeployOptions, Preview, preview
from azlab.scheduler.names import CONTAINER, STATUS_PREFIX
from azlab.scheduler.storage import data_plane

RUNS_SHOWN = 10


@dataclass(frozen=True)
class NextAction:
    group: str
    action: str  # start or stop
    at: datetime  # UTC
    local: datetime


@dataclass
class SchedulerStatus:
    view: Preview
    deployed: bool
    runs: list[dict[str, Any]] = field(default_factory=list)  # newest last
    failures: list[dict[str, Any]] = field(default_factory=list)
    next_actions: list[NextAction] = field(default_factory=list)


def next_actions(plan: Plan, now: datetime, limit: int = 10) -> list[NextAction]:
    """Each scheduled group's coming starts and stops, soonest first."""
    found = []
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        if schedule is None:
            continue
        for event in next_transitions(from_plan(schedule), now, days=7)[:2]:
            found.append(NextAction(group.name, event.kind, event.at, event.local))
    return sorted(found, key=lambda a: (a.at, a.group))[:limit]


def parse_runs(text: str) -> list[dict[str, Any]]:
    """The status blob's lines; a torn or foreign line is skipped."""
    runs = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "at" in entry:
            runs.append(entry)
    return runs


async def _read_runs(
    session: AzureSession, view: Preview, blob: str, queue: str, now: datetime
) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    async with data_plane(session, view.names, blob, queue) as data:
        for day in (now - timedelta(days=1), now):
            client = data.blobs.get_blob_client(CONTAINER, f"{STATUS_PREFIX}{blob_name(day)}")
            try:
                body = await (await client.download_blob()).readall()
            except ResourceNotFoundError:
                continue
            runs += parse_runs(bytes(body).decode("utf-8", errors="replace"))
    return sorted(runs, key=lambda r: str(r["at"]))


async def status(
    session: AzureSession, loaded: LoadedPlan, options: DeployOptions, now: datetime
) -> SchedulerStatus:
    view = await preview(session, loaded, options)
    deployed = any(c.action.value != "create" for c in view.changes)
    result = SchedulerStatus(view, deployed, next_actions=next_actions(loaded.plan, now))
    if not deployed:
        return result
    account = await session.storage.storage_accounts.get_properties(
        view.names.resource_group, view.names.storage_account
    )
    endpoints = account.primary_endpoints
    runs = await _read_runs(session, view, str(endpoints.blob), str(endpoints.queue), now)
    result.runs = runs[-RUNS_SHOWN:]
    result.failures = [r for r in runs if not r.get("ok")][-RUNS_SHOWN:]
    return result
