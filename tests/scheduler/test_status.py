"""`azlab scheduler status`: the lines a hosted tick leaves, read back; the next actions."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from azure.storage.blob import BlobClient

from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.power.tick_status import action_line, blob_name, record, tick_line
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.scheduler.names import CONTAINER, STATUS_PREFIX, names_for
from azlab.scheduler.status import next_actions, parse_runs

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
EVENING = datetime(2026, 11, 24, 2, 5, tzinfo=timezone.utc)  # Monday 18:05 in Los Angeles


def test_a_tick_line_counts_results_and_names_failures() -> None:
    report = {"ok": False, "results": {"dc01": "done", "sql01": "failed", "fe01": "blocked"}}
    line = tick_line(EVENING, report)
    assert line == {
        "at": "2026-11-24T02:05:00+00:00",
        "kind": "tick",
        "ok": False,
        "summary": {"results": {"done": 1, "failed": 1, "blocked": 1}, "failed": ["sql01"]},
    }
    queued = tick_line(EVENING, {"ok": True, "enqueued": [{"group": "core", "want": "stopped"}]})
    assert queued["summary"] == {"enqueued": ["core stopped"]}
    failed = action_line(EVENING, {"group": "core", "want": "stopped", "result": "failed"})
    assert failed["ok"] is False and failed["kind"] == "group_action"
    assert blob_name(EVENING) == "ticks-2026-11-24.jsonl"


def test_without_a_status_url_nothing_is_written() -> None:
    record({}, EVENING, {"at": "x"})  # no setting, no call: it would need Azure


def test_torn_lines_are_skipped() -> None:
    good = json.dumps({"at": "2026-11-24T02:05:00+00:00", "ok": True})
    assert parse_runs(f"{good}\n{{torn\n[1]\n") == [json.loads(good)]


def test_next_actions_follow_the_schedule() -> None:
    plan = load_plan(LYNC).plan
    found = next_actions(plan, EVENING)
    # Monday 18:05 in Los Angeles: both groups stopped at 18:00; the next is Tuesday's start.
    assert found[0].action == "start" and found[0].local.strftime("%a %H:%M") == "Tue 08:00"
    assert [a.at for a in found] == sorted(a.at for a in found)


def test_status_shows_the_runs_the_hosted_tick_left(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes", "--output", "json"]) == 0
    assert main(["scheduler", "deploy", str(LYNC), "--yes", "--output", "json"]) == 0
    names = names_for(sandbox.subscription, "lynclab", "westus2")
    endpoint, key = Clients(sandbox).account_endpoint(
        names.storage_account, resource_group=names.resource_group
    )
    now = datetime.now(timezone.utc)
    blob = BlobClient(
        endpoint,
        CONTAINER,
        f"{STATUS_PREFIX}{blob_name(now)}",
        credential={"account_name": names.storage_account, "account_key": key},
    )
    blob.create_append_blob()
    ok = tick_line(now, {"ok": True, "enqueued": [{"group": "core", "want": "stopped"}]})
    bad = action_line(now, {"group": "core", "want": "stopped", "result": "failed", "detail": "x"})
    for line in (ok, bad):
        blob.append_block((json.dumps(line) + "\n").encode())
    capsys.readouterr()
    assert main(["scheduler", "status", str(LYNC), "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["deployed"] is True and data["changes"] == []
    assert [r["kind"] for r in data["runs"]] == ["tick", "group_action"]
    assert [r["summary"]["group"] for r in data["failures"]] == ["core"]
    assert main(["scheduler", "status", str(LYNC)]) == 0
    out = capsys.readouterr().out
    assert "matches the plan" in out and "FAILED" in out and "Next actions:" in out
