"""The simulated week against the shared test sandbox, and its checks on their own.

Hand-computed running hours for the example plan's schedule (skip dates, both
DST changes of its time zone), and the checks catching ticks that go wrong.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from azlab.azure.session import AzureSession, Target
from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.rehearse.checks import action_problems, order_problems
from azlab.rehearse.observe import Action, RequestLog, Seen
from azlab.rehearse.week import WeekResult, simulate_week, week_bounds
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Faults, Settings

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
OFFICE = ('start: [{at: "08:00", days: weekdays}]', 'stop: [{at: "18:00", days: daily}]')


@pytest.fixture
def applied(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    return sandbox


def simulate(
    sandbox: Sandbox, path: Path, start: datetime, end: datetime, **options: float
) -> WeekResult:
    plan = load_plan(path).plan

    async def go() -> WeekResult:
        async with AzureSession(Target.from_env(sandbox.subscription)) as session:
            log = RequestLog(sandbox.emulator.log)
            return await simulate_week(session, plan, start, end, log, **options)

    return asyncio.run(go())


def week(sandbox: Sandbox, path: Path, week_of: date) -> dict[str, tuple[float, float]]:
    start, end = week_bounds(load_plan(path).plan, week_of)
    result = simulate(sandbox, path, start, end)
    assert result.ok, result.problems
    return {g.group: (g.running_hours, g.week_hours) for g in result.groups.values()}


def test_weeks_of_the_example_plan(applied: Sandbox) -> None:
    # Office hours in Los Angeles, Monday to Friday 08:00-18:00.
    assert week(applied, LYNC, date(2026, 11, 25))["core"] == (50.0, 168.0)
    # Thursday 24 and Friday 25 December are skip dates: Monday to Wednesday only.
    assert week(applied, LYNC, date(2026, 12, 23))["lync"] == (30.0, 168.0)
    # Clocks go back on Sunday 1 November and forward on Sunday 8 March 2026 at 02:00.
    assert week(applied, LYNC, date(2026, 10, 28))["core"] == (50.0, 169.0)
    assert week(applied, LYNC, date(2026, 3, 4))["lync"] == (50.0, 167.0)


def test_a_start_time_inside_the_spring_gap_fires_when_clocks_reach_it(
    applied: Sandbox, tmp_path: Path
) -> None:
    text = LYNC.read_text()
    text = text.replace(OFFICE[0], 'start: [{at: "02:30", days: daily}]', 1)
    text = text.replace(OFFICE[1], 'stop: [{at: "04:00", days: daily}]', 1)
    gap = tmp_path / "gap.yaml"
    gap.write_text(text)  # same plan name and group: it takes over the applied lab
    # 1.5 h a night; on Sunday 8 March 2026, 02:30 does not exist and fires at 03:00 PDT.
    assert week(applied, gap, date(2026, 3, 4)) == {"core": (10.0, 167.0), "lync": (10.0, 167.0)}


def test_a_vm_that_fails_to_start_is_reported_with_what_it_blocked(applied: Sandbox) -> None:
    faults = Faults(allocation_failed_vms=frozenset({"sql01"}))
    applied.emulator.apply_settings(Settings(page_size=5, faults=faults))
    monday = datetime(2026, 11, 23, 7, 50, tzinfo=timezone(timedelta(hours=-8)))
    result = simulate(applied, LYNC, monday, monday + timedelta(minutes=25), deadline=0.3)
    problems = "\n".join(result.problems)
    assert "sql01: failed (AllocationFailed)" in problems
    # lync starts only after core is running, so both of its VMs are blocked.
    assert "fe01: blocked" in problems and "edge01: blocked" in problems
    # One problem per VM for the whole stretch it was out of place, in local time.
    assert (
        "fe01 was deallocated from Mon 2026-11-23 08:00 PST to Mon 2026-11-23 08:15 PST "
        "while its schedule wanted running" in problems
    )
    assert sum("fe01 was deallocated" in p for p in result.problems) == 1


def test_order_is_checked_against_the_plan_itself() -> None:
    plan = load_plan(LYNC, env={"LAB_ADMIN_PASSWORD": "x"}).plan

    def sent(*pairs: tuple[str, str]) -> list[Action]:
        return [Action(vm, verb, 202) for vm, verb in pairs]

    good = sent(("dc01", "start"), ("sql01", "start"), ("fe01", "start"), ("edge01", "start"))
    assert order_problems(plan, good) == []
    stops = sent(("edge01", "deallocate"), ("fe01", "deallocate"), ("sql01", "deallocate"))
    assert order_problems(plan, stops) == []
    assert order_problems(plan, sent(("fe01", "start"), ("dc01", "start"))) == [
        "start fe01 was sent before start dc01, which must come first"
    ]
    assert order_problems(plan, sent(("dc01", "deallocate"), ("sql01", "deallocate")))
    assert order_problems(plan, sent(("sql01", "deallocate"), ("fe01", "deallocate")))


def test_actions_against_the_schedule_or_already_done_are_problems() -> None:
    plan = load_plan(LYNC, env={"LAB_ADMIN_PASSWORD": "x"}).plan
    wants: dict[str, str | None] = {"core": "running", "lync": None}
    before = {"dc01": Seen("running"), "sql01": Seen("deallocated"), "fe01": Seen("deallocated")}
    found = action_problems(
        plan,
        wants,
        before,
        {"edge01": "excluded (azlab-exclude=true)"},
        [
            Action("sql01", "start", 202),
            Action("dc01", "start", 202),
            Action("sql01", "deallocate", 202),
            Action("fe01", "start", 202),
            Action("edge01", "start", 202),
        ],
    )
    assert found == [
        "start sent to dc01, which was already running",
        "deallocate sent to sql01 while its schedule wants running",
        "start sent to fe01 while group lync has no desired state",
        "start sent to edge01, which is excluded (azlab-exclude=true)",
    ]
