"""Ticks against the sandbox tell a loopback webhook receiver: each warning once per group and
stop, a hand start once, a failure with Azure's code; a dead channel fails no tick."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.notify.plans import write_plan_with
from tests.notify.receiver import Receiver, free_port, running

MONDAY = datetime.fromisoformat("2026-11-23T00:00:00-08:00")


@pytest.fixture
def receiver() -> Any:
    with running() as found:
        yield found


@pytest.fixture
def lab(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, receiver: Receiver
) -> Path:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    # Through the batch API (the default): its operations' failures carry Azure's code too.
    monkeypatch.setenv("AZLAB_BATCH_POWER", "on")
    monkeypatch.setenv("TEAMS_URL", receiver.url("teams"))
    monkeypatch.setenv("SLACK_URL", receiver.url("slack"))
    monkeypatch.setenv("DEAD_URL", f"http://127.0.0.1:{free_port()}/dead?sig=s3cr3t-key")
    plan = write_plan_with(
        [
            {"name": "teams", "kind": "teams", "url_env": "TEAMS_URL", "lead": "15m"},
            {
                "name": "slack",
                "kind": "slack",
                "url_env": "SLACK_URL",
                "events": ["failure", "deviation"],
            },
            {"name": "dead", "kind": "webhook", "url_env": "DEAD_URL", "events": ["deviation"]},
        ],
        tmp_path / "lynclab.yaml",
    )
    assert main(["apply", str(plan), "--yes"]) == 0
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.1))
    return plan


def tick(plan: Path, at: datetime, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    code = main(["tick", str(plan), "--at", at.isoformat(), "--output", "json", *args])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert "s3cr3t" not in out
    return code, report


def titles(receiver: Receiver, path: str) -> list[str]:
    if path == "teams":
        return [b["attachments"][0]["content"]["body"][0]["text"] for b in receiver.bodies(path)]
    return [b["blocks"][0]["text"]["text"] for b in receiver.bodies(path)]


def test_an_evening_of_ticks_tells_each_thing_once(
    lab: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tick(lab, MONDAY + timedelta(hours=8, minutes=5), capsys)[0] == 0
    # Every 5 minutes from 17:30 to 18:05: the warning goes out at the first tick inside
    # the 15 minutes before the 18:00 stop, once per group.
    at = MONDAY + timedelta(hours=17, minutes=30)
    while at <= MONDAY + timedelta(hours=18, minutes=5):
        code, _ = tick(lab, at, capsys)
        assert code == 0
        if at == MONDAY + timedelta(hours=17, minutes=45):
            assert sorted(titles(receiver, "teams")) == [
                "core stops in 15 min",
                "lync stops in 15 min",
            ]
        at += timedelta(minutes=5)
    assert len(receiver.bodies("teams")) == 2
    assert receiver.bodies("slack") == []

    # Someone starts core by hand after the stop: the next tick reports it (and stops it
    # again: enforce is always); the tick after says nothing more.
    assert main(["up", str(lab), "core"]) == 0
    code, report = tick(lab, MONDAY + timedelta(hours=18, minutes=10), capsys)
    assert code == 0
    assert sorted(titles(receiver, "slack")) == [
        "dc01 is running outside its schedule",
        "sql01 is running outside its schedule",
    ]
    dead = [n for n in report["notices"] if n["channel"] == "dead"]
    assert dead and not any(n["ok"] for n in dead) and dead[0]["attempts"] == 4
    assert tick(lab, MONDAY + timedelta(hours=18, minutes=15), capsys)[0] == 0
    assert len(receiver.bodies("slack")) == 2
    # Teams takes every event: its two warnings and the same two deviations, once each.
    assert len(receiver.bodies("teams")) == 4


def test_a_failed_start_is_told_with_azures_code(
    lab: Path, receiver: Receiver, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tick(lab, MONDAY + timedelta(hours=18, minutes=5), capsys)[0] == 0
    sandbox.emulator.apply_settings(
        Settings(page_size=5, op_time=0.1).with_changes({"faults": "allocation=sql01"})
    )
    tuesday = MONDAY + timedelta(days=1, hours=8, minutes=5)
    code, report = tick(lab, tuesday, capsys, "--deadline", "2s")
    assert code == 1 and report["batch"]["used"] and not report["batch"]["fallbacks"]
    (sql01,) = [v for v in report["vms"] if v["vm"] == "sql01"]
    assert sql01["result"] == "failed" and "AllocationFailed" in sql01["detail"]
    (failure,) = receiver.bodies("slack")
    assert (
        failure["blocks"][0]["text"]["text"] == "sql01 failed to become running (AllocationFailed)"
    )
    assert "fe01" in failure["blocks"][1]["text"]["text"]  # its dependents were not started
    # The same failure at the next tick of the same window is not told again.
    tick(lab, tuesday + timedelta(minutes=5), capsys, "--deadline", "2s")
    assert len(receiver.bodies("slack")) == 1
