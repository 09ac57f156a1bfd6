"""A VM's failsafe: Azure's own daily auto-shutdown (a DevTest Labs schedule, no lab needed).

Azure names it `shutdown-computevm-<vm>` and runs it in a Windows time zone; it
shuts the VM down and deallocates it at that local time each day, whatever
azlab's scheduler did, so a lab left running when the scheduler failed stops
costing money by night.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from tzlocal.windows_tz import tz_win, win_tz

from azlab.azure.observe import last_segment
from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.resources import vm
from azlab.resources.base import Handler, Json, VmSecrets, ignore_missing, sub_id, tags_of

PROVIDER = "Microsoft.DevTestLab/schedules"
TASK = "ComputeVmShutdownTask"


class Props(TypedDict):
    location: str
    # HHmm, as DevTest Labs writes a daily time.
    time: str
    # A Windows time zone id ("Pacific Standard Time"), as DevTest Labs expects.
    time_zone: str
    vm: str
    status: str


def schedule_name(vm_name: str) -> str:
    """The one name Azure accepts for a VM's auto-shutdown schedule."""
    return f"shutdown-computevm-{vm_name}"


def windows_zone(iana: str | None) -> str:
    """The Windows time zone of an IANA one (CLDR's table); UTC when there is none."""
    if not iana:
        return "UTC"
    return tz_win.get(iana, "UTC")


def iana_zone(windows_id: str) -> str | None:
    """The IANA zone of a Windows zone id as a schedule reads it back; None when unknown."""
    if windows_id.strip().upper() == "UTC":
        return "Etc/UTC"
    return windows_id if "/" in windows_id else win_tz.get(windows_id.strip())


def desired(
    vm_name: str,
    at: str,
    iana_zone: str | None,
    location: str,
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    props = Props(
        location=location,
        time=at.replace(":", ""),
        time_zone=windows_zone(iana_zone),
        vm=vm_name,
        status="Enabled",
    )
    return Desired(
        Kind.SHUTDOWN,
        schedule_name(vm_name),
        props,
        tags=tags,
        depends_on=depends_on,
        create_only=frozenset({"location", "vm"}),
        source=source,
    )


def observed(item: Mapping[str, Any]) -> Observed | None:
    p = item.get("properties", {})
    if str(p.get("taskType", "")).lower() != TASK.lower():
        return None  # a lab's own schedules are not a VM's failsafe
    props = Props(
        location=item.get("location", ""),
        time=str((p.get("dailyRecurrence") or {}).get("time", "")),
        time_zone=str(p.get("timeZoneId", "")),
        vm=last_segment(p.get("targetResourceId")) or "",
        status=str(p.get("status", "")),
    )
    return Observed(Kind.SHUTDOWN, item["name"], props, tags_of(item))


def body(session: AzureSession, rg: str, props: Props, tags: Mapping[str, str]) -> Json:
    return {
        "location": props["location"],
        "tags": dict(tags),
        "properties": {
            "status": props["status"],
            "taskType": TASK,
            "dailyRecurrence": {"time": props["time"]},
            "timeZoneId": props["time_zone"],
            "notificationSettings": {"status": "Disabled", "timeInMinutes": 30},
            "targetResourceId": sub_id(session, rg, vm.PROVIDER, props["vm"])["id"],
        },
    }


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(session, rg, cast(Props, want.props), want.tags)
    # Not a long-running operation: the schedule exists when the PUT answers.
    await session.devtestlabs.global_schedules.create_or_update(rg, want.name, request)


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await ignore_missing(session.devtestlabs.global_schedules.delete(rg, name))


HANDLER = Handler(
    Kind.SHUTDOWN,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.devtestlabs.global_schedules.list_by_resource_group(rg),
)
