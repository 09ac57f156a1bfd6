"""One region's outage stays in that region: East US answers 503 to every compute call for
ten sandbox minutes while West US 2 works.

tick starts the healthy region's groups on time and reports the other's VMs not done,
with Azure's reason; nothing is reported done that is not; the next tick after the outage
catches up. apply builds what does not need the region and finishes once it is back.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.rehearse.observe import power_actions
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.reliability.support import EVENING, MORNING, Figures, power_states

PLAN = Path(__file__).resolve().parent / "plans" / "tworegions.yaml"
RG = "rg-tworegions"
WEST = {"wdc01", "wdb01", "wapp01"}
EAST = {"edc01", "eapp01"}
OUTAGE = "outage=eastus:10m,outage-retry-after=0.2"
SOAK_NEW_RUNS = int(os.environ.get("AZLAB_SOAK_NEW_RUNS", "5"))


@pytest.fixture
def lab(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("LAB_SSH_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIReliabilityTests")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    return sandbox


def azlab_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main([*argv, "--output", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out[: out.rindex("}") + 1]) if "}" in out else {}


def started(entry: Any) -> set[str]:
    """The VMs a logged request started: a per-VM start, or the VMs a batch start took."""
    return {a.vm for a in power_actions([entry]) if a.verb == "start" and a.status == 202}


def _outage(sandbox: Sandbox, spec: str = OUTAGE) -> None:
    sandbox.emulator.apply_settings(
        Settings(page_size=5, op_time=0.2).with_changes({"faults": spec})
    )


def _end_outage(sandbox: Sandbox) -> None:
    sandbox.emulator.state.clock_offset += 11 * 60  # ten sandbox minutes and a bit


def test_tick_acts_on_the_healthy_region_and_catches_up_after_the_outage(
    lab: Sandbox, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    tick_through_an_outage(lab, capsys, figures, "outage tick (east down, west on time)")


@pytest.mark.soak
@pytest.mark.parametrize("run", range(SOAK_NEW_RUNS))
def test_soak_tick_acts_on_the_healthy_region_and_catches_up_after_the_outage(
    run: int, lab: Sandbox, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    tick_through_an_outage(lab, capsys, figures, "soak outage tick")


@pytest.mark.soak
def test_tick_when_the_region_times_out_instead(
    lab: Sandbox, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    """Calls to East US are held a second and dropped unanswered: the same isolation."""
    tick_through_an_outage(
        lab,
        capsys,
        figures,
        "outage tick (east times out)",
        spec="outage=eastus:10m@timeout,outage-hang=1s",
        reason="cannot reach azure",
    )


def tick_through_an_outage(
    lab: Sandbox,
    capsys: pytest.CaptureFixture[str],
    figures: Figures,
    label: str,
    *,
    spec: str = OUTAGE,
    reason: str = "unavailable in region 'eastus'",
) -> None:
    assert main(["apply", str(PLAN), "--yes"]) == 0
    code, _ = azlab_json(capsys, "tick", str(PLAN), "--at", EVENING)
    assert code == 0 and set(power_states(lab, RG).values()) == {"deallocated"}

    _outage(lab, spec)
    lab.emulator.log.clear()
    began = time.time() + lab.emulator.state.clock_offset
    code, report = azlab_json(capsys, "tick", str(PLAN), "--at", MORNING, "--deadline", "60s")
    tick_seconds = time.time() + lab.emulator.state.clock_offset - began
    assert code == 1 and not report["ok"], report
    results = {v["vm"]: v for v in report["vms"]}
    assert {v for v in WEST if results[v]["result"] == "done"} == WEST, results
    for vm in EAST:
        assert results[vm]["result"] in ("failed", "blocked"), results[vm]
    # The first VM of each east tier is refused with Azure's reason, named in the report.
    assert results["edc01"]["result"] == "failed"
    assert reason in results["edc01"]["detail"].lower(), results["edc01"]
    states = power_states(lab, RG)
    assert {vm for vm, s in states.items() if s == "running"} == WEST, states
    # On time: the healthy region's starts went out at once, not after the east's retries.
    starts = [r for r in lab.emulator.log if r.method == "POST" and r.path.endswith("/start")]
    west_started = max(r.at for r in lab.emulator.log if started(r) & WEST)
    east_refused = [r for r in starts if r.path.split("/")[-2] in EAST and r.status == 503]
    # Through the batch API, the east's batch requests met the outage first.
    batched = [r for r in lab.emulator.log if r.path.endswith("/virtualMachinesExecuteStart")]
    assert all(r.status == 503 for r in batched if "/locations/eastus/" in r.path), batched
    assert east_refused or "timeout" in spec, "the outage refused no east start"
    healthy_seconds = west_started - began

    _end_outage(lab)
    code, after = azlab_json(capsys, "tick", str(PLAN), "--at", MORNING)
    assert code == 0 and after["ok"], after
    again = {v["vm"]: v["result"] for v in after["vms"]}
    assert {v for v in EAST if again[v] == "done"} == EAST, again
    assert {v for v in WEST if again[v] == "already"} == WEST, again
    assert set(power_states(lab, RG).values()) == {"running"}
    figures.add(
        label,
        seconds=tick_seconds,
        healthy_started_s=round(healthy_seconds, 2),
        east_refusals=len(east_refused),
    )
    assert healthy_seconds < 5, (
        f"the healthy region's last start went out after {healthy_seconds:.1f}s"
    )


def test_apply_builds_the_healthy_region_and_finishes_after_the_outage(
    lab: Sandbox, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    _outage(lab)
    began = time.monotonic()
    code, report = azlab_json(capsys, "apply", str(PLAN), "--yes")
    seconds = time.monotonic() - began
    assert code != 0 and not report["ok"], report
    outcomes = {(o["kind"], o["name"]): o for o in report["outcomes"]}
    for vm in WEST:
        assert outcomes[("vm", vm)]["status"] == "done", outcomes[("vm", vm)]
    for vm in EAST:
        assert outcomes[("vm", vm)]["status"] == "failed", outcomes[("vm", vm)]
        assert "unavailable in region 'eastus'" in outcomes[("vm", vm)]["error"]
    states = power_states(lab, RG)  # lists span regions and still answer
    assert set(states) >= WEST and not (EAST & set(states)), states
    assert {states[v] for v in WEST} == {"running"}
    _end_outage(lab)
    code, _ = azlab_json(capsys, "apply", str(PLAN), "--yes")
    assert code == 0
    code, _ = azlab_json(capsys, "plan", str(PLAN), "--detailed-exitcode")
    assert code == 0
    assert set(power_states(lab, RG).values()) == {"running"} and len(power_states(lab, RG)) == 5
    figures.add("outage apply (east down)", seconds=seconds)


def test_migrate_copies_every_disk_while_the_destination_region_is_out(
    sandbox: Sandbox,
    clients: Any,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    figures: Figures,
) -> None:
    """The work in the healthy region (deallocate, export and copy each disk) finishes for
    every VM although the first import into East US fails; --resume after the outage
    imports and rebuilds without copying a byte again."""
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    from tests.migrate.lab import fingerprint, settle, write_plan

    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    plan = write_plan(tmp_path)
    assert main(["apply", str(plan), "--yes"]) == 0
    settle(clients, "sql01-osdisk")
    disks = ("dc01-osdisk", "sql01-osdisk", "sql01-data0")
    before = {d: fingerprint(sandbox, clients, d) for d in disks}
    move = ["--to-location", "eastus", "--to-subnet", "vnet-eus/core", "--to-storage", "stmigeus"]
    _outage(sandbox)
    capsys.readouterr()
    code = main(["migrate", str(plan), "dc01", "sql01", *move, "--yes"])
    text = "".join(capsys.readouterr())
    assert code != 0 and "unavailable in region 'eastus'" in text, text[-2000:]
    assert "--resume" in text
    [journal_file] = (tmp_path / "state").rglob("miglab-dc01+sql01-*.json")
    journal = json.loads(journal_file.read_text())
    copied = {
        f"{vm['name']}:{step}"
        for vm in journal["vms"]
        for step, state in vm["steps"].items()
        if step.startswith("copy:") and state == "done"
    }
    assert copied == {"dc01:copy:os", "sql01:copy:os", "sql01:copy:lun0"}, journal["vms"]
    gateway = sandbox.storage.gateway
    moved = gateway.pages_from_url_bytes
    _end_outage(sandbox)
    code = main(["migrate", str(plan), "dc01", "sql01", *move, "--yes", "--resume"])
    assert code == 0, "".join(capsys.readouterr())[-2000:]
    assert gateway.pages_from_url_bytes == moved  # the resume copied nothing again
    for name in disks:
        assert fingerprint(sandbox, clients, f"{name}-eastus") == before[name], name
    figures.add("outage migrate (destination down, copies done)", copies_done=len(copied))
