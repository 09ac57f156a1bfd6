"""The budget stop against the sandbox: the tick after the month's spend crosses the limit
deallocates every group, spend past the limit is at most one tick interval of the running
VMs, the stop holds until `azlab budget release`, and `azlab hold` needs --over-budget."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.money.ledger import Entry, FileStore
from azlab.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]
TICK = timedelta(minutes=5)
MONDAY_8 = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)  # 08:00 in Los Angeles


@pytest.fixture
def lab(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    text = (ROOT / "plans" / "lynclab.yaml").read_text()
    old = "budget: {monthly: 250, warn_at: [50%, 80%], at_limit: stop}"
    assert old in text
    plan = tmp_path / "lynclab.yaml"
    plan.write_text(
        text.replace(old, "budget: {monthly: 2.5, warn_at: [50%, 80%], at_limit: stop}")
    )
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_LEDGER_DIR", str(tmp_path / "ledger"))
    assert main(["apply", str(plan), "--yes", "-o", "json"]) == 0
    return plan


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = main([*args, "--output", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_tick_after_the_limit_stops_the_lab_until_released(
    lab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = MONDAY_8 - TICK
    code, first = run(capsys, "tick", str(lab), "--at", iso(at))  # before 08:00: deallocate
    assert code == 0 and first["budget"]["stopped"] is False
    stopped_at = None
    previous: dict[str, Any] | None = None
    while at < MONDAY_8 + timedelta(hours=8):
        at += TICK
        code, report = run(capsys, "tick", str(lab), "--at", iso(at))
        assert code == 0, report
        if report["budget"]["stopped"]:
            stopped_at = at
            break
        previous = report
    assert stopped_at is not None and previous is not None
    # The tick before saw spend under the limit; this one deallocated every VM.
    assert previous["budget"]["spent"] < 2.5 <= report["budget"]["spent"]
    assert {(v["want"], v["result"]) for v in report["vms"]} == {("deallocated", "done")}
    assert all(g["reason"].startswith("budget:") for g in report["groups"].values())
    assert report["budget"]["warned_now"] == [] and report["budget"]["crossed"] == [0.5, 0.8]

    code, cost = run(capsys, "cost", str(lab), "--at", iso(stopped_at))
    running_hourly = sum(v["compute_hourly"] for v in cost["vms"])
    fixed_hourly = (
        sum(v["disks_and_ip"] for v in cost["vms"])
        / sum(v["present_hours"] for v in cost["vms"])
        * len(cost["vms"])
    )
    one_tick = (running_hourly + fixed_hourly) * TICK / timedelta(hours=1)
    assert 0 <= cost["to_date"] - 2.5 <= one_tick
    # Nothing more runs: a day later, at Tuesday's start, the lab stays deallocated.
    code, later = run(capsys, "tick", str(lab), "--at", iso(MONDAY_8 + timedelta(days=1)))
    assert code == 0 and later["budget"]["stopped"] and later["actions_sent"] == 0
    code, after = run(capsys, "cost", str(lab), "--at", iso(MONDAY_8 + timedelta(days=1)))
    assert after["vms"][0]["running_hours"] == cost["vms"][0]["running_hours"]
    assert after["budget"]["stopped"] is True
    # Released: the next tick follows the schedule again.
    release_at = MONDAY_8 + timedelta(days=1, minutes=1)
    assert run(capsys, "budget", "release", str(lab), "--at", iso(release_at))[0] == 0
    code, resumed = run(capsys, "tick", str(lab), "--at", iso(release_at + TICK))
    assert code == 0 and not resumed["budget"]["stopped"] and resumed["budget"]["released"]
    assert {v["result"] for v in resumed["vms"]} == {"done"}
    assert {v["want"] for v in resumed["vms"]} == {"running"}


def test_hold_needs_over_budget_while_the_stop_is_in_force(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(timezone.utc)
    store = FileStore(str(tmp_path / "ledger"), "lynclab")
    import asyncio

    asyncio.run(store.append(now.strftime("%Y-%m"), [Entry(now, "budget", "budget-stop")]))
    capsys.readouterr()
    assert main(["hold", str(lab), "edge01", "--for", "1h"]) == 2
    assert "--over-budget" in capsys.readouterr().err
    assert main(["hold", str(lab), "edge01", "--for", "1h", "--over-budget"]) == 0
    entries = asyncio.run(store.read(now.strftime("%Y-%m")))
    assert any(e.source == "hold" and e.vm == "edge01" for e in entries)
