"""`--host automation` as deployed: when the job schedule fires on the sandbox clock, the
published runbook, with the azlab wheel deploy imported, ticks the lab with the account's
identity, held to its roles, reading the plan blob over HTTPS."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.power_state import PowerState
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import TEST_SETTINGS, Clients
from azlab.sandbox.runner import Sandbox
from azlab.schedule.desired import desired_state
from azlab.schedule.model import from_plan

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
RG = "rg-lynclab-wus2"


def power(clients: Clients) -> dict[str, str]:
    found = {}
    for vm in clients.compute.virtual_machines.list(RG):
        view = clients.compute.virtual_machines.instance_view(RG, str(vm.name))
        codes = [str(s.code) for s in view.statuses or [] if str(s.code).startswith("PowerState/")]
        found[str(vm.name)] = codes[0].split("/")[1] if codes else "unknown"
    return found


def first_stop_firing(start: datetime, plan_file: Path) -> datetime:
    """The first hourly firing from `start` at which the lab's schedule wants it deallocated."""
    planned = load_plan(plan_file).plan.schedule("office-hours")
    assert planned is not None
    schedule = from_plan(planned)
    for hours in range(8 * 24):
        at = start + timedelta(hours=hours)
        if desired_state(schedule, at).power == PowerState.DEALLOCATED:
            return at
    raise AssertionError("the schedule never stops the lab")


def test_the_deployed_runbook_stops_the_lab_when_its_schedule_fires(
    sandbox: Sandbox, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.emulator.apply_settings(TEST_SETTINGS.with_changes({"storage_tls": "on"}))
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
    assert main(["apply", str(LYNC), "--yes", "--output", "json"]) == 0
    deploy = ["scheduler", "deploy", str(LYNC), "--host", "automation", "--yes", "-o", "json"]
    assert main(deploy) == 0
    control.wait_hosted(120)
    automation = sandbox.emulator.automation
    [account] = automation.accounts.ids()
    [linked] = automation.runbooks.job_schedules(account)
    start = datetime.fromisoformat(linked["schedule"]["properties"]["startTime"])
    # The lab runs, as apply left it; the clock jumps past a firing where it should not.
    assert set(power(clients).values()) == {"running"}
    firing = first_stop_firing(start, LYNC)
    control.set_clock(firing.timestamp() + 60)
    control.wait_hosted(120)
    runs = [r for r in control.hosted_runs() if r["trigger"] == "schedule"]
    assert [r["outcome"] for r in runs] == ["succeeded"], runs
    assert set(power(clients).values()) == {"deallocated"}
