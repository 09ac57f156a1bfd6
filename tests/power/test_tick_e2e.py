"""Ticks against the sandbox: order of tiers and groups, idempotence, failures, overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.rehearse.observe import power_actions
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
EVENING = "2026-11-23T18:05:00-08:00"  # Monday, after the 18:00 stop
MORNING = "2026-11-24T08:05:00-08:00"  # Tuesday, after the 08:00 start


@pytest.fixture(params=["batch", "per-vm"])
def lab(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Sandbox:
    """The lab, ticked through the batch API or (turned off) per VM: both keep every rule."""
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_BATCH_POWER", "on" if request.param == "batch" else "off")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.2))
    sandbox.emulator.log.clear()
    return sandbox


def tick(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["tick", str(LYNC), "--output", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def actions(sandbox: Sandbox) -> list[tuple[str, str]]:
    """Accepted power actions, per VM or in a batch, in the order they reached the sandbox."""
    return [(a.vm, a.verb) for a in power_actions(sandbox.emulator.log) if a.status == 202]


def test_evening_tick_stops_dependents_first_and_tiers_downwards(
    lab: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = tick(capsys, "--at", EVENING)
    assert code == 0 and report["ok"]
    assert actions(lab) == [
        ("edge01", "deallocate"),
        ("fe01", "deallocate"),
        ("sql01", "deallocate"),
        ("dc01", "deallocate"),
    ]
    # Reads: one list before acting and one per polling round (batch: status reads by
    # operation id); never a GET per VM. (The budget reads the price list, which is not ARM;
    # the storage account's GET finds the account of the group leases.)
    gets = [r.path for r in lab.emulator.log if r.method == "GET" and "Compute" in r.path]
    assert all(p.lower().endswith("/providers/microsoft.compute/virtualmachines") for p in gets)
    # A second tick right after does nothing.
    lab.emulator.log.clear()
    code, again = tick(capsys, "--at", EVENING)
    assert code == 0 and again["actions_sent"] == 0
    assert {v["result"] for v in again["vms"]} == {"already"}


def test_morning_tick_starts_dependencies_first_and_tiers_upwards(
    lab: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tick(capsys, "--at", EVENING)[0] == 0
    lab.emulator.log.clear()
    code, report = tick(capsys, "--at", MORNING)
    assert code == 0 and report["ok"]
    assert actions(lab) == [
        ("dc01", "start"),
        ("sql01", "start"),
        ("fe01", "start"),
        ("edge01", "start"),
    ]


def test_failed_vm_blocks_what_needs_it_and_nothing_else(
    lab: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tick(capsys, "--at", EVENING)[0] == 0
    lab.emulator.apply_settings(
        Settings(page_size=5, op_time=0.2).with_changes({"faults": "allocation=sql01"})
    )
    code, report = tick(capsys, "--at", MORNING, "--deadline", "2s")
    assert code == 1 and not report["ok"]
    results = {v["vm"]: v for v in report["vms"]}
    assert results["dc01"]["result"] == "done"
    assert (
        results["sql01"]["result"] == "failed" and "AllocationFailed" in results["sql01"]["detail"]
    )
    assert results["fe01"]["result"] == "blocked" and results["edge01"]["result"] == "blocked"


def test_dry_run_changes_nothing(lab: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = tick(capsys, "--at", EVENING, "--dry-run")
    assert code == 0
    assert {v["result"] for v in report["vms"]} == {"would stop"}
    assert actions(lab) == []


def test_excluded_and_held_vms_are_left_alone(
    lab: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hold", str(LYNC), "edge01", "--for", "3h"]) == 0
    vm = lab.emulator.state.get(
        f"/subscriptions/{lab.subscription}/resourceGroups/rg-lynclab-wus2/providers/Microsoft.Compute/virtualMachines/fe01"
    )
    assert vm is not None
    vm["tags"]["azlab-exclude"] = "true"
    lab.emulator.log.clear()
    # The hold runs from now; tick at a time inside it.
    from datetime import datetime, timedelta, timezone

    inside = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    code, report = tick(capsys, "--at", inside)
    assert code == 0
    assert "held until" in report["skipped"]["edge01"]
    assert "excluded" in report["skipped"]["fe01"]
    acted = {vm for vm, _ in actions(lab)}
    assert "edge01" not in acted and "fe01" not in acted


def test_a_vm_without_the_plans_tag_is_never_started_stopped_or_held(
    lab: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    vm = lab.emulator.state.get(
        f"/subscriptions/{lab.subscription}/resourceGroups/rg-lynclab-wus2/providers/Microsoft.Compute/virtualMachines/edge01"
    )
    assert vm is not None
    del vm["tags"]["azlab-plan"]  # as if someone else had made a VM of that name
    code, report = tick(capsys, "--at", EVENING)
    assert code == 0
    assert "not managed" in report["skipped"]["edge01"]
    assert "edge01" not in {name for name, _ in actions(lab)}
    assert ("fe01", "deallocate") in actions(lab)
    assert main(["down", str(LYNC), "lync"]) == 0
    assert "edge01" not in {name for name, _ in actions(lab)}
    capsys.readouterr()
    assert main(["hold", str(LYNC), "lync", "--for", "3h"]) == 2
    out, err = capsys.readouterr()
    assert "edge01 is not managed by plan lynclab" in out + err
    assert "azlab-hold-until" not in vm["tags"]
    fe01 = lab.emulator.state.get(vm["id"].replace("/edge01", "/fe01"))
    assert fe01 is not None and "azlab-hold-until" not in fe01["tags"]  # nothing half-held


def test_up_and_down_by_hand(lab: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["down", str(LYNC), "lync"]) == 0
    assert actions(lab) == [("edge01", "deallocate"), ("fe01", "deallocate")]
    lab.emulator.log.clear()
    assert main(["up", str(LYNC), "lync"]) == 0
    assert actions(lab) == [("fe01", "start"), ("edge01", "start")]
    assert main(["up", str(LYNC), "nosuchgroup"]) == 2
