"""The health gate and guest hooks in ticks against the sandbox, read from its request log."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from azlab.cli.main import main
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from azlab.testing.gate_log import first_ready, margins, starts

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
EVENING = "2026-11-23T18:05:00-08:00"  # Monday, after the 18:00 stop
MORNING = "2026-11-24T08:05:00-08:00"  # Tuesday, after the 08:00 start
FAST = Settings(page_size=5, op_time=0.2)


def lab_plan(tmp_path: Path, **vms: dict[str, Any]) -> Path:
    """lynclab with guest fields added to the named VMs."""
    plan = yaml.safe_load(LYNC.read_text())
    for group in plan["groups"]:
        for vm in group["vms"]:
            vm.update(vms.get(vm["name"], {}))
    path = tmp_path / "lynclab.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


@pytest.fixture(params=["batch", "per-vm"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AZLAB_BATCH_POWER", "on" if request.param == "batch" else "off")
    return str(request.param)


@pytest.fixture
def applied(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(Path(sandbox.data_dir) / "state"))
    assert main(["apply", str(LYNC), "--yes"]) == 0
    return sandbox


def tick(
    capsys: pytest.CaptureFixture[str], plan: Path, at: str, *args: str
) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["tick", str(plan), "--at", at, "--output", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def evening_then_morning(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], plan: Path, settings: Settings, *args: str
) -> tuple[int, dict[str, Any]]:
    sandbox.emulator.apply_settings(FAST)
    assert tick(capsys, plan, EVENING)[0] == 0
    sandbox.emulator.apply_settings(settings)
    sandbox.emulator.log.clear()
    return tick(capsys, plan, MORNING, *args)


def logged(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [asdict(r) for r in sandbox.emulator.log]


def test_no_tier_starts_before_the_tier_before_is_ready(
    applied: Sandbox, path_kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    slow_agent = Settings(page_size=5, op_time=0.2, agent_ready_after=1.0)
    code, report = evening_then_morning(applied, capsys, LYNC, slow_agent)
    assert code == 0 and report["ok"], json.dumps([report["vms"][0], report["guest"]])
    log = logged(applied)
    started, ready = starts(log), first_ready(log)
    # core: dc01 (tier 0) then sql01 (tier 1); lync (depends on core): fe01, then edge01.
    assert started["sql01"] >= ready["dc01"]
    assert started["fe01"] >= ready["sql01"]
    assert started["edge01"] >= ready["fe01"]
    assert started["sql01"] - started["dc01"] >= 1.0  # the agent's second after running
    tiers = {"dc01": ("core", 0), "sql01": ("core", 1), "fe01": ("lync", 0), "edge01": ("lync", 1)}
    assert len(margins(log, tiers)) == 2 and min(margins(log, tiers)) >= 0
    # The gate read no instance view of its own: the list rounds carried the agent.
    assert not [r for r in log if r["path"].lower().endswith("/instanceview")]
    assert report["gate_requests"] == 0


def test_without_the_gate_the_next_tier_starts_before_ready(
    applied: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZLAB_HEALTH_GATE", "off")
    slow_agent = Settings(page_size=5, op_time=0.2, agent_ready_after=2.0)
    code, _ = evening_then_morning(applied, capsys, LYNC, slow_agent)
    assert code == 0
    log = logged(applied)
    assert starts(log)["sql01"] < first_ready(log).get("dc01", float("inf"))
    assert min(margins(log, {"dc01": ("core", 0), "sql01": ("core", 1)})) < 0


def test_a_vm_never_ready_is_reported_and_blocks_its_dependents(
    applied: Sandbox, path_kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    never = Settings(page_size=5, op_time=0.2, agent_never=frozenset({"dc01"}))
    code, report = evening_then_morning(applied, capsys, LYNC, never, "--deadline", "3s")
    assert code == 1 and not report["ok"]
    results = {v["vm"]: v for v in report["vms"]}
    assert results["dc01"]["result"] == "failed"
    assert results["dc01"]["detail"].startswith("NotReady: the guest agent did not report Ready")
    assert {results[v]["result"] for v in ("sql01", "fe01", "edge01")} == {"blocked"}
    assert set(starts(logged(applied))) == {"dc01"}
    (gate,) = report["guest"]
    assert (gate["vm"], gate["hook"], gate["ok"]) == ("dc01", "ready", False)


def test_ready_probe_is_retried_until_it_exits_0(
    applied: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    probe = "if ((Get-Service NTDS).Status -ne 'Running') { exit 1 }"
    plan = lab_plan(tmp_path, dc01={"ready": {"script": probe, "timeout": "1m", "delay": "1s"}})
    control = SandboxControl(applied.control_url, str(applied.ca_file))
    control.script_results("dc01", {"exit_code": 1}, {"exit_code": 1}, {"exit_code": 0})
    code, report = evening_then_morning(applied, capsys, plan, FAST)
    assert code == 0 and report["ok"], json.dumps([report["vms"][0], report["guest"]])
    runs = control.script_runs()
    assert [(r["vm"], r["name"], r["exit_code"]) for r in runs] == [
        ("dc01", "azlab-ready", 1),
        ("dc01", "azlab-ready", 1),
        ("dc01", "azlab-ready", 0),
    ]
    assert runs[0]["script"] == probe
    assert starts(logged(applied))["sql01"] >= runs[-1]["at"]
    (gate,) = report["guest"]
    assert (gate["hook"], gate["ok"], gate["attempts"]) == ("ready", True, 3)


def test_a_probe_that_never_passes_fails_the_vm_with_not_ready(
    applied: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = lab_plan(
        tmp_path, sql01={"ready": {"script": "exit 1", "timeout": "10s", "delay": "1s"}}
    )
    control = SandboxControl(applied.control_url, str(applied.ca_file))
    control.script_results("sql01", {"exit_code": 2, "error": "SQL not up"})
    code, report = evening_then_morning(applied, capsys, plan, FAST, "--deadline", "4s")
    assert code == 1
    results = {v["vm"]: v for v in report["vms"]}
    assert results["sql01"]["result"] == "failed"
    assert "NotReady" in results["sql01"]["detail"] and "SQL not up" in results["sql01"]["detail"]
    assert results["fe01"]["result"] == "blocked" and results["edge01"]["result"] == "blocked"


def test_before_stop_blocks_only_when_required_and_is_reported_either_way(
    applied: Sandbox, path_kind: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = lab_plan(
        tmp_path,
        sql01={"before_stop": {"script": "Backup-SqlDatabase", "required": True}},
        fe01={"before_stop": {"script": "Stop-CsWindowsService"}},
    )
    control = SandboxControl(applied.control_url, str(applied.ca_file))
    control.script_results("sql01", {"exit_code": 1, "error": "backup failed\nmore"})
    control.script_results("fe01", {"exit_code": 5})
    applied.emulator.apply_settings(FAST)
    applied.emulator.log.clear()
    code, report = tick(capsys, plan, EVENING)
    assert code == 1, json.dumps([report["vms"], report["guest"]])
    results = {v["vm"]: v for v in report["vms"]}
    assert results["sql01"]["result"] == "failed"
    assert results["sql01"]["detail"].startswith("BeforeStopFailed: before_stop exit code 1")
    assert results["dc01"]["result"] == "blocked"  # the stop order holds below a kept VM
    assert results["fe01"]["result"] == "done"  # not required: stopped anyway
    hooks = {(g["vm"], g["hook"]): g for g in report["guest"]}
    assert hooks["sql01", "before_stop"]["blocked"] and not hooks["sql01", "before_stop"]["ok"]
    assert hooks["sql01", "before_stop"]["detail"] == "exit code 1: backup failed"
    assert not hooks["fe01", "before_stop"]["ok"] and not hooks["fe01", "before_stop"]["blocked"]
    # The hook ran before the stop was sent, and sql01 was never sent one.
    log = logged(applied)
    put = next(
        r["at"] for r in log if r["method"] == "PUT" and "fe01/runcommands" in r["path"].lower()
    )
    sent = [r for r in log if r["method"] == "POST" and "deallocate" in r["path"].lower()]
    stops = [r for r in sent if "fe01" in (r["path"] + (r["body"] or "")).lower()]
    assert stops and stops[0]["at"] >= put
    assert not [r for r in sent if "sql01" in (r["path"] + (r["body"] or "")).lower()]


def test_after_start_runs_once_ready_and_before_the_next_tier(
    applied: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = lab_plan(
        tmp_path,
        fe01={"after_start": {"script": "Start-CsWindowsService", "timeout": "1m"}},
        edge01={"after_start": {"script": "Start-CsWindowsService"}},
    )
    control = SandboxControl(applied.control_url, str(applied.ca_file))
    control.script_results("fe01", {"exit_code": 0, "seconds": 0.5})
    control.script_results("edge01", {"exit_code": 3})
    code, report = evening_then_morning(applied, capsys, plan, FAST)
    assert code == 0 and report["ok"]  # a failed after_start is reported, never blocks
    runs = {r["vm"]: r for r in control.script_runs()}
    assert runs["fe01"]["name"] == "azlab-after-start"
    assert starts(logged(applied))["edge01"] >= runs["fe01"]["at"] + 0.5
    hooks = {(g["vm"], g["hook"]): g for g in report["guest"]}
    assert hooks["fe01", "after_start"]["ok"]
    assert hooks["edge01", "after_start"]["detail"] == "exit code 3"
    assert not hooks["edge01", "after_start"]["ok"]
