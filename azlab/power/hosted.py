"""What the hosted adapters (Azure Functions, Automation) call: load the plan, tick once.

All logic lives in azlab; this only finds the plan (a file deployed with the
host, or a blob URL in the `AZLAB_PLAN_URL` setting read with the host's
managed identity) and turns the report into data for the host's log. With
`AZLAB_QUEUE_URL` set, the tick only enqueues group actions, and
`run_group_action` is the queue trigger's half.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from contextlib import AsyncExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from azlab.azure.session import AzureSession, Target
from azlab.plan import load_plan
from azlab.plan.durations import parse_duration
from azlab.power import tick as ticking
from azlab.power.fanout import GroupAction
from azlab.power.queue import enqueue_tick, open_queue
from azlab.power.tick_status import action_line, record, tick_line
from azlab.power.worker import Disposal, carry_out

# Deploy the plan next to the host script (plan.yaml in the working folder) or name it.
DEFAULT_PLAN = Path("plan.yaml")


def _plan_path(env: dict[str, str]) -> Path:
    url = env.get("AZLAB_PLAN_URL")
    if not url:
        return Path(env.get("AZLAB_PLAN_FILE", str(DEFAULT_PLAN)))
    from azure.identity import DefaultAzureCredential
    from azure.storage.blob import BlobClient

    blob = BlobClient.from_blob_url(url, credential=DefaultAzureCredential())
    target = Path(tempfile.mkdtemp()) / "plan.yaml"
    target.write_bytes(blob.download_blob().readall())
    return target


def run_tick(now: datetime | None = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One tick at `now` (default: the current time); the report as a dict."""
    env = dict(os.environ) if env is None else env
    loaded = load_plan(_plan_path(env), env=env)
    plan = loaded.plan
    at = now or datetime.now(timezone.utc)

    # A Functions timer run is capped at 10 minutes on the consumption plan.
    deadline = float(env.get("AZLAB_TICK_DEADLINE_SECONDS", "480"))
    target = Target.from_env(plan.subscription, env=env)
    queue = env.get("AZLAB_QUEUE_URL")
    if queue:
        patience = parse_duration(env.get("AZLAB_QUEUE_PATIENCE", "20m"))
        actions = asyncio.run(enqueue_tick(plan, target, at, queue, patience=patience))
        enqueued = {
            "at": at.isoformat(),
            "ok": True,
            "enqueued": [{"group": a.group, "want": a.want, "reason": a.reason} for a in actions],
        }
        record(env, at, tick_line(at, enqueued))
        return enqueued
    report = asyncio.run(ticking.tick_plan(plan, target, at, deadline_seconds=deadline))
    answer = {
        "at": at.isoformat(),
        "ok": report.ok,
        "wants": report.wants,
        "results": {r.vm: r.result for r in report.results.values()},
        "skipped": report.skipped,
        "evicted": report.evicted,
        "actions_sent": report.actions_sent,
        "batch": {
            "used": report.batch,
            "execute_requests": report.batch_requests,
            "status_requests": report.status_requests,
            "fallbacks": report.fallbacks,
        },
    }
    record(env, at, tick_line(at, answer))
    return answer


def run_group_action(
    body: str, now: datetime | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Carry out one queued group action; `result` is done, superseded, waiting or failed.

    A group waiting for its dependencies is put back on `AZLAB_QUEUE_URL` with a
    delay as a fresh message, so waiting never counts towards the poison queue.
    An unreadable message raises `BadMessage`; the host retries and poisons it.
    """
    env = dict(os.environ) if env is None else env
    plan = load_plan(_plan_path(env), env=env).plan
    action = GroupAction.from_json(body)
    at = now or datetime.now(timezone.utc)
    target = Target.from_env(plan.subscription, env=env)
    deadline = float(env.get("AZLAB_TICK_DEADLINE_SECONDS", "480"))
    poll = target.polling_interval if target.polling_interval is not None else 5.0

    async def work() -> dict[str, Any]:
        async with AzureSession(target) as session:
            handled = await carry_out(
                session, plan, action, at, deadline_seconds=deadline, poll_interval=poll
            )
        if handled.result is Disposal.WAITING:
            async with AsyncExitStack() as stack:
                queue = open_queue(env["AZLAB_QUEUE_URL"], stack)
                delay = int(env.get("AZLAB_QUEUE_WAIT_SECONDS", "15"))
                await queue.send_message(body, visibility_timeout=delay)
        return vars(handled)

    outcome = asyncio.run(work())
    if outcome.get("result") == "failed":
        record(env, at, action_line(at, outcome))
    return outcome


def run_snooze(
    token: str, now: datetime | None = None, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """Redeem a snooze link (the HTTP trigger's half): (HTTP status, answer)."""
    from azlab.power.hold import BudgetStopsHold
    from azlab.power.snooze import SnoozeRefused, redeem, snooze_key

    env = dict(os.environ) if env is None else env
    plan = load_plan(_plan_path(env), env=env).plan
    at = now or datetime.now(timezone.utc)
    target = Target.from_env(plan.subscription, env=env)

    async def work() -> tuple[int, dict[str, Any]]:
        async with AzureSession(target) as session:
            snooze, until, names = await redeem(session, plan, snooze_key(env), token, at)
        return 200, {
            "ok": True,
            "group": snooze.group,
            "vms": names,
            "held_until": until.isoformat(timespec="minutes"),
        }

    try:
        return asyncio.run(work())
    except (SnoozeRefused, BudgetStopsHold) as exc:
        return 403, {"ok": False, "error": exc.message}
