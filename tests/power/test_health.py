"""The health gate's pure parts: reading the agent, the plan's guest fields, what is notified."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from azlab.plan import load_plan
from azlab.plan.model import Guest, Hook, Ready
from azlab.power.enforce import Result, VmResult
from azlab.power.fanout import GroupAction, waiting_on
from azlab.power.hooks import GuestRun, as_sent, hook_failures
from azlab.power.notices import failures
from azlab.power.ready import gate_enabled
from azlab.power_state import VmState, parse_status_list_item
from tests.notify.plans import plan_with

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
PLAN = plan_with([{"name": "t", "kind": "teams", "url_env": "T", "lead": "15m"}])
AT = datetime(2026, 11, 24, 16, 5, tzinfo=timezone.utc)


def listed(agent: object) -> dict[str, object]:
    view: dict[str, object] = {"statuses": [{"code": "PowerState/running"}]}
    if agent is not None:
        view["vmAgent"] = agent
    return {"name": "dc01", "properties": {"instanceView": view}}


def test_the_agent_is_read_from_the_listed_instance_view() -> None:
    ready = {"statuses": [{"code": "ProvisioningState/succeeded", "displayStatus": "Ready"}]}
    not_ready = {
        "statuses": [{"code": "ProvisioningState/Unavailable", "displayStatus": "Not Ready"}]
    }
    assert parse_status_list_item(listed(ready)).agent == "ready"
    assert parse_status_list_item(listed(not_ready)).agent == "not ready"
    assert parse_status_list_item(listed({})).agent == "not ready"
    assert parse_status_list_item(listed(None)).agent == ""  # then each VM's view is asked


def test_a_vm_uses_its_own_guest_fields_else_its_groups() -> None:
    group = PLAN.groups[0].model_copy(
        update={"ready": Ready(script="exit 0"), "before_stop": Hook(script="g")}
    )
    own = group.vms[0].model_copy(update={"before_stop": Hook(script="v", required=True)})
    guest = PLAN.guest(group, own)
    assert guest.ready == Ready(script="exit 0")
    assert guest.before_stop == Hook(script="v", required=True)
    assert guest.after_start is None
    assert PLAN.guest(PLAN.groups[0], PLAN.groups[0].vms[0]) == Guest()


def test_not_ready_is_notified_as_a_failure_with_its_code() -> None:
    results = {
        "dc01": VmResult("dc01", "core", "running", Result.FAILED, 1, "NotReady: the guest agent did not report Ready within 10m"),
        "sql01": VmResult("sql01", "core", "running", Result.BLOCKED),
    }  # fmt: skip
    (message,) = failures(PLAN, results, AT)
    assert message.data["code"] == "NotReady"
    assert "sql01" in message.text


def test_only_the_hooks_that_changed_no_result_are_notified_here() -> None:
    runs = [
        GuestRun("sql01", "core", "before_stop", False, "exit code 1", blocked=True),
        GuestRun("fe01", "lync", "before_stop", False, "exit code 5"),
        GuestRun("edge01", "lync", "after_start", False, "timed out"),
        GuestRun("dc01", "core", "after_start", True, "exit code 0"),
        GuestRun("dc01", "core", "ready", False, "the ready probe failed"),
    ]
    found = {m.data["vm"]: m for m in hook_failures(PLAN.name, runs, AT)}
    assert set(found) == {"fe01", "edge01"}  # sql01's and dc01's come with their VM results
    assert found["fe01"].data["code"] == "BeforeStopFailed"
    assert "stopped anyway" in found["fe01"].text
    assert found["edge01"].data["code"] == "AfterStartFailed"


def test_scripts_go_out_with_literal_dollar_braces_and_the_gate_can_be_turned_off() -> None:
    assert as_sent('test -n "$${HOME}" && echo $$') == 'test -n "${HOME}" && echo $$'
    assert gate_enabled(env={}) and not gate_enabled(env={"AZLAB_HEALTH_GATE": "off"})
    assert not gate_enabled(False, env={})


def test_a_queued_start_waits_for_its_dependencies_agents() -> None:
    plan = load_plan(LYNC, require_env=False).plan
    now = AT
    start = GroupAction("lynclab", "lync", "running", now, "", now)
    wants = {"core": "running", "lync": "running"}

    def core(agent: str) -> dict[str, VmState]:
        return {
            n: VmState(n, "running", tags={"azlab-plan": "lynclab"}, agent=agent)
            for n in ("dc01", "sql01")
        }

    assert waiting_on(plan, start, wants, core("not ready"), now) == ["core"]
    assert waiting_on(plan, start, wants, core("ready"), now) == []
    assert waiting_on(plan, start, wants, core(""), now) == []  # a list without the agent
