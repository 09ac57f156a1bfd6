"""The hosted adapters' handler ticks the plan against the sandbox; the role is least privilege."""

from __future__ import annotations

import importlib.util
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy

from azlab.cli.main import main
from azlab.power.hosted import run_group_action, run_tick
from azlab.sandbox.runner import Sandbox
from azlab.testing.queues import queue_sas_url

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"


@pytest.fixture
def applied(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    return {**os.environ, "AZLAB_PLAN_FILE": str(LYNC)}


def test_handler_runs_one_tick(applied: dict[str, str], sandbox: Sandbox) -> None:
    evening = datetime(2026, 11, 24, 2, 5, tzinfo=timezone.utc)  # 18:05 in Los Angeles
    report = run_tick(evening, env=applied)
    assert report["ok"] and len(report["results"]) == 4
    assert set(report["results"].values()) == {"done"}
    # Sent through the batch API (the default) or per VM where it fell back.
    batch = report["batch"]
    per_vm = len(batch["fallbacks"]) if batch["used"] else 4
    assert report["actions_sent"] == per_vm and (batch["execute_requests"] >= 1 or per_vm == 4)
    again = run_tick(evening, env=applied)
    assert again["actions_sent"] == 0 and again["batch"]["execute_requests"] == 0


def test_queue_handlers_fan_out_and_carry_out_in_order(
    applied: dict[str, str], sandbox: Sandbox, clients: Any
) -> None:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (run make setup)")
    url = queue_sas_url(clients, "rg-lynclab-wus2", "stwus2lynclab01", "azlab-power")
    env = {**applied, "AZLAB_QUEUE_URL": url, "AZLAB_QUEUE_WAIT_SECONDS": "0"}
    evening = datetime(2026, 11, 24, 2, 5, tzinfo=timezone.utc)  # 18:05 in Los Angeles
    report = run_tick(evening, env=env)
    assert sorted(a["group"] for a in report["enqueued"]) == ["core", "lync"]
    queue = QueueClient.from_queue_url(url, message_decode_policy=TextBase64DecodePolicy())
    results: list[tuple[str, str]] = []
    # The host's loop: take a message, run the handler, delete it when it returns.
    for _ in range(10):
        messages = list(queue.receive_messages(max_messages=1))
        if not messages:
            break
        outcome = run_group_action(messages[0].content, evening, env=env)
        queue.delete_message(messages[0])
        results.append((outcome["group"], outcome["result"]))
    # core must wait until lync has stopped: it was put back, then done.
    assert results[-1] == ("core", "done") and ("lync", "done") in results
    assert ("core", "waiting") in results or results[0] == ("lync", "done")
    assert run_tick(evening, env=env)["enqueued"] == []


def test_automation_runbook_main_reports_and_exits_zero(
    applied: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZLAB_PLAN_FILE", str(LYNC))
    spec = importlib.util.spec_from_file_location(
        "runbook", ROOT / "runbooks" / "automation_runbook.py"
    )
    assert spec is not None and spec.loader is not None
    runbook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runbook)
    assert runbook.main() == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_role_grants_only_what_the_tick_uses() -> None:
    operator, batch = json.loads((ROOT / "runbooks" / "role.json").read_text())
    assert sorted(operator["Actions"]) == [
        "Microsoft.Compute/virtualMachines/deallocate/action",
        "Microsoft.Compute/virtualMachines/read",
        "Microsoft.Compute/virtualMachines/start/action",
        # hold and snooze links tag the VMs (a VM PATCH)
        "Microsoft.Compute/virtualMachines/write",
        # group leases, snooze claims and the spend ledger use the plan account's key
        "Microsoft.Storage/storageAccounts/listKeys/action",
        "Microsoft.Storage/storageAccounts/read",
    ]
    assert all(a.startswith("Microsoft.ComputeSchedule/locations/") for a in batch["Actions"])
    for role in (operator, batch):
        assert not any("*" in action for action in role["Actions"] + role["DataActions"])
