"""Pure: which evicted Spot VMs a tick starts again, from plain states at an injected instant."""

from __future__ import annotations

from datetime import datetime, timezone

from azlab.plan.model import Plan
from azlab.power.evictions import evicted, restarts
from azlab.power.tick import group_wants, plan_steps
from azlab.power_state import PowerState, VmState

PLAN = Plan.model_validate(
    {
        "version": 1,
        "name": "lab",
        "subscription": "s",
        "resource_group": "rg",
        "location": "westus2",
        "schedules": [
            {
                "name": "office",
                "timezone": "UTC",
                "start": [{"at": "08:00", "days": "weekdays"}],
                "stop": [{"at": "18:00"}],
                "enforce": "2h",
            }
        ],
        "groups": [
            {
                "name": "lab",
                "schedule": "office",
                "vms": [
                    {
                        "name": n,
                        "size": "Standard_B2s",
                        "os": "linux",
                        "image": "a:b:c:latest",
                        "subnet": "v/s",
                        "priority": "spot",
                        "admin": {"username": "u", "password_env": "P"},
                    }
                    for n in ("spot01", "spot02", "spot03")
                ],
            },
            {"name": "idle", "vms": []},
        ],
    }
)
TAGS = {"azlab-plan": "lab"}
STATES = {
    "spot01": VmState("spot01", PowerState.DEALLOCATED, tags=TAGS, evicted=True),
    "spot02": VmState("spot02", PowerState.DEALLOCATED, tags=TAGS),
    "spot03": VmState("spot03", PowerState.RUNNING, tags=TAGS),
}


def at(hour: int) -> datetime:
    return datetime(2026, 11, 23, hour, 0, tzinfo=timezone.utc)  # a Monday


def test_past_the_enforce_window_only_the_evicted_vm_is_started() -> None:
    wants, _ = group_wants(PLAN, at(14))
    assert wants["lab"] is None
    again = restarts(PLAN, wants, STATES, at(14))
    assert again == {"lab": {"spot01"}}
    steps = plan_steps(PLAN, {**wants, "lab": PowerState.RUNNING}, STATES, at(14), {}, again)
    assert [(s.want, s.vms) for s in steps] == [(PowerState.RUNNING, ("spot01",))]


def test_outside_the_running_window_nothing_is_started_again() -> None:
    wants, _ = group_wants(PLAN, at(21))
    assert restarts(PLAN, wants, STATES, at(21)) == {}
    assert restarts(PLAN, wants, STATES, datetime(2026, 11, 22, 12, tzinfo=timezone.utc)) == {}


def test_inside_the_enforce_window_the_schedule_itself_starts_it() -> None:
    wants, _ = group_wants(PLAN, at(9))
    assert wants["lab"] == PowerState.RUNNING
    assert restarts(PLAN, wants, STATES, at(9)) == {}


def test_the_evicted_are_named_as_the_plan_names_them() -> None:
    assert evicted(PLAN, STATES) == ["spot01"]
    assert evicted(PLAN, {}) == []
