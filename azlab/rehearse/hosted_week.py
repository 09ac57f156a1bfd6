"""The week with the hosted scheduler: the sandbox clock moves tick by tick, the app does the rest.

At each 5-minute instant the rehearsal sets the sandbox clock there and waits
until the hosted app has finished what came due (its timer, then the queued
group actions). It sends nothing itself: the checks are those of the
in-process week (week.py), on what the hosted runs sent and on where the VMs
are after each tick, plus every failed hosted run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from azlab.azure.session import AzureSession
from azlab.plan.model import Plan
from azlab.rehearse.checks import action_problems, order_problems
from azlab.rehearse.hosted import HostedFigures, run_problem, tally_runs
from azlab.rehearse.observe import RequestLog
from azlab.rehearse.week import (
    STEP,
    WeekResult,
    WeekWatch,
    overrides,
)
from azlab.sandbox.control import SandboxControl

# A hosted tick and its group actions, on a loaded machine: long enough, never forever.
WAIT_SECONDS = 120.0


async def simulate_hosted_week(
    session: AzureSession,
    plan: Plan,
    start: datetime,
    end: datetime,
    log: RequestLog,
    control: SandboxControl,
    figures: HostedFigures,
    progress: Callable[[str], None] = lambda _: None,
) -> WeekResult:
    """`start`, `end` in UTC; the sandbox clock is just before `start` and the app deployed."""
    watch = WeekWatch(plan, start, end, log)
    result = watch.result
    await watch.observe(session)
    before = len(control.hosted_runs())  # the runs already counted
    at = start
    while at < end:
        result.ticks += 1
        wants, _ = watch.wants_at.at(at)
        protected = overrides(watch.seen, at)
        mark = log.mark()
        control.set_clock(at.timestamp())
        control.wait_hosted(WAIT_SECONDS)
        runs = control.hosted_runs(before)
        before += len(runs)
        timers = figures.timer_runs
        failed = tally_runs(figures, runs)
        result.ticks_run += figures.timer_runs - timers
        stamp = watch.misplaced.when(at)
        actions = log.actions_since(mark)
        found = action_problems(plan, wants, watch.seen, protected, actions)
        found += order_problems(plan, actions)
        found += [run_problem(r) for r in failed]
        result.problems += [f"{stamp}: {p}" for p in found]
        if log.writes_since(mark):
            result.ticks_acted += 1
        if log.writes_since(watch.observed_at):
            await watch.observe(session)
        watch.settle(at, wants, protected)
        at += STEP
        if watch.midnight(at, end):
            progress(
                f"simulated up to {watch.misplaced.when(at)}, {figures.runs} hosted run(s), "
                f"{result.ticks_acted} tick(s) acted"
            )
    return watch.finish()
