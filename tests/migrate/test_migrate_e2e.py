"""`azlab migrate` end to end on the sandbox: across regions, every disk compared byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from tests.migrate.lab import MIB, RG, fill, fingerprint, settle, write_plan

MOVE = ["--to-location", "eastus", "--to-subnet", "vnet-eus/core", "--to-storage", "stmigeus"]


@pytest.fixture
def lab(
    sandbox: Sandbox, clients: Clients, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    plan = write_plan(tmp_path)
    assert main(["apply", str(plan), "--yes", "--output", "json"]) == 0
    # What the VMs wrote to their disks: the copies must hold exactly this.
    fill(sandbox, clients, "dc01-osdisk", [(8 * MIB, 3 * MIB), (700 * MIB, MIB)])
    fill(sandbox, clients, "sql01-data0", [(0, MIB), (5 * MIB + 4096, 2 * MIB), (1023 * MIB, MIB)])
    return plan


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    capsys.readouterr()
    code = main([*args, "--output", "json"])
    out, err = capsys.readouterr()
    if code != 0:
        print(out, err)
    events = [json.loads(line) for line in out.splitlines() if line.startswith('{"event"')]
    tail = out.find('{\n  "event"')
    if tail >= 0:
        events.append(json.loads(out[tail:]))
    return code, events


def vm_json(clients: Clients, name: str) -> dict[str, Any]:
    data: dict[str, Any] = clients.compute.virtual_machines.get(RG, name).as_dict()
    return data


def test_migrate_across_regions_keeps_every_byte_and_the_plan_converges(
    lab: Path, sandbox: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    settle(clients, "sql01-osdisk")
    before = {
        d: fingerprint(sandbox, clients, d) for d in ("dc01-osdisk", "sql01-osdisk", "sql01-data0")
    }
    original = lab.read_text()

    code, events = run_json(capsys, "migrate", str(lab), "dc01", "sql01", *MOVE, "--yes")

    assert code == 0, events
    done = events[-1]
    assert done["event"] == "done"
    moved = {vm["name"]: vm for vm in done["vms"]}
    # Rebuilt in tier order: the domain controller before SQL.
    rebuilds = [e["vm"] for e in events if e.get("step") == "rebuild" and e["state"] == "done"]
    assert rebuilds == ["dc01", "sql01"]
    assert any(e["event"] == "progress" for e in events)
    for name, new in [
        ("dc01-osdisk", "dc01-osdisk-eastus"),
        ("sql01-osdisk", "sql01-osdisk-eastus"),
        ("sql01-data0", "sql01-data0-eastus"),
    ]:
        assert fingerprint(sandbox, clients, new) == before[name], new
        # The source disk is kept, untouched and no longer owned by the plan.
        assert fingerprint(sandbox, clients, name) == before[name], name
        kept = clients.compute.disks.get(RG, name)
        assert "azlab-plan" not in (kept.tags or {})
        assert kept.tags["azlab-retained"].startswith("miglab/")
    vm = vm_json(clients, "dc01")
    assert vm["location"] == "eastus"
    assert vm["properties"]["storageProfile"]["osDisk"]["name"] == "dc01-osdisk-eastus"
    assert vm["tags"]["role"] == "dc"
    nic = clients.network.network_interfaces.get(RG, "dc01-nic").as_dict()
    config = nic["properties"]["ipConfigurations"][0]["properties"]
    assert nic["location"] == "eastus"
    assert config["subnet"]["id"].endswith("virtualNetworks/vnet-eus/subnets/core")
    # 10.2.0.4 is not in the new subnet: the first free address there was chosen and reported.
    assert config["privateIPAddress"] == moved["dc01"]["private_ip"] == "10.3.0.4"
    assert "10.2.0.4 is not in 10.3.0.0/24" in moved["dc01"]["ip_note"]
    assert moved["sql01"]["private_ip"] == "10.3.0.5"
    sql = vm_json(clients, "sql01")["properties"]["storageProfile"]["dataDisks"]
    assert [(d["lun"], d["name"]) for d in sql] == [(0, "sql01-data0-eastus")]
    vhds = clients.blob_service("stmigeus", resource_group=RG).get_container_client("vhds")
    # The VHDs stay, and so does the journal's copy, beside them. (Azurite keeps blobs
    # of earlier tests across sandbox resets, so this looks for ours among them.)
    blobs = {b.name for b in vhds.list_blobs()}
    assert {"dc01-os.vhd", "sql01-lun0.vhd", "sql01-os.vhd"} <= blobs
    [ours] = [b for b in blobs if b.startswith("azlab-migrations/miglab-dc01+sql01-")]
    journal = json.loads(vhds.get_blob_client(ours).download_blob().readall())
    assert journal["steps"]["finished"] == "done"
    # The plan now says where they are, with its comments and layout kept.
    text = lab.read_text()
    assert "# the domain controller" in text and "# the destination" in text
    assert "        location: eastus\n        private_ip: 10.3.0.4" in text
    changed = [line for line in text.splitlines() if line not in original.splitlines()]
    assert len(changed) == 9, changed  # subnet, location, address and disks of each VM
    # And the subscription matches the rewritten plan: nothing to do.
    capsys.readouterr()
    assert main(["plan", str(lab), "--detailed-exitcode"]) == 0, capsys.readouterr().out


def test_dry_run_changes_nothing_and_preflight_refuses_what_would_fail(
    lab: Path, sandbox: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = len(sandbox.emulator.log)
    code, events = run_json(capsys, "migrate", str(lab), "--group", "core", *MOVE, "--dry-run")
    assert code == 0
    plan = events[-1]
    assert plan["event"] == "dry-run" and plan["estimated_seconds"] > 0
    assert {"vm": "sql01", "step": "copy:lun0"} in plan["steps"]
    writes = [r for r in list(sandbox.emulator.log)[calls:] if r.method != "GET"]
    assert writes == []
    assert vm_json(clients, "dc01")["location"] == "westus2"

    # The storage account is in the wrong region: refused before anything changes.
    wrong = ["--to-subnet", "vnet-eus/core", "--to-storage", "stmigwus2", "--yes"]
    capsys.readouterr()
    assert main(["migrate", str(lab), "dc01", *wrong]) == 2
    out = capsys.readouterr()
    assert "stmigwus2 is in westus2, not eastus" in out.err + out.out
    assert main(["migrate", str(lab), "nosuchvm", *MOVE, "--yes"]) == 2
    assert "not in the plan" in "".join(capsys.readouterr())
    writes = [r for r in list(sandbox.emulator.log)[calls:] if r.method != "GET"]
    assert writes == []
