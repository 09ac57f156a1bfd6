"""The steps of a rehearsal: validate, apply, plan again, a week of ticks, destroy.

Each step records its outcome on the `Rehearsal` and returns whether it passed;
problems carry the plan's `file:line` where the resource they concern is declared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.graph import Status
from azlab.plan.loader import LoadedPlan, check_plan, load_plan
from azlab.reconcile import engine
from azlab.reconcile.model import Change
from azlab.rehearse.hosted import HostedFigures, deploy_scheduler
from azlab.rehearse.hosted_week import simulate_hosted_week
from azlab.rehearse.money import price_week, week_ledger
from azlab.rehearse.observe import RequestLog, owned_anywhere
from azlab.rehearse.secrets import key_files, placeholder_env, vm_secrets
from azlab.rehearse.week import TICK_DEADLINE, WeekResult, simulate_week, week_bounds
from azlab.sandbox.control import SandboxControl

PARALLELISM = engine.DEFAULT_PARALLELISM
SHOWN = 3  # problems quoted in a step's one-line detail; the report lists them all

Result = Literal["passed", "failed", "skipped"]
STEPS = ("validate", "apply", "plan again", "week of ticks", "destroy")
HOSTED_WEEK = "hosted week"  # `--hosted`: in place of "week of ticks"


@dataclass
class Step:
    name: str
    result: Result
    detail: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result == "passed"


@dataclass
class Rehearsal:
    path: Path
    plan: str = ""
    steps: list[Step] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    week: WeekResult | None = None
    hosted: HostedFigures | None = None
    loaded: LoadedPlan | None = None
    env: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    @property
    def applied(self) -> bool:
        """Apply ran, so something may exist that destroy must remove."""
        return any(s.name == "apply" and s.result != "skipped" for s in self.steps)

    @property
    def live(self) -> bool:
        return self.ok and self.applied

    def record(self, name: str, problems: list[str], began: float, summary: str = "") -> bool:
        detail = summary
        if problems:
            more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
            detail = "; ".join(problems[:SHOWN]) + more
        result: Result = "failed" if problems else "passed"
        self.steps.append(Step(name, result, detail, time.monotonic() - began, problems))
        return not problems

    def skip(self, name: str, why: str) -> None:
        self.steps.append(Step(name, "skipped", why))


def guarded(name: str, rehearsal: Rehearsal, began: float, exc: Exception) -> bool:
    """An unexpected failure ends the step, not the rehearsal: later plans still run."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    message = exc.message if isinstance(exc, AzlabError) else f"{type(exc).__name__}: {first}"
    return rehearsal.record(name, [message], began)


def validate(rehearsal: Rehearsal, env: Mapping[str, str]) -> bool:
    began = time.monotonic()
    findings = check_plan(rehearsal.path, env=env)
    errors = [str(f) for f in findings if f.severity == "error"]
    if errors:
        return rehearsal.record("validate", errors, began)
    rehearsal.loaded = load_plan(rehearsal.path, env=env)
    plan = rehearsal.loaded.plan
    rehearsal.plan = plan.name
    filled = placeholder_env(plan, env)
    rehearsal.env = {**env, **filled}
    rehearsal.placeholders = sorted(filled) + [
        f"SSH key file {path}" for path in sorted(set(key_files(plan).values()))
    ]
    warnings = [str(f) for f in findings]
    summary = f"{len(warnings)} warning(s): {warnings[0]}" if warnings else ""
    return rehearsal.record("validate", [], began, summary)


def _located(rehearsal: Rehearsal) -> dict[str, Any]:
    assert rehearsal.loaded is not None
    return {"where": rehearsal.loaded, "path": str(rehearsal.loaded.path)}


def _source(change: Change | None) -> str:
    if change is not None and change.desired is not None and change.desired.source:
        return f"{change.desired.source}: "
    return ""


async def apply(rehearsal: Rehearsal, session: AzureSession) -> bool:
    began = time.monotonic()
    assert rehearsal.loaded is not None
    try:
        report = await engine.apply(
            session,
            rehearsal.loaded,
            env=rehearsal.env,
            secrets=vm_secrets,
            parallelism=PARALLELISM,
        )
    except AzlabError as exc:
        return rehearsal.record("apply", [exc.message], began)
    by_key = {c.key: c for c in report.changes}
    failed = [o for o in report.failed if o.status is Status.FAILED]
    problems = [f"{_source(by_key.get(o.key))}{o.label}: {o.error or 'failed'}" for o in failed]
    blocked = [o.label for o in report.failed if o.status is Status.BLOCKED]
    if blocked:
        problems.append("not run, as they need what failed: " + ", ".join(blocked))
    return rehearsal.record("apply", problems, began, f"{len(report.outcomes)} operations")


