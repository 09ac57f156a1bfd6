"""Money in the views, against the sandbox: plan (the monthly change), status (cost per hour
now), schedule show (a week on schedule against always-on)."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from azlab.cli.main import main
from azlab.sandbox.arm import price_data
from azlab.sandbox.runner import Sandbox
from tests.money.test_cost_measure import expected_week

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"


def run(*args: str) -> Any:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*args, "--output", "json"]) == 0
    return json.loads(out.getvalue())


def test_plan_status_and_schedule_show_carry_the_money(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    before = run("plan", str(LYNC))["cost"]
    assert before["monthly_before"] == 0 and before["monthly_change"] > 0
    priced = {(r["kind"], r["name"]) for r in before["resources"]}
    assert ("vm", "dc01") in priced and ("public_ip", "edge01-pip") in priced
    assert ("disk", "sql01-data0") in priced
    assert main(["apply", str(LYNC), "--yes", "-o", "json"]) == 0
    after = run("plan", str(LYNC))["cost"]
    assert after["monthly_change"] == 0
    assert after["monthly_before"] == before["monthly_after"]

    status = run("status", str(LYNC))
    plan = yaml.safe_load(LYNC.read_text())
    windows = {
        vm["name"]: price_data.VM_HOURLY[vm["size"]][1] for g in plan["groups"] for vm in g["vms"]
    }
    for row in status["vms"]:
        assert row["power"] == "running"
        assert row["cost_per_hour"] > windows[row["vm"]]  # compute, and its disks and IP
    assert status["cost"]["total_per_hour"] == pytest.approx(
        sum(r["cost_per_hour"] for r in status["vms"]), abs=1e-3
    )

    shown = run("schedule", "show", str(LYNC), "--at", "2026-11-10T12:00Z")
    week = shown["cost"]
    start = datetime(2026, 11, 9, 8, tzinfo=timezone.utc)
    end = datetime(2026, 11, 16, 8, tzinfo=timezone.utc)
    assert week["week_on_schedule"] == round(expected_week(plan, start, end), 2)
    assert week["week_always_on"] > week["week_on_schedule"]
    assert week["week_saving"] == pytest.approx(
        week["week_always_on"] - week["week_on_schedule"], abs=0.011
    )
    assert {g["group"]: g["cost"]["on_schedule"] is not None for g in shown["groups"]} == {
        "core": True,
        "lync": True,
    }
