"""The steps of a rehearsal: validate, apply, plan again, a week of ticks, destroy."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from azlab.azure.observe import observe
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.plan.loader import check_plan, load_plan
from azlab.reconcile import engine
from azlab.reconcile.model import Change
from azlab.rehearse.week import ActionLog, WeekResult, simulate_week, week_bounds

PARALLELISM = 200
PLACEHOLDER_PASSWORD = (
    "Rehearsal-only-1!"  # the sandbox accepts any password; Azure is never called
)
PLACEHOLDER_SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRehearsalOnlyRehearsalOnlyRehearsal rehearsal"
)


@dataclass
class Step:
    name: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Rehearsal:
    path: Path
    plan: str = ""
    steps: list[Step] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    week: WeekResult | None = None
    loaded: Any = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def add(self, name: str, ok: bool, detail: str, began: float) -> bool:
        self.steps.append(Step(name, ok, detail, time.monotonic() - began))
        return ok


def placeholder_secrets(plan: Any, env: Mapping[str, str]) -> dict[str, str]:
    """Values for admin secret variables the environment lacks: a rehearsal needs none real."""
    filled: dict[str, str] = {}
    for group in plan.groups:
        for vm in group.vms:
            name = getattr(vm.admin, "password_env", None)
            if name and not env.get(name):
                filled[name] = PLACEHOLDER_PASSWORD
            name = getattr(vm.admin, "ssh_key_env", None)
            if name and not env.get(name):
                filled[name] = PLACEHOLDER_SSH_KEY
    return filled


def validate(rehearsal: Rehearsal, env: dict[str, str]) -> bool:
    began = time.monotonic()
    findings = check_plan(rehearsal.path, env=env)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        listing = "; ".join(str(f) for f in errors[:5])
        return rehearsal.add("validate", False, listing, began)
    rehearsal.loaded = load_plan(rehearsal.path, env=env)
    rehearsal.plan = rehearsal.loaded.plan.name
    filled = placeholder_secrets(rehearsal.loaded.plan, env)
    env.update(filled)
    rehearsal.placeholders = sorted(filled)
    warnings = len(findings) - len(errors)
    return rehearsal.add("validate", True, f"{warnings} warning(s)" if warnings else "", began)


def _where(loaded: Any) -> dict[str, Any]:
    return {"where": loaded, "path": str(loaded.path)}


def _source(change: Change | None) -> str:
    if change is not None and change.desired is not None and change.desired.source:
        return f"{change.desired.source}: "
    return ""


async def apply(rehearsal: Rehearsal, session: AzureSession, env: Mapping[str, str]) -> bool:
    began = time.monotonic()
    plan = rehearsal.loaded.plan
    try:
        view = await engine.preview(session, plan, **_where(rehearsal.loaded))
        engine.refuse_unsafe(view)
        secrets = engine.resolve_secrets(plan, view.pending, env)
        tasks = engine.apply_tasks(session, view, secrets)
        report = await engine.run(tasks, parallelism=PARALLELISM)
    except AzlabError as exc:
        return rehearsal.add("apply", False, exc.message, began)
    by_key = {c.key: c for c in view.changes}
    failed = [
        f"{_source(by_key.get(o.key))}{o.label}: {o.status.value}"
        + (f": {o.error}" if o.error else "")
        for o in report.failed
    ]
    detail = "; ".join(failed) if failed else f"{len(report.outcomes)} operations"
    return rehearsal.add("apply", not failed, detail, began)


async def converge(rehearsal: Rehearsal, session: AzureSession) -> bool:
    began = time.monotonic()
    view = await engine.preview(session, rehearsal.loaded.plan, **_where(rehearsal.loaded))
    pending = view.pending
    if not pending:
        return rehearsal.add("plan again", True, "no changes", began)
    listing = "; ".join(
        f"{_source(c)}{c.kind.label} {c.name} keeps changing: {c.action.value} "
        + ", ".join(f"{f.name} {f.old!r} -> {f.new!r}" for f in c.fields)
        for c in pending[:5]
    )
    return rehearsal.add("plan again", False, listing, began)


async def week(
    rehearsal: Rehearsal, session: AzureSession, week_of: date, actions: ActionLog
) -> bool:
    began = time.monotonic()
    plan = rehearsal.loaded.plan
    start, end = week_bounds(plan, week_of)
    result = await simulate_week(session, plan, start, end, actions)
    rehearsal.week = result
    detail = (
        f"{result.ticks} ticks, {result.acting_ticks} acted"
        if result.ok
        else "; ".join(result.problems[:5])
    )
    return rehearsal.add("week of ticks", result.ok, detail, began)


async def destroy(rehearsal: Rehearsal, session: AzureSession) -> bool:
    began = time.monotonic()
    plan = rehearsal.loaded.plan
    view = await engine.destroy_preview(session, plan, keep_disks=False)
    tasks = engine.apply_tasks(session, view, {}, delete_disks=True)
    report = await engine.run(tasks, parallelism=PARALLELISM)
    left = [o for o in await observe(session, plan.resource_group) if o.owned_by(plan.name)]
    if report.failed or left:
        detail = "; ".join(
            [f"{o.label}: {o.error or o.status.value}" for o in report.failed]
            + [f"{o.kind.label} {o.name} is still there" for o in left]
        )
        return rehearsal.add("destroy", False, detail, began)
    return rehearsal.add("destroy", True, f"{len(report.outcomes)} deleted, nothing left", began)
