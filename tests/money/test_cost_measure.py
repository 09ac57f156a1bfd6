"""`azlab cost` for a rehearsed week of plans/lynclab.yaml equals, to the cent, a figure computed
here from the sandbox's price table and the week's clock alone."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from azlab.cli.main import main
from azlab.rehearse.run import rehearse
from azlab.sandbox.arm import price_data
from azlab.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
TIERS = [(1, 4), (2, 8), (3, 16), (4, 32), (6, 64), (10, 128), (15, 256), (20, 512), (30, 1024)]


def office_hours(start: datetime, end: datetime, zone: ZoneInfo) -> float:
    """Hours between start and end that fall on a weekday from 08:00 to 18:00 local."""
    hours, at = 0.0, start
    while at < end:
        local = at.astimezone(zone)
        if local.weekday() < 5 and 8 <= local.hour < 18:
            hours += 1 / 60
        at += timedelta(minutes=1)
    return hours


def ssd_monthly(size_gb: int) -> float:
    number = next(n for n, largest in TIERS if size_gb <= largest)
    return price_data.DISK_MONTHLY[number][2]  # Standard SSD, LRS


def expected_week(plan: dict, start: datetime, end: datetime) -> float:
    factor = price_data.REGION_FACTOR[plan["location"]]
    zone = ZoneInfo(plan["schedules"][0]["timezone"])
    running = office_hours(start, end, zone)
    present = (end - start).total_seconds() / 3600
    total = 0.0
    for group in plan["groups"]:
        for vm in group["vms"]:
            assert vm["os"] == "windows"
            hourly = round(price_data.VM_HOURLY[vm["size"]][1] * factor, 4)
            monthly = ssd_monthly(vm.get("os_disk", {}).get("size_gb", 127))
            monthly += sum(ssd_monthly(d["size_gb"]) for d in vm.get("data_disks", []))
            ip = price_data.PUBLIC_IP_HOURLY["Standard"] if vm.get("public_ip") else 0.0
            total += running * hourly + present * (monthly * factor / 730 + ip * factor)
    return total


def test_cost_of_a_rehearsed_week_equals_the_price_table_to_the_cent(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = rehearse([LYNC], date(2026, 11, 9), ledger_dir=tmp_path)
    assert run.ok, [s.problems for r in run.rehearsals for s in r.steps]
    week = run.rehearsals[0].week
    assert week is not None
    assert (week.start, week.end) == (
        datetime(2026, 11, 9, 8, tzinfo=timezone.utc),
        datetime(2026, 11, 16, 8, tzinfo=timezone.utc),
    )
    monkeypatch.setenv("AZLAB_LEDGER_DIR", str(tmp_path))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["cost", str(LYNC), "--month", "2026-11", "--at", "2026-11-16T08:00Z", "-o", "json"]
        )
    assert code == 0
    cost = json.loads(out.getvalue())
    plan = yaml.safe_load(LYNC.read_text())
    expected = expected_week(plan, week.start, week.end)
    assert cost["estimate"] is True and cost["currency"] == "USD"
    assert round(cost["to_date"], 2) == round(expected, 2)
    assert all(v["running_hours"] == 50 for v in cost["vms"])
    # The rehearsal's own report prices the same week from the same ledger.
    assert round(sum(g.cost or 0 for g in week.groups.values()), 2) == round(expected, 2)
    # The forecast adds the schedule's remaining weekdays of November (and the fixed costs).
    assert cost["forecast_month_end"] > cost["to_date"]
