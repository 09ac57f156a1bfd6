"""Which messages a tick makes, from plain data and an injected now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from azlab.power.enforce import Result, VmResult
from azlab.power.notices import azure_code, before_stop, deviations, failures
from azlab.power_state import VmState
from tests.notify.plans import plan_with

PLAN = plan_with([{"name": "t", "kind": "teams", "url_env": "T", "lead": "15m"}])
STOP = datetime.fromisoformat("2026-11-23T18:00:00-08:00").astimezone(timezone.utc)
TAGS = {"azlab-plan": "lynclab"}


def running(*names: str, tags: dict[str, str] | None = None) -> dict[str, VmState]:
    return {n: VmState(n, "running", tags={**TAGS, **(tags or {})}) for n in names}


def test_a_warning_names_the_running_vms_and_skips_what_is_held_past_the_stop() -> None:
    now = STOP - timedelta(minutes=10)
    states = running("dc01", "sql01", "fe01", "edge01")
    found = {m.data["group"]: m for m in before_stop(PLAN, states, now)}
    assert set(found) == {"core", "lync"}
    assert found["core"].title == "core stops in 10 min"
    assert found["core"].key == f"before_stop|core|{STOP.isoformat()}"
    assert before_stop(PLAN, states, STOP - timedelta(minutes=16)) == []
    held = (STOP + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    snoozed = {**states, **running("dc01", "sql01", tags={"azlab-hold-until": held})}
    assert {m.data["group"] for m in before_stop(PLAN, snoozed, now)} == {"lync"}


def test_a_deviation_needs_the_vm_seen_off_in_this_window_and_no_hold() -> None:
    now = STOP + timedelta(minutes=20)
    states = running("dc01")
    assert deviations(PLAN, states, {"dc01": "running"}, now) == []  # its stop is pending
    (found,) = deviations(PLAN, states, {"dc01": "deallocated"}, now)
    assert found.key == f"deviation|dc01|{STOP.isoformat()}"
    held = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (
        deviations(
            PLAN, running("dc01", tags={"azlab-hold-until": held}), {"dc01": "deallocated"}, now
        )
        == []
    )
    morning = STOP + timedelta(hours=14, minutes=5)
    assert deviations(PLAN, states, {"dc01": "deallocated"}, morning) == []


def test_a_failure_carries_azures_code() -> None:
    results = {
        "sql01": VmResult(
            "sql01",
            "core",
            "running",
            Result.FAILED,
            2,
            "AllocationFailed: Allocation failed. Please try another size",
        ),
        "fe01": VmResult("fe01", "lync", "running", Result.BLOCKED),
    }
    (found,) = failures(PLAN, results, STOP + timedelta(hours=14))
    assert found.data["code"] == "AllocationFailed"
    assert "fe01" in found.text
    assert azure_code("OperationNotAllowed: quota") == "OperationNotAllowed"
    assert azure_code("timed out") == "unknown"
    assert azure_code("(ZonalAllocationFailed) no capacity") == "ZonalAllocationFailed"


def test_warnings_carry_three_signed_snooze_links_when_configured() -> None:
    from azlab.power.notices import with_snooze_links
    from azlab.power.snooze import verify

    now = STOP - timedelta(minutes=10)
    warnings = before_stop(PLAN, running("dc01"), now)
    assert with_snooze_links(PLAN, warnings, {}) == warnings  # not configured: no links
    env = {
        "AZLAB_SNOOZE_URL": "https://fn.example.invalid/api/snooze",
        "AZLAB_SNOOZE_KEY": "k" * 20,
    }
    (linked,) = with_snooze_links(PLAN, warnings, env)
    assert [link.title for link in linked.links] == [
        "Keep running 1 h",
        "Keep running 2 h",
        "Keep running tonight",
    ]
    token = linked.links[2].url.split("?t=", 1)[1]
    snooze = verify(b"k" * 20, token, now)
    assert (snooze.group, snooze.length) == ("core", "tonight")
    assert snooze.expires == STOP + timedelta(minutes=30)
