"""`rehearse --hosted`: the scheduler deployed into the sandbox ticks the lab, checked from outside."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.rehearse.run import rehearse
from azlab.rehearse.steps import HOSTED_WEEK
from azlab.rehearse.week import STEP, Wants, week_bounds

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
WEEK_OF = date(2026, 11, 24)
# Monday 07:50 to 08:20 in Los Angeles: the lab, running after apply, is stopped at the
# first tick and started at 08:00; both ways the groups go in their dependency order.
MORNING = (timedelta(hours=7, minutes=50), timedelta(minutes=30))


def wanted_running_ticks(plan_path: Path, start_offset: timedelta, length: timedelta) -> int:
    from azlab.plan import load_plan

    plan = load_plan(plan_path, env={"LAB_ADMIN_PASSWORD": "x"}).plan
    start, _ = week_bounds(plan, WEEK_OF)
    wants = Wants(plan)
    at, end, count = start + start_offset, start + start_offset + length, 0
    while at < end:
        count += wants.at(at)[0]["core"] == "running"
        at += STEP
    return count


def test_the_hosted_scheduler_ticks_a_morning_of_the_lab(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A morning through the CLI (the whole week is the soak test below).
    import azlab.rehearse.run as run_module

    real = run_module.rehearse

    def morning(*args: object, **kwargs: object) -> object:
        return real(*args, **{**kwargs, "window": MORNING})  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "rehearse", morning)
    code = main(["rehearse", str(LYNC), "--hosted", "--week-of", "2026-11-24", "--output", "json"])
    data = json.loads(capsys.readouterr().out)
    (plan,) = data["plans"]
    assert code == 0 and data["ok"] and data["hosted"] is True, plan["steps"]
    steps = [s["step"] for s in plan["steps"]]
    assert steps == ["validate", "apply", "plan again", HOSTED_WEEK, "destroy"]
    hosted, week = plan["hosted"], plan["week"]
    assert hosted["site"].startswith("azlab-lynclab-")
    # Every tick was the hosted timer's; the queue trigger carried out the group actions.
    assert week["ticks"] == hosted["timer_runs"] == 6
    assert hosted["queue_runs"] >= 4 and hosted["failed_runs"] == 0
    assert week["ticks_acted"] >= 2  # the stop at 07:50, the start at 08:00
    assert hosted["first_tick_seconds"] is not None and hosted["deploy_requests"] > 0
    # The hours as the schedule says: running after each tick it wanted running, no other.
    wanted = wanted_running_ticks(LYNC, *MORNING)
    assert wanted == 4
    for group in week["groups"]:
        assert group["running_hours"] == round(wanted * 5 / 60, 2)


@pytest.mark.soak
def test_the_hosted_scheduler_ticks_the_whole_week() -> None:
    run = rehearse([LYNC], WEEK_OF, hosted=True)
    (r,) = run.rehearsals
    assert r.ok, [s.problems[:5] for s in r.steps]
    assert r.hosted is not None and r.week is not None
    assert r.week.ticks == r.hosted.timer_runs == 7 * 24 * 12
    for group in r.week.groups.values():
        # Monday to Friday 08:00-18:00: the week's hours as the schedule says.
        assert group.running_hours == group.scheduled_hours == 50.0
