"""Rehearse plans in one throwaway sandbox: each plan goes through every step.

All plans share the sandbox, as they share a subscription in Azure, so a
storage account name two plans both want is caught. Every plan is applied
before any is destroyed. Plans are validated before the sandbox starts, so a
run in which none validates costs nothing more.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from azlab.azure.session import AzureSession, Target
from azlab.rehearse import steps
from azlab.rehearse.observe import RequestLog
from azlab.rehearse.steps import Rehearsal
from azlab.sandbox.control import SandboxControl
from azlab.sandbox.runner import SUBSCRIPTION, Sandbox
from azlab.sandbox.settings import Settings

# Operations finish at once: a rehearsal checks what happens, not how long it takes.
REHEARSAL_SETTINGS = Settings(op_time=0, latency=0)
# The hosted scheduler reads its plan and queue with its identity: storage over HTTPS.
HOSTED_SETTINGS = REHEARSAL_SETTINGS.with_changes({"storage_tls": True})
Progress = Callable[[str], None]
# The week step with everything but (rehearsal, session, week_of, log, progress) bound.
Week = partial[Coroutine[Any, Any, bool]]


def _steps(hosted: bool) -> tuple[str, ...]:
    return tuple(steps.HOSTED_WEEK if hosted and s == "week of ticks" else s for s in steps.STEPS)


@dataclass
class Run:
    rehearsals: list[Rehearsal]
    week_of: date
    storage: str = ""  # how the sandbox served storage data
    seconds: float = 0.0
    hosted: bool = False  # the week ticked by the deployed scheduler

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rehearsals)


def rehearse(
    paths: list[Path],
    week_of: date,
    progress: Progress = lambda _: None,
    *,
    ledger_dir: Path | None = None,
    hosted: bool = False,
    window: tuple[timedelta, timedelta] | None = None,
) -> Run:
    """`ledger_dir`: keep the week's spend ledgers there (default: a temporary folder).
    `hosted`: deploy the scheduler into the sandbox and let it tick the week; `window`:
    only (from the week's start, this long) of it (hosted only)."""
    began = time.monotonic()
    run = Run([Rehearsal(path) for path in paths], week_of, hosted=hosted)
    env = {**os.environ, "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}
    for rehearsal in run.rehearsals:
        progress(f"{rehearsal.path}: validate")
        started = time.monotonic()
        try:
            steps.validate(rehearsal, env)
        except Exception as exc:  # reported as the step's failure, like any other
            steps.guarded("validate", rehearsal, started, exc)
    valid = [r for r in run.rehearsals if r.ok]
    for rehearsal in run.rehearsals:
        if not rehearsal.ok:
            for name in _steps(hosted)[1:]:
                rehearsal.skip(name, "validate failed")
    if valid:
        progress("starting a throwaway sandbox")
        with Sandbox(HOSTED_SETTINGS if hosted else REHEARSAL_SETTINGS) as sandbox:
            run.storage = "Azurite" if sandbox.storage is not None else "control plane only"
            sandbox_env = {**sandbox.env(), "AZLAB_POLLING_INTERVAL": "0.01"}
            for rehearsal in valid:
                rehearsal.env.update(sandbox_env)
            log = RequestLog(sandbox.emulator.log)
            target = Target.from_env(SUBSCRIPTION, env=sandbox_env)
            ledgers = str(ledger_dir or sandbox.data_dir / "ledger")
            week: Week = partial(steps.week, ledger_dir=ledgers)
            if hosted:
                control = SandboxControl(sandbox.control_url, str(sandbox.ca_file))
                week = partial(steps.hosted_week, control=control, window=window)
            asyncio.run(_rehearse_all(valid, run.week_of, target, log, progress, week))
    run.seconds = time.monotonic() - began
    return run


async def _rehearse_all(
    rehearsals: list[Rehearsal],
    week_of: date,
    target: Target,
    log: RequestLog,
    progress: Progress,
    week: Week,
) -> None:
    async with AzureSession(target) as session:

        async def step(name: str, rehearsal: Rehearsal, go: Callable[[], Awaitable[bool]]) -> None:
            progress(f"{rehearsal.path}: {name}")
            began = time.monotonic()
            try:
                await go()
            except Exception as exc:  # one failing step must not stop the other plans
                steps.guarded(name, rehearsal, began, exc)
            done = rehearsal.steps[-1]
            progress(f"{rehearsal.path}: {name} {done.result} in {done.seconds:.1f} s")

        def say(rehearsal: Rehearsal, name: str) -> Progress:
            return lambda line: progress(f"{rehearsal.path}: {name}: {line}")

        for r in rehearsals:
            await step("apply", r, partial(steps.apply, r, session))
        for r in rehearsals:
            if not r.ok:
                for later in _steps(week.func is steps.hosted_week)[2:-1]:
                    r.skip(later, "apply failed")
                continue
            await step("plan again", r, partial(steps.converge, r, session))
            name = steps.HOSTED_WEEK if week.func is steps.hosted_week else "week of ticks"
            await step(name, r, partial(week, r, session, week_of, log, say(r, name)))
        for r in rehearsals:
            await step("destroy", r, partial(steps.destroy, r, session))
