"""Rehearse plans in one throwaway sandbox: each plan goes through every step.

All plans share the sandbox, as they share a subscription in Azure, so a
storage account name two plans both want is caught. Every plan is applied
before any is destroyed.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import date
from pathlib import Path

from azlab.azure.session import AzureSession, Target
from azlab.rehearse import steps
from azlab.rehearse.steps import Rehearsal
from azlab.rehearse.week import ActionLog
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

log = logging.getLogger("azlab.rehearse")

# Operations finish at once: a rehearsal checks what happens, not how long it takes.
REHEARSAL_SETTINGS = Settings(op_time=0, latency=0, page_size=1000)


def rehearse(paths: list[Path], week_of: date) -> list[Rehearsal]:
    with Sandbox(REHEARSAL_SETTINGS, storage=False) as sandbox:
        env = {**os.environ, **sandbox.env(), "AZLAB_POLLING_INTERVAL": "0.01"}
        env.pop("AZLAB_SANDBOX_CONTROL", None)

        def actions() -> list[tuple[str, str]]:
            return [
                (r.path.rsplit("/", 2)[-2].lower(), r.path.rsplit("/", 1)[-1].lower())
                for r in sandbox.emulator.log
                if r.method == "POST"
                and r.status in (200, 202)
                and r.path.lower().rsplit("/", 1)[-1] in ("start", "deallocate")
            ]

        return asyncio.run(_rehearse_all(paths, week_of, env, sandbox, actions))


async def _rehearse_all(
    paths: list[Path], week_of: date, env: dict[str, str], sandbox: Sandbox, actions: ActionLog
) -> list[Rehearsal]:
    rehearsals = [Rehearsal(path) for path in paths]
    target = Target.from_env(sandbox.subscription, env=env)
    async with AzureSession(target) as session:
        live = []
        for rehearsal in rehearsals:
            plan_env = dict(env)
            log.info("rehearse %s: validate", rehearsal.path)
            if not steps.validate(rehearsal, plan_env):
                continue
            log.info("rehearse %s: apply", rehearsal.path)
            if await steps.apply(rehearsal, session, plan_env):
                live.append(rehearsal)
        for rehearsal in live:
            log.info("rehearse %s: plan again", rehearsal.path)
            await steps.converge(rehearsal, session)
            log.info("rehearse %s: a week of ticks", rehearsal.path)
            await steps.week(rehearsal, session, week_of, actions)
        for rehearsal in rehearsals:
            if rehearsal.loaded is not None and any(s.name == "apply" for s in rehearsal.steps):
                log.info("rehearse %s: destroy", rehearsal.path)
                await steps.destroy(rehearsal, session)
    return rehearsals
