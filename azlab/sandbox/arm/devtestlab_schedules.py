"""Microsoft.DevTestLab/schedules: a VM's daily auto-shutdown, stored and fired on the clock.

Azure names a VM's schedule `shutdown-computevm-<vm>`, keeps its daily time as
HHmm in a Windows time zone, and at that local time shuts the VM down and
deallocates it. The sandbox checks every enabled schedule whenever its clock is
read for a request (`State.settle`), so a clock moved past the time fires it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

from azlab.sandbox.arm.compute_vms import VM_TYPE, VirtualMachines
from azlab.sandbox.arm.core import ArmError, Json, State, id_key, iso_time, new_etag

SCHEDULE_TYPE = "Microsoft.DevTestLab/schedules"
SHUTDOWN_TASK = "ComputeVmShutdownTask"
TASKS = frozenset({"computevmshutdowntask", "labvmsshutdowntask", "labvmautostart"})
_TIME = re.compile(r"^([01][0-9]|2[0-3])[0-5][0-9]$")
# Where the ids of every schedule are kept, so a check need not scan every resource.
_INDEX = "/_sandbox/devtestlab"


def schedule_id(group_id: str, name: str) -> str:
    return f"{group_id}/providers/{SCHEDULE_TYPE}/{name}"


def zone_of(windows_id: str) -> ZoneInfo:
    iana = win_tz.get(windows_id)
    if iana is None:
        raise ArmError(
            400,
            "InvalidParameter",
            f"The time zone id '{windows_id}' is not a valid Windows time zone id.",
            "properties.timeZoneId",
        )
    try:
        return ZoneInfo(iana)
    except ZoneInfoNotFoundError:
        return ZoneInfo("UTC")


def last_fire(hhmm: str, zone: ZoneInfo, now: float) -> float:
    """The latest instant at or before `now` at which the daily time came round."""
    local = datetime.fromtimestamp(now, timezone.utc).astimezone(zone)
    hour, minute = int(hhmm[:2]), int(hhmm[2:])
    for days_back in range(3):
        day = (local - timedelta(days=days_back)).date()
        fire = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp()
        if fire <= now:
            return fire
    return now


class Schedules:
    def __init__(self, state: State, vms: VirtualMachines) -> None:
        self.state = state
        self.vms = vms
        state.tickers.append(self.fire_due)

    def _index(self) -> list[str]:
        ids: list[str] = self.state.extra(_INDEX).setdefault("ids", [])
        return ids

    def put(self, group_id: str, name: str, body: Json) -> tuple[Json, bool]:
        """Create or replace a schedule; whether it is new."""
        resource_id = schedule_id(group_id, name)
        existing = self.state.get(resource_id)
        props = body.get("properties") or {}
        task = str(props.get("taskType", ""))
        if task.lower() not in TASKS:
            raise ArmError(
                400,
                "InvalidParameter",
                f"The task type '{task}' is not supported for a schedule.",
                "properties.taskType",
            )
        target = str(props.get("targetResourceId", ""))
        if task.lower() == SHUTDOWN_TASK.lower():
            vm = self.state.referenced(target, resource_id)
            if vm.get("type") != VM_TYPE:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    f"The target resource {target} is not a virtual machine.",
                    "properties.targetResourceId",
                )
            if name.lower() != f"shutdown-computevm-{vm['name']}".lower():
                raise ArmError(
                    400,
                    "InvalidParameter",
                    f"The schedule of virtual machine '{vm['name']}' must be named 'shutdown-computevm-{vm['name']}'.",
                    "name",
                )
        time_text = str((props.get("dailyRecurrence") or {}).get("time", ""))
        if not _TIME.match(time_text):
            raise ArmError(
                400,
                "InvalidParameter",
                f"The daily recurrence time '{time_text}' is not a time such as 1930.",
                "properties.dailyRecurrence.time",
            )
        zone_id = str(props.get("timeZoneId") or "UTC")
        zone_of(zone_id)
        status = str(props.get("status") or "Enabled")
        old = (existing or {}).get("properties", {})
        schedule: Json = {
            "id": resource_id,
            "name": name,
            "type": SCHEDULE_TYPE,
            "location": body.get("location") or (existing or {}).get("location", ""),
            "tags": dict(body.get("tags") or {}),
            "properties": {
                "status": status,
                "taskType": task,
                "dailyRecurrence": {"time": time_text},
                "timeZoneId": zone_id,
                "notificationSettings": {
                    "status": "Disabled",
                    "timeInMinutes": 30,
                    **(props.get("notificationSettings") or {}),
                },
                "createdDate": old.get("createdDate") or iso_time(self.state.now()),
                "targetResourceId": target,
                "provisioningState": "Succeeded",
                "uniqueIdentifier": old.get("uniqueIdentifier") or str(uuid.uuid4()),
            },
        }
        if existing is None:
            schedule["etag"] = new_etag()
        self.state.put(resource_id, schedule)
        # Checked from now: a time already past today fires tomorrow.
        self.state.extra(resource_id)["checked"] = self.state.now()
        if id_key(resource_id) not in self._index():
            self._index().append(id_key(resource_id))
        return schedule, existing is None

    def delete(self, resource_id: str) -> bool:
        gone = self.state.delete(resource_id) is not None
        index = self._index()
        if id_key(resource_id) in index:
            index.remove(id_key(resource_id))
        return gone

    def fire_due(self) -> None:
        """Shut down (deallocate) each running VM whose schedule's time came since the last check."""
        now = self.state.now()
        for key in list(self._index()):
            schedule = self.state.get(key)
            if schedule is None:
                self._index().remove(key)
                continue
            extra = self.state.extra(key)
            checked = float(extra.get("checked", now))
            extra["checked"] = now
            props = schedule["properties"]
            if props.get("status") != "Enabled" or props["taskType"] != SHUTDOWN_TASK:
                continue
            fire = last_fire(props["dailyRecurrence"]["time"], zone_of(props["timeZoneId"]), now)
            if checked < fire <= now:
                self._shut_down(props["targetResourceId"], fire)

    def _shut_down(self, vm_id: str, at: float) -> None:
        vm = self.state.get(vm_id)
        if vm is None or self.state.pending_on(vm_id) is not None:
            return
        extra = self.state.extra(vm_id)
        if extra.get("power") not in ("running", "starting", "stopped"):
            return
        extra["shutdown_by_schedule"] = at
        self.vms.transition(vm, "deallocate")
