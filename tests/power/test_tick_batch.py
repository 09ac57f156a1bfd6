"""The batch path of a tick: requests per wave, and the per-VM fallback where the batch can't act."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from azlab.azure.session import AzureSession, Target
from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.power import tick as ticking
from azlab.rehearse.observe import power_actions
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.power.test_tick_e2e import EVENING, LYNC, MORNING, tick

BATCH = "/providers/microsoft.computeschedule/"


@pytest.fixture
def lab(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.delenv("AZLAB_BATCH_POWER", raising=False)
    assert main(["apply", str(LYNC), "--yes"]) == 0
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.2))
    sandbox.emulator.log.clear()
    return sandbox


def batch_requests(sandbox: Sandbox) -> list[str]:
    return [r.path.rsplit("/", 1)[-1] for r in sandbox.emulator.log if BATCH in r.path.lower()]


def per_vm_posts(sandbox: Sandbox) -> list[str]:
    return [
        r.path.rsplit("/", 2)[-2]
        for r in sandbox.emulator.log
        if r.method == "POST" and "/virtualmachines/" in r.path.lower()
    ]


def vm_json(sandbox: Sandbox, name: str) -> dict[str, Any]:
    found = sandbox.emulator.state.get(
        f"/subscriptions/{sandbox.subscription}/resourceGroups/rg-lynclab-wus2"
        f"/providers/Microsoft.Compute/virtualMachines/{name}"
    )
    assert found is not None
    return found


def test_each_wave_is_one_request_followed_by_id(
    lab: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = tick(capsys, "--at", EVENING)
    assert code == 0 and report["ok"]
    assert report["batch"]["used"] and report["batch"]["fallbacks"] == {}
    assert report["actions_sent"] == 0 and per_vm_posts(lab) == []
    executes = [p for p in batch_requests(lab) if p.startswith("virtualMachinesExecute")]
    # Four steps one after another (edge01, fe01, sql01, dc01): one request each.
    assert executes == ["virtualMachinesExecuteDeallocate"] * 4
    assert report["batch"]["execute_requests"] == 4
    assert report["batch"]["status_requests"] >= 4
    # Every request of the tick carries the tick's one correlation id.
    bodies = [r.body or "" for r in lab.emulator.log if BATCH in r.path.lower()]
    ids = {b.split('"correlationid": "')[1].split('"')[0] for b in bodies}
    assert len(ids) == 1 and next(iter(ids)).startswith("azlab-")
    code, report = tick(capsys, "--at", MORNING)
    assert code == 0 and {v["result"] for v in report["vms"]} == {"done"}


def test_unregistered_namespace_falls_back_to_per_vm_calls(
    lab: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    clients.resource.providers.unregister("Microsoft.ComputeSchedule")
    lab.emulator.log.clear()
    code, report = tick(capsys, "--at", EVENING)
    assert code == 0 and report["ok"]
    fallbacks = report["batch"]["fallbacks"]
    assert set(fallbacks) == {"edge01", "fe01", "sql01", "dc01"}
    assert all("MissingSubscriptionRegistration" in why for why in fallbacks.values())
    # The tick registers nothing itself, and asks the batch API once, not once per step.
    assert not any(r.path.endswith("/register") for r in lab.emulator.log)
    assert batch_requests(lab) == ["virtualMachinesExecuteDeallocate"]
    assert per_vm_posts(lab) == ["edge01", "fe01", "sql01", "dc01"]
    assert clients.resource.providers.get("Microsoft.ComputeSchedule").registration_state == (
        "Unregistered"
    )


def test_a_region_without_the_api_and_a_refused_vm_go_per_vm(
    lab: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    vm_json(lab, "edge01")["location"] = "ukwest"  # where the sandbox offers no batch API
    # Someone else is deallocating fe01 when the tick comes: the batch refuses it.
    lab.emulator.apply_settings(Settings(page_size=5, op_time=3.0))
    clients.compute.virtual_machines.begin_deallocate("rg-lynclab-wus2", "fe01")
    lab.emulator.apply_settings(Settings(page_size=5, op_time=0.2))
    lab.emulator.log.clear()
    code, report = tick(capsys, "--at", EVENING)
    assert code == 0 and report["ok"], report
    fallbacks = report["batch"]["fallbacks"]
    assert set(fallbacks) == {"edge01", "fe01"}
    assert "LocationNotAvailableForResourceType" in fallbacks["edge01"]
    assert "OperationConflict" in fallbacks["fe01"]
    results = {v["vm"]: v["result"] for v in report["vms"]}
    assert results == {"edge01": "done", "fe01": "done", "sql01": "done", "dc01": "done"}
    # sql01 and dc01 went in batches; order kept across both paths.
    sent = [(a.vm, a.status) for a in power_actions(lab.emulator.log)]
    assert [vm for vm, status in sent if status == 202] == ["edge01", "sql01", "dc01"]
    assert ("fe01", 409) in sent


def test_the_batch_path_turns_off(
    lab: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, report = tick(capsys, "--at", EVENING, "--no-batch")
    assert code == 0 and not report["batch"]["used"] and report["actions_sent"] == 4
    assert batch_requests(lab) == []
    monkeypatch.setenv("AZLAB_BATCH_POWER", "off")
    lab.emulator.log.clear()
    assert main(["up", str(LYNC), "lync"]) == 0
    assert batch_requests(lab) == [] and per_vm_posts(lab) == ["fe01", "edge01"]
    lab.emulator.log.clear()
    assert main(["down", str(LYNC), "lync", "--batch"]) == 0
    assert per_vm_posts(lab) == [] and len(batch_requests(lab)) >= 2


async def start_core(deadline: float) -> dict[str, Any]:
    plan = load_plan(LYNC, require_env=True).plan
    at = datetime.fromisoformat(MORNING)
    wants = ticking.manual_wants(plan, ["core"], "running")
    async with AzureSession(Target.from_env(plan.subscription)) as session:
        report = await ticking.enforce(
            session,
            plan,
            wants,
            {},
            at,
            deadline_seconds=deadline,
            poll_interval=0.05,
            retry_delay=0.1,
            batch=True,
        )
    return {r.vm: r for r in report.results.values()}


def test_a_start_still_retrying_at_the_deadline_keeps_azures_code(
    lab: Sandbox, clients: Clients
) -> None:
    assert main(["down", str(LYNC), "core", "lync"]) == 0
    clients.compute.virtual_machines.begin_start("rg-lynclab-wus2", "dc01").result()
    # sql01's operation fails three times (the request's retry policy: two retries), 0.6 s
    # each attempt and each pause: Failed at 3 s. The tick sends it again at about 3.2 s;
    # that operation's first attempt fails at 3.8 s, after the deadline of 3.5 s.
    lab.emulator.apply_settings(
        Settings(page_size=5, op_time=0.6).with_changes({"faults": "allocation=sql01"})
    )
    results = asyncio.run(start_core(3.5))
    sql01 = results["sql01"]
    assert sql01.result == "failed"
    assert "AllocationFailed" in sql01.detail, sql01
    assert results["dc01"].result == "already"