async def converge(rehearsal: Rehearsal, session: AzureSession) -> bool:
    """Plan again right after apply: anything still to change never converges."""
    began = time.monotonic()
    assert rehearsal.loaded is not None
    view = await engine.preview(session, rehearsal.loaded.plan, **_located(rehearsal))
    problems = [
        f"{_source(c)}{c.kind.label} {c.name} keeps changing: {c.action.value}"
        + (
            ": " + ", ".join(f"{f.name} {f.old!r} -> {f.new!r}" for f in c.fields)
            if c.fields
            else ""
        )
        + (f" ({c.reason})" if c.reason and not c.fields else "")
        for c in view.pending
    ]
    return rehearsal.record("plan again", problems, began, "no changes")


async def week(
    rehearsal: Rehearsal,
    session: AzureSession,
    week_of: date,
    log: RequestLog,
    progress: Callable[[str], None],
    ledger_dir: str,
) -> bool:
    began = time.monotonic()
    assert rehearsal.loaded is not None
    plan = rehearsal.loaded.plan
    start, end = week_bounds(plan, week_of)
    ledger = week_ledger(plan, ledger_dir)
    result = await simulate_week(session, plan, start, end, log, progress, ledger=ledger)
    await price_week(plan, result, ledger, rehearsal.env)
    rehearsal.week = result
    summary = f"{result.ticks} ticks, azlab ran {result.ticks_run}, {result.ticks_acted} acted"
    return rehearsal.record("week of ticks", result.problems, began, summary)


async def hosted_week(
    rehearsal: Rehearsal,
    session: AzureSession,
    week_of: date,
    log: RequestLog,
    progress: Callable[[str], None],
    control: SandboxControl,
    window: tuple[timedelta, timedelta] | None = None,
) -> bool:
    """Deploy the scheduler as `azlab scheduler deploy` does, then let it tick the week
    (`window`: only (from the week's start, this long) of it)."""
    began = time.monotonic()
    assert rehearsal.loaded is not None
    plan = rehearsal.loaded.plan
    start, end = week_bounds(plan, week_of)
    if window is not None:
        start, end = start + window[0], min(end, start + window[0] + window[1])
    # Deployed a minute before the week, so its first timer occurrence is the week's first tick.
    control.set_clock(start.timestamp() - 60)
    mark = log.mark()
    report = await deploy_scheduler(
        session, rehearsal.loaded, rehearsal.env, TICK_DEADLINE, progress
    )
    figures = HostedFigures(report.names.site, report.seconds, log.mark() - mark, began=began)
    rehearsal.hosted = figures
    control.wait_hosted()  # the site's process runs the package and settings deployed last
    progress(f"scheduler deployed as {figures.site} in {figures.deploy_seconds:.1f} s")
    result = await simulate_hosted_week(session, plan, start, end, log, control, figures, progress)
    rehearsal.week = result
    summary = (
        f"{result.ticks} ticks; hosted runs: {figures.timer_runs} timer, "
        f"{figures.queue_runs} queue, {figures.failed_runs} failed; "
        f"first tick {figures.first_tick_seconds or 0:.1f} s after deploy began"
    )
    return rehearsal.record(HOSTED_WEEK, result.problems, began, summary)


async def destroy(rehearsal: Rehearsal, session: AzureSession) -> bool:
    """Destroy with the disks, then look across the subscription for anything still owned."""
    began = time.monotonic()
    assert rehearsal.loaded is not None
    plan = rehearsal.loaded.plan
    report = await engine.destroy(session, plan, keep_disks=False, parallelism=PARALLELISM)
    left = await owned_anywhere(session, plan.name)
    problems = [f"{o.label}: {o.error or o.status.value}" for o in report.failed]
    problems += [f"{o.kind.label} {o.name} is still there" for o in left]
    summary = f"{len(report.outcomes)} deleted, nothing owned left"
    return rehearsal.record("destroy", problems, began, summary)
