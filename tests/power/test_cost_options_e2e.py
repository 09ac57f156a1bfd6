"""Spot, hibernation and the failsafe shutdown end to end: apply, tick, down, plan, destroy.

The CLI and the real SDK clients against the sandbox; the sandbox's clock, its
control API and its fault settings stand in for Azure evicting a Spot VM.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from azlab.cli.main import main
from azlab.rehearse.observe import power_actions
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

LONDON = ZoneInfo("Europe/London")
MORNING = "2026-11-23T08:05:00+00:00"  # Monday, after the 08:00 start
AFTERNOON = "2026-11-23T14:00:00+00:00"  # past the 2h enforce window, before the stop
EVENING = "2026-11-23T18:05:00+00:00"
PLAN: dict[str, Any] = {
    "version": 1,
    "name": "cheap",
    "subscription": "00000000-0000-0000-0000-000000000000",
    "resource_group": "rg-cheap",
    "location": "westus2",
    "networks": [
        {
            "name": "vnet1",
            "address_space": ["10.4.0.0/16"],
            "subnets": [{"name": "a", "prefix": "10.4.0.0/24"}],
        }
    ],
    "schedules": [
        {
            "name": "office",
            "timezone": "Europe/London",
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
                    "name": "spot01",
                    "size": "Standard_B2s",
                    "os": "linux",
                    "image": "Canonical:ubuntu-24_04-lts:server:latest",
                    "subnet": "vnet1/a",
                    "priority": "spot",
                    "admin": {"username": "labadmin", "password_env": "LAB_PW"},
                },
                {
                    "name": "spot02",
                    "size": "Standard_B2s",
                    "os": "linux",
                    "image": "Canonical:ubuntu-24_04-lts:server:latest",
                    "subnet": "vnet1/a",
                    "priority": "spot",
                    "admin": {"username": "labadmin", "password_env": "LAB_PW"},
                },
                {
                    "name": "desk01",
                    "size": "Standard_D2s_v5",
                    "os": "windows",
                    "image": "MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest",
                    "subnet": "vnet1/a",
                    "license": "windows_server",
                    "hibernate": True,
                    "failsafe_shutdown": "19:30",
                    "admin": {"username": "labadmin", "password_env": "LAB_PW"},
                },
            ],
        }
    ],
}


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "cheap.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def lab(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAB_PW", "Sandbox-only-1")
    path = _write(tmp_path, PLAN)
    assert main(["validate", str(path), "--strict"]) == 0
    assert main(["apply", str(path), "--yes"]) == 0
    sandbox.emulator.apply_settings(Settings(op_time=0.1))
    return path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main([*args, "--output", "json"])
    return code, json.loads(capsys.readouterr().out)


def _vm(sandbox: Sandbox, name: str) -> dict[str, Any]:
    found = sandbox.emulator.state.get(
        f"/subscriptions/{sandbox.subscription}/resourceGroups/rg-cheap"
        f"/providers/Microsoft.Compute/virtualMachines/{name}"
    )
    assert found is not None
    return found


def _codes(sandbox: Sandbox, name: str) -> list[str]:
    sandbox.emulator.state.settle()
    view = sandbox.emulator.compute.vms.view(_vm(sandbox, name))
    return [s["code"] for s in view["statuses"]]


def test_apply_sends_each_option_and_a_second_plan_is_clean(lab: Path, sandbox: Sandbox) -> None:
    spot = _vm(sandbox, "spot01")["properties"]
    assert (spot["priority"], spot["evictionPolicy"], spot["billingProfile"]) == (
        "Spot",
        "Deallocate",
        {"maxPrice": -1},
    )
    desk = _vm(sandbox, "desk01")["properties"]
    assert desk["licenseType"] == "Windows_Server"
    assert desk["additionalCapabilities"]["hibernationEnabled"] is True
    schedule = sandbox.emulator.state.get(
        f"/subscriptions/{sandbox.subscription}/resourceGroups/rg-cheap"
        "/providers/Microsoft.DevTestLab/schedules/shutdown-computevm-desk01"
    )
    assert schedule is not None
    assert schedule["properties"]["timeZoneId"] == "GMT Standard Time"
    assert schedule["properties"]["dailyRecurrence"] == {"time": "1930"}
    assert main(["plan", str(lab), "--detailed-exitcode"]) == 0


def test_tick_and_down_hibernate_what_the_plan_says(
    lab: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.emulator.log.clear()
    code, report = _json(capsys, "tick", str(lab), "--at", EVENING)
    assert code == 0 and report["ok"]
    # Per VM, `deallocate?hibernate=true`; through the batch API, `virtualMachinesExecuteHibernate`.
    sent = {a.vm: a.verb for a in power_actions(sandbox.emulator.log) if a.status == 202}
    hibernated = {vm for vm, verb in sent.items() if verb == "hibernate"} | {
        r.path.rsplit("/", 2)[-2]
        for r in sandbox.emulator.log
        if r.path.endswith("/deallocate") and "hibernate=true" in r.query.lower()
    }
    assert "desk01" in hibernated
    assert sent["spot01"] == "deallocate" and "spot01" not in hibernated
    assert "HibernationState/Hibernated" in _codes(sandbox, "desk01")
    assert main(["up", str(lab), "lab"]) == 0
    assert "PowerState/running" in _codes(sandbox, "desk01")
    assert main(["down", str(lab), "lab"]) == 0
    assert "HibernationState/Hibernated" in _codes(sandbox, "desk01")


def test_an_evicted_spot_vm_is_started_again_inside_its_window(
    lab: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _json(capsys, "tick", str(lab), "--at", MORNING)[0] == 0
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    assert control.evict("spot01")
    # Someone stops the other Spot VM by hand: past the enforce window, that is left alone.
    sandbox.emulator.compute.vms.act(_vm(sandbox, "spot02"), "deallocate")
    code, report = _json(capsys, "tick", str(lab), "--at", AFTERNOON)
    assert code == 0 and report["ok"]
    assert report["evicted"] == ["spot01"]
    assert "evicted Spot VMs started again" in report["groups"]["lab"]["reason"]
    assert {v["vm"]: v["result"] for v in report["vms"]} == {"spot01": "done"}
    assert "PowerState/running" in _codes(sandbox, "spot01")
    assert "PowerState/deallocated" in _codes(sandbox, "spot02")
    # After the stop, an evicted VM is only reported: nothing starts it.
    assert control.evict("spot01")
    code, report = _json(capsys, "tick", str(lab), "--at", EVENING)
    assert code == 0 and report["evicted"] == ["spot01"]
    assert {v["vm"]: v["result"] for v in report["vms"]}["spot01"] == "already"
    assert "PowerState/deallocated" in _codes(sandbox, "spot01")


def test_the_eviction_fault_evicts_after_each_start(
    lab: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.emulator.apply_settings(
        Settings(op_time=0.1).with_changes({"faults": "evict=spot01,evict-after=1m"})
    )
    assert _json(capsys, "tick", str(lab), "--at", EVENING)[0] == 0
    assert _json(capsys, "tick", str(lab), "--at", MORNING)[0] == 0
    SandboxControl(sandbox.control_url, str(sandbox.ca_file)).advance_clock(61)
    code, report = _json(capsys, "tick", str(lab), "--at", AFTERNOON)
    assert code == 0 and report["evicted"] == ["spot01"]
    assert "PowerState/running" in _codes(sandbox, "spot01")


def test_a_price_change_deallocates_updates_and_starts_again(
    lab: Path, sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(json.dumps(PLAN))
    doc["groups"][0]["vms"][0]["max_price"] = 0.05
    edited = _write(tmp_path, doc, "edited.yaml")
    assert _json(capsys, "plan", str(edited))[0] == 0
    preview = _json(capsys, "plan", str(edited))[1]
    change = next(c for c in preview["changes"] if c["name"] == "spot01")
    assert change["action"] == "update" and "deallocates it first" in change["reason"]
    sandbox.emulator.log.clear()
    assert main(["apply", str(edited), "--yes"]) == 0
    posts = [r.path.rsplit("/", 1)[-1] for r in sandbox.emulator.log if r.method == "POST"]
    assert posts == ["deallocate", "start"]
    assert _vm(sandbox, "spot01")["properties"]["billingProfile"] == {"maxPrice": 0.05}
    assert "PowerState/running" in _codes(sandbox, "spot01")
    assert main(["plan", str(edited), "--detailed-exitcode"]) == 0


def test_a_priority_change_is_a_replace(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(json.dumps(PLAN))
    doc["groups"][0]["vms"][1]["priority"] = "regular"
    code, preview = _json(capsys, "plan", str(_write(tmp_path, doc, "edited.yaml")))
    assert code == 0
    change = next(c for c in preview["changes"] if c["name"] == "spot02")
    assert change["action"] == "replace" and "priority cannot change" in change["reason"]


def test_the_failsafe_fires_on_the_sandbox_clock_and_goes_with_the_vm(
    lab: Path, sandbox: Sandbox, tmp_path: Path
) -> None:
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    control.set_clock(datetime(2026, 11, 23, 19, 29, tzinfo=LONDON).timestamp())
    assert "PowerState/running" in _codes(sandbox, "desk01")
    control.advance_clock(120)
    assert "PowerState/deallocating" in _codes(sandbox, "desk01")
    control.advance_clock(1)  # the shutdown takes the sandbox's op_time
    assert "PowerState/deallocated" in _codes(sandbox, "desk01")
    assert "PowerState/running" in _codes(sandbox, "spot01")
    doc = json.loads(json.dumps(PLAN))
    del doc["groups"][0]["vms"][2]["failsafe_shutdown"]
    edited = _write(tmp_path, doc, "edited.yaml")
    assert main(["apply", str(edited), "--yes"]) == 0
    kinds = {r.get("type") for r in sandbox.emulator.state.resources.values()}
    assert "Microsoft.DevTestLab/schedules" not in kinds
    assert main(["destroy", str(lab), "--yes"]) == 0
