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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from azlab.azure.session import AzureSession, Target
from azlab.rehearse import steps
from azlab.rehearse.observe import RequestLog
from azlab.rehearse.steps import Rehearsal
from azlab.sandbox.runner import SUBSCRIPTION, Sandbox
from azlab.sandbox.settings import Settings

# Operations finish at once: a rehearsal checks what happens, not how long it takes.
REHEARSAL_SETTINGS = Settings(op_time=0, latency=0)
Progress = Callable[[str], None]


@dataclass
class Run:
    rehearsals: list[Rehearsal]
    week_of: date
    storage: str = ""  # how the sandbox served storage data
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rehearsals)


def rehearse(
    paths: list[Path],
    week_of: date,
    progress: Progress = lambda _: None,
    *,
    ledger_dir: Path | None = None,
) -> Run:
    """`ledger_dir`: keep the week's spend ledgers there (default: a temporary folder)."""
    began = time.monotonic()
    run = Run([Rehearsal(path) for path in paths], week_of)
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
            for name in steps.STEPS[1:]:
                rehearsal.skip(name, "validate failed")
    if valid:
        progress("starting a throwaway sandbox")
        with Sandbox(REHEARSAL_SETTINGS) as sandbox:
            run.storage = "Azurite" if sandbox.storage is not None else "control plane only"
            sandbox_env = {**sandbox.env(), "AZLAB_POLLING_INTERVAL": "0.01"}
            for rehearsal in valid:
                rehearsal.env.update(sandbox_env)
            log = RequestLog(sandbox.emulator.log)
            target = Target.from_env(SUBSCRIPTION, env=sandbox_env)
            ledgers = str(ledger_dir or sandbox.data_dir / "ledger")
            asyncio.run(_rehearse_all(valid, run.week_of, target, log, progress, ledgers))
    run.seconds = time.monotonic() - began
    return run


async def _rehearse_all(
    rehearsals: list[Rehearsal],
    week_of: date,
    target: Target,
    log: RequestLog,
    progress: Progress,
    ledgers: str,
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

        def say(rehearsal: Rehearsal) -> Progress:
            return lambda line: progress(f"{rehearsal.path}: week of ticks: {line}")

        for r in rehearsals:
            await step("apply", r, partial(steps.apply, r, session))
        for r in rehearsals:
            if not r.ok:
                r.skip("plan again", "apply failed")
                r.skip("week of ticks", "apply failed")
                continue
            await step("plan again", r, partial(steps.converge, r, session))
            await step(
                "week of ticks", r, partial(steps.week, r, session, week_of, log, say(r), ledgers)
            )
        for r in rehearsals:
            await step("destroy", r, partial(steps.destroy, r, session))
