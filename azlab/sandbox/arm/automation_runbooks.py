"""Runbooks (draft and published content), schedules and job schedules of an Automation account.

A new runbook is `New`; its draft content is replaced with a PUT of the text
and published with a POST, which copies the draft and makes it `Published`
(a draft changed after that makes it `Edit`). A schedule starts at least five
minutes after it is made (a PUT of one that exists is 409 and changes nothing), recurs by `frequency` (OneTime, Hour, Day, Week,
Month) and `interval`; a job schedule links one runbook to one schedule, once.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timezone

from azlab.sandbox.arm.authorization_definitions import is_guid
from azlab.sandbox.arm.automation_accounts import ACCOUNT_TYPE, Accounts, child_id
from azlab.sandbox.arm.core import ArmError, Json, State, iso_time

RUNBOOK_TYPE = f"{ACCOUNT_TYPE}/Runbooks"
SCHEDULE_TYPE = f"{ACCOUNT_TYPE}/Schedules"
JOB_SCHEDULE_TYPE = f"{ACCOUNT_TYPE}/JobSchedules"
RUNBOOK_TYPES = (
    "Script",
    "Graph",
    "PowerShellWorkflow",
    "PowerShell",
    "GraphPowerShellWorkflow",
    "GraphPowerShell",
    "PowerShell72",
    "Python2",
    "Python3",
    "Python",
)
FREQUENCIES = ("OneTime", "Day", "Hour", "Week", "Month", "Minute")
NEVER = "9999-12-31T23:59:59.9999999+00:00"
_LEAD = 300.0  # seconds a schedule's start must lie ahead of its creation
_FRACTION = re.compile(r"(\.\d+)")


def _not_found(kind: str, name: str) -> ArmError:
    return ArmError(404, "NotFound", f"The {kind} '{name}' was not found.")


def _parse_time(text: object, field: str) -> datetime:
    # Python 3.10's fromisoformat takes neither `Z` nor Azure's seven fractional digits.
    given = _FRACTION.sub(
        lambda m: "." + (m.group(1)[1:] + "000000")[:6], str(text).replace("Z", "+00:00")
    )
    try:
        found = datetime.fromisoformat(given)
    except ValueError:
        raise ArmError(
            400, "BadRequest", f"'{text}' is not a date and time.", f"properties.{field}"
        ) from None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def next_run(schedule: Json, after: float) -> float | None:
    """When the schedule fires next at or after `after` (epoch seconds), or None."""
    props = schedule["properties"]
    start = _parse_time(props["startTime"], "startTime").timestamp()
    expiry = _parse_time(props["expiryTime"], "expiryTime").timestamp()
    if not props.get("isEnabled", True):
        return None
    if start >= after:
        return start if start <= expiry else None
    frequency = props["frequency"]
    if frequency == "OneTime":
        return None
    step = {"Hour": 3600, "Day": 86400, "Week": 7 * 86400, "Minute": 60}.get(frequency)
    interval = int(props.get("interval") or 1)
    if step is None:  # Month: the same day and time `interval` months on (or the month's last)
        first = datetime.fromtimestamp(start, timezone.utc)
        moment, months = first, 0
        while moment.timestamp() < after:
            months += interval
            year, month = divmod(first.month - 1 + months, 12)
            last = calendar.monthrange(first.year + year, month + 1)[1]
            moment = first.replace(
                year=first.year + year, month=month + 1, day=min(first.day, last)
            )
        found = moment.timestamp()
    else:
        period = step * interval
        found = start + -(-(after - start) // period) * period
    return found if found <= expiry else None


class Runbooks:
    def __init__(self, state: State, accounts: Accounts) -> None:
        self.state = state
        self.accounts = accounts

    def get(self, account: Json, collection: str, name: str, kind: str) -> Json:
        found = self.state.get(child_id(account["id"], collection, name))
        if found is None:
            raise _not_found(kind, name)
        return found

    # runbooks
    def put(self, account: Json, name: str, body: Json) -> tuple[Json, bool]:
        resource_id = child_id(account["id"], "runbooks", name)
        existing = self.state.get(resource_id)
        props = body.get("properties") or {}
        kind = str(props.get("runbookType") or "")
        if kind.lower() not in {t.lower() for t in RUNBOOK_TYPES}:
            raise ArmError(
                400,
                "BadRequest",
                f"The runbook type '{kind}' is not one of {', '.join(RUNBOOK_TYPES)}.",
                "properties.runbookType",
            )
        if props.get("publishContentLink"):
            raise ArmError(
                400,
                "BadRequest",
                "publishContentLink is not emulated: the sandbox fetches nothing; replace the "
                "draft content and publish it instead.",
                "properties.publishContentLink",
            )
        now = iso_time(self.state.now())
        old = (existing or {}).get("properties", {})
        runbook: Json = {
            "id": resource_id,
            "name": name,
            "type": RUNBOOK_TYPE,
            "location": str(body.get("location") or account["location"]),
            "tags": dict(body.get("tags") or {}),
            "etag": f'"{int(self.state.now() * 10_000_000)}"',
            "properties": {
                "description": str(props.get("description") or ""),
                "logVerbose": bool(props.get("logVerbose", False)),
                "logProgress": bool(props.get("logProgress", False)),
                "logActivityTrace": int(props.get("logActivityTrace") or 0),
                "parameters": dict(old.get("parameters") or {}),
                "runbookType": next(t for t in RUNBOOK_TYPES if t.lower() == kind.lower()),
                "state": old.get("state", "New"),
                "jobCount": 0,
                "provisioningState": "Succeeded",
                "creationTime": old.get("creationTime", now),
                "lastModifiedTime": now,
                "outputTypes": [],
            },
        }
        if props.get("runtimeEnvironment"):
            runbook["properties"]["runtimeEnvironment"] = str(props["runtimeEnvironment"])
        self.state.put(resource_id, runbook)
        return runbook, existing is None

    def replace_draft(self, runbook: Json, content: str) -> None:
        self.state.extra(runbook["id"])["draft"] = content
        props = runbook["properties"]
        if props["state"] == "Published":
            props["state"] = "Edit"
        props["lastModifiedTime"] = iso_time(self.state.now())

    def draft(self, runbook: Json) -> str | None:
        found = self.state.extra(runbook["id"]).get("draft")
        return None if found is None else str(found)

    def publish(self, account: Json, runbook: Json) -> None:
        content = self.draft(runbook)
        if content is None:
            raise ArmError(
                400,
                "BadRequest",
                f"The runbook '{runbook['name']}' has no draft to publish: replace its draft "
                "content first.",
            )
        self.state.extra(runbook["id"])["published"] = content
        runbook["properties"]["state"] = "Published"
        runbook["properties"]["lastModifiedTime"] = iso_time(self.state.now())
        self.accounts.tell(account["id"], "runbook", runbook["name"])

    def published(self, runbook_id: str) -> str | None:
        """The runbook's published text, or None."""
        found = self.state.extra(runbook_id).get("published")
        return None if found is None else str(found)

    # schedules
    def put_schedule(self, account: Json, name: str, body: Json) -> tuple[Json, bool]:
        resource_id = child_id(account["id"], "schedules", name)
        existing = self.state.get(resource_id)
        if existing is not None:
            # Azure answers a PUT of a schedule that exists with 409 and changes nothing
            # (the spec lists 409 with a schedule; the SDK reads it); PATCH changes one.
            return existing, False
        props = body.get("properties") or {}
        frequency = next(
            (f for f in FREQUENCIES if f.lower() == str(props.get("frequency", "")).lower()), None
        )
        if frequency is None or frequency == "Minute":
            raise ArmError(
                400,
                "BadRequest",
                f"The frequency '{props.get('frequency')}' is not one of OneTime, Hour, Day, "
                "Week, Month (a schedule recurs at most hourly).",
                "properties.frequency",
            )
        start = _parse_time(props.get("startTime"), "startTime")
        if start.timestamp() < self.state.now() + _LEAD:
            raise ArmError(
                400,
                "BadRequest",
                "The start time of the schedule must be at least 5 minutes after the time you "
                "create the schedule.",
                "properties.startTime",
            )
        interval = props.get("interval")
        if frequency != "OneTime" and (not isinstance(interval, int) or interval < 1):
            raise ArmError(
                400,
                "BadRequest",
                "A recurring schedule needs a whole interval of 1 or more.",
                "properties.interval",
            )
        expiry = props.get("expiryTime")
        now = iso_time(self.state.now())
        schedule: Json = {
            "id": resource_id,
            "name": name,
            "type": SCHEDULE_TYPE,
            "properties": {
                "description": str(props.get("description") or ""),
                "startTime": start.isoformat(),
                "startTimeOffsetMinutes": 0,
                "expiryTime": _parse_time(expiry, "expiryTime").isoformat() if expiry else NEVER,
                "expiryTimeOffsetMinutes": 0,
                "isEnabled": True,
                "interval": interval if frequency != "OneTime" else None,
                "frequency": frequency,
                "timeZone": str(props.get("timeZone") or "UTC"),
                "advancedSchedule": props.get("advancedSchedule") or {},
                "creationTime": now,
                "lastModifiedTime": now,
            },
        }
        self.refresh(schedule)
        self.state.put(resource_id, schedule)
        self.accounts.tell(account["id"], "schedule", name)
        return schedule, True

    def refresh(self, schedule: Json) -> Json:
        """`nextRun` as of the sandbox clock now."""
        when = next_run(schedule, self.state.now())
        schedule["properties"]["nextRun"] = None if when is None else iso_time(when)
        schedule["properties"]["nextRunOffsetMinutes"] = 0
        return schedule

    def patch_schedule(self, account: Json, schedule: Json, body: Json) -> Json:
        props = body.get("properties") or {}
        if "isEnabled" in props:
            schedule["properties"]["isEnabled"] = bool(props["isEnabled"])
        if "description" in props:
            schedule["properties"]["description"] = str(props["description"] or "")
        schedule["properties"]["lastModifiedTime"] = iso_time(self.state.now())
        self.accounts.tell(account["id"], "schedule", schedule["name"])
        return self.refresh(schedule)

    def delete_schedule(self, account: Json, name: str) -> bool:
        resource_id = child_id(account["id"], "schedules", name)
        if self.state.get(resource_id) is None:
            return False
        # Its job schedules go with it, as in Azure.
        for link in self.state.children(account["id"], "jobSchedules"):
            if link["properties"]["schedule"]["name"].lower() == name.lower():
                self.state.delete(link["id"])
        self.state.delete(resource_id)
        self.accounts.tell(account["id"], "schedule", name)
        return True

    # job schedules
    def put_job_schedule(self, account: Json, job_schedule_id: str, body: Json) -> Json:
        if not is_guid(job_schedule_id):
            raise ArmError(
                400, "BadRequest", f"The job schedule id '{job_schedule_id}' is not a GUID."
            )
        resource_id = child_id(account["id"], "jobSchedules", job_schedule_id.lower())
        if self.state.get(resource_id) is not None:
            raise ArmError(409, "Conflict", f"The job schedule '{job_schedule_id}' already exists.")
        props = body.get("properties") or {}
        schedule_name = str((props.get("schedule") or {}).get("name") or "")
        runbook_name = str((props.get("runbook") or {}).get("name") or "")
        schedule = self.get(account, "schedules", schedule_name, "schedule")
        runbook = self.get(account, "runbooks", runbook_name, "runbook")
        for other in self.state.children(account["id"], "jobSchedules"):
            p = other["properties"]
            if (
                p["schedule"]["name"].lower() == schedule["name"].lower()
                and p["runbook"]["name"].lower() == runbook["name"].lower()
            ):
                raise ArmError(
                    409,
                    "Conflict",
                    f"The runbook '{runbook['name']}' is already linked to the schedule "
                    f"'{schedule['name']}'.",
                )
        parameters = props.get("parameters") or {}
        link: Json = {
            "id": resource_id,
            "name": job_schedule_id.lower(),
            "type": JOB_SCHEDULE_TYPE,
            "properties": {
                "jobScheduleId": job_schedule_id.lower(),
                "schedule": {"name": schedule["name"]},
                "runbook": {"name": runbook["name"]},
                "runOn": props.get("runOn"),
                "parameters": {str(k): str(v) for k, v in parameters.items()},
            },
        }
        self.state.put(resource_id, link)
        self.accounts.tell(account["id"], "jobSchedule", job_schedule_id.lower())
        return link

    def job_schedules(self, account: str) -> list[Json]:
        """Each job schedule with its runbook's name and published text and its schedule."""
        found = []
        for link in self.state.children(account, "jobSchedules"):
            props = link["properties"]
            runbook_id = child_id(account, "runbooks", props["runbook"]["name"])
            schedule = self.state.get(child_id(account, "schedules", props["schedule"]["name"]))
            found.append(
                {
                    "jobScheduleId": props["jobScheduleId"],
                    "runbook": props["runbook"]["name"],
                    "runbookType": (self.state.get(runbook_id) or {})
                    .get("properties", {})
                    .get("runbookType"),
                    "content": self.published(runbook_id),
                    "parameters": dict(props["parameters"]),
                    "runOn": props["runOn"],
                    "schedule": None if schedule is None else dict(self.refresh(schedule)),
                }
            )
        return found


def next_runs(schedule: Json, after: float, count: int) -> list[float]:
    """The schedule's next `count` firings from `after`, for hosts that run job schedules."""
    found: list[float] = []
    moment = after
    while len(found) < count:
        when = next_run(schedule, moment)
        if when is None:
            break
        found.append(when)
        moment = when + 1
    return found
