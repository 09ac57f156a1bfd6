"""Failure isolation, and finishing an apply that was killed midway."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")


def test_one_failing_vm_does_not_stop_the_others(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.emulator.apply_settings(
        Settings(page_size=5).with_changes({"faults": "allocation=edge01"})
    )
    capsys.readouterr()
    assert main(["apply", str(LYNC), "--yes", "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    outcomes = {o["name"]: o for o in report["outcomes"]}
    assert outcomes["edge01"]["status"] == "failed"
    # Mapped where Azure is called: the resource, Azure's code and its message, one line.
    error = outcomes["edge01"]["error"]
    assert error.startswith("virtual machine edge01: Azure answered AllocationFailed: ")
    assert "\n" not in error
    assert all(outcomes[vm]["status"] == "done" for vm in ("dc01", "sql01", "fe01"))


def test_injected_server_errors_block_only_what_depends_on_them(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every public IP write fails: edge01's NIC and VM are blocked, the rest is built.
    sandbox.emulator.apply_settings(
        Settings(page_size=5).with_changes(
            {
                "faults": "500=1.0@PUT /subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/publicipaddresses/{name}"
            }
        )
    )
    capsys.readouterr()
    assert main(["apply", str(LYNC), "--yes", "--output", "json"]) == 1
    outcomes = {o["name"]: o["status"] for o in json.loads(capsys.readouterr().out)["outcomes"]}
    assert outcomes["edge01-pip"] == "failed"
    assert outcomes["edge01-nic"] == "blocked" and outcomes["edge01"] == "blocked"
    assert outcomes["dc01"] == outcomes["fe01"] == outcomes["sql01"] == "done"
    sandbox.emulator.apply_settings(Settings(page_size=5))
    assert main(["apply", str(LYNC), "--yes"]) == 0
    assert main(["plan", str(LYNC), "--detailed-exitcode"]) == 0


def test_apply_killed_midway_is_finished_by_running_it_again(sandbox: Sandbox) -> None:
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=1.0))
    process = subprocess.Popen(
        [sys.executable, "-m", "azlab", "apply", str(LYNC), "--yes"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the apply is partway: the network exists, the VMs do not yet.
    deadline = time.monotonic() + 60
    names: set[str] = set()
    while time.monotonic() < deadline:
        names = {r["name"] for r in sandbox.emulator.state.resources.values()}
        if "vnet-wus2-10-2" in names:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert "vnet-wus2-10-2" in names and "edge01" not in names
    sandbox.emulator.apply_settings(Settings(page_size=5))
    assert main(["apply", str(LYNC), "--yes"]) == 0
    assert main(["plan", str(LYNC), "--detailed-exitcode"]) == 0
