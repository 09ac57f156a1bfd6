"""`azlab tick`, `up`, `down` and `hold`: lab VMs that run only when needed."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from azlab.azure.session import AzureSession
from azlab.cli.common import (
    OUTPUT_OPTION,
    PLAN_ARGUMENT,
    SUBSCRIPTION_OPTION,
    Output,
    console,
    load,
    parse_at,
    print_json,
    run_async,
    target_for,
)
from azlab.cli.main import app
from azlab.cli.money import budget_data, budget_line
from azlab.errors import UsageError
from azlab.money.gate import TickMoney
from azlab.plan.durations import parse_duration
from azlab.plan.model import Plan
from azlab.power import tick as ticking
from azlab.power.enforce import Result
from azlab.power.hold import hold_within_budget
from azlab.power.queue import enqueue_tick
from azlab.power.worker import Disposal, Worker, shifted_clock
from azlab.power_state import PowerState
from azlab.redact import redact
from azlab.schedule.overrides import hold_value

BATCH_OPTION = typer.Option(
    None,
    "--batch/--no-batch",
    help="Send power actions through Azure's batch API, 100 VMs a request (the default), "
    "or one call per VM. Default from AZLAB_BATCH_POWER (on|off).",
)


def _report_data(report: ticking.TickReport) -> dict[str, Any]:
    return {
        "at": report.at.isoformat(),
        "ok": report.ok,
        "groups": {
            g: {"want": w, "reason": report.reasons.get(g)} for g, w in report.wants.items()
        },
        "steps": [
            {"group": s.group, "tier": s.tier, "want": s.want, "vms": list(s.vms)}
            for s in report.steps
        ],
        "vms": [
            {
                "vm": r.vm,
                "group": r.group,
                "want": r.want,
                "result": r.result,
                "attempts": r.attempts,
                "detail": r.detail or None,
            }
            for r in report.results.values()
        ],
        "skipped": report.skipped,
        "evicted": report.evicted,
        "actions_sent": report.actions_sent,
        "batch": {
            "used": report.batch,
            "execute_requests": report.batch_requests,
            "status_requests": report.status_requests,
            "fallbacks": report.fallbacks,
        },
        "guest": [run.as_dict() for run in report.guest],
        "gate_seconds": round(report.gate_seconds, 2),
        "gate_requests": report.gate_requests,
        "list_rounds": report.list_rounds,
        "throttled": report.throttled,
        "seconds": round(report.seconds, 2),
        "budget": budget_data(report.budget),
        "notices": [vars(d) for d in report.notices],
    }


def _print_report(report: ticking.TickReport) -> None:
    out = console()
    for group, want in report.wants.items():
        out.print(f"group {group}: {want or 'leave alone'} ({report.reasons.get(group)})")
    table = Table(title=f"tick at {report.at:%Y-%m-%d %H:%M} UTC")
    for column in ("group", "vm", "want", "result", "detail"):
        table.add_column(column)
    for r in report.results.values():
        style = "red" if r.result in (Result.FAILED, Result.BLOCKED) else None
        table.add_row(r.group, r.vm, r.want, r.result, r.detail, style=style)
    for vm, why in report.skipped.items():
        table.add_row("", vm, "", "skipped", why)
    out.print(table)
    if report.budget is not None:
        out.print(budget_line(report.budget, report.at))
    if report.evicted:
        out.print(f"evicted by Azure (Spot): {', '.join(report.evicted)}")
    if report.batch:
        out.print(
            f"batch API: {report.batch_requests} execute requests, "
            f"{report.status_requests} status reads"
        )
    for vm, why in report.fallbacks.items():
        out.print(f"{vm}: sent per VM, not in a batch: {why}")
    for run in report.guest:
        verdict = "ok" if run.ok else ("FAILED, not stopped" if run.blocked else "FAILED")
        out.print(f"{run.vm}: {run.hook} {verdict} ({run.detail}, {run.seconds:.1f}s)")
    out.print(
        f"{report.actions_sent} per-VM actions, {report.list_rounds} status list rounds, "
        f"{report.throttled} throttled answers, {report.seconds:.1f}s: "
        + ("all well" if report.ok else "NOT all well")
    )


def _run(
    plan_file: Path,
    subscription: str | None,
    output: Output,
    wants_of: _Scheduled | _Manual,
    *,
    dry_run: bool = False,
    deadline: str = "20m",
    lock_wait: str = "5m",
    batch: bool | None = None,
) -> None:
    plan = load(plan_file, require_env=False).plan
    target = target_for(plan, subscription)
    limit = parse_duration(deadline).total_seconds()
    wait = _lock_wait(lock_wait)

    async def work() -> ticking.TickReport:
        wants, reasons = wants_of(plan)
        return await ticking.tick_plan(
            plan,
            target,
            wants_of.at,
            wants,
            reasons,
            dry_run=dry_run,
            deadline_seconds=limit,
            money=TickMoney(plan, wants_of.source),
            restart_evicted=isinstance(wants_of, _Scheduled),
            command=wants_of.source,
            lock_wait=wait,
            batch=batch,
        )

    report = run_async(work)
    if output is Output.json:
        print_json(_report_data(report))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


LOCK_WAIT_OPTION = typer.Option(
    "5m",
    "--lock-wait",
    help="How long to wait for a group another azlab run is acting on before giving up.",
)


def _lock_wait(value: str) -> float:
    try:
        return parse_duration(value).total_seconds()
    except ValueError as exc:
        raise UsageError(f"--lock-wait: {exc}") from None


class _Scheduled:
    source = "tick"

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self, plan: Plan) -> tuple[dict[str, str | None], dict[str, str]]:
        return ticking.group_wants(plan, self.at)


class _Manual:
    def __init__(self, groups: list[str], want: str) -> None:
        self.groups, self.want = groups, want
        self.at = datetime.now(timezone.utc)
        self.source = "up" if want == PowerState.RUNNING else "down"

    def __call__(self, plan: Plan) -> tuple[dict[str, str | None], dict[str, str]]:
        wants = ticking.manual_wants(plan, self.groups, self.want)
        return wants, {g: ("by hand" if w else "not asked") for g, w in wants.items()}


@app.command("tick")
def tick_command(
    plan_file: Path = PLAN_ARGUMENT,
    at: str | None = typer.Option(None, "--at", help="Evaluate at this ISO time instead of now."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print what would be done; change nothing."
    ),
    deadline: str = typer.Option("20m", "--deadline", help="Give up on VMs not there by then."),
    queue: str | None = typer.Option(
        None,
        "--queue",
        envvar="AZLAB_QUEUE_URL",
        help="Only evaluate, and enqueue one message per group action here for `azlab worker`.",
    ),
    lock_wait: str = LOCK_WAIT_OPTION,
    batch: bool | None = BATCH_OPTION,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Start and deallocate groups as their schedules say, in tier and dependency order.

    Level-triggered: a missed tick is caught up by the next one. Exit 1 if any VM failed.

    Example: azlab tick plans/lynclab.yaml --at 2026-11-23T18:05-08:00 --dry-run
    """
    if queue is not None:
        _enqueue(
            plan_file, subscription, output, parse_at(at), queue, dry_run=dry_run, deadline=deadline
        )
        return
    _run(
        plan_file,
        subscription,
        output,
        _Scheduled(parse_at(at)),
        dry_run=dry_run,
        deadline=deadline,
        lock_wait=lock_wait,
        batch=batch,
    )


def _enqueue(
    plan_file: Path,
    subscription: str | None,
    output: Output,
    at: datetime,
    queue: str,
    *,
    dry_run: bool,
    deadline: str,
) -> None:
    plan = load(plan_file, require_env=False).plan
    target = target_for(plan, subscription)
    patience = parse_duration(deadline)
    actions = run_async(
        lambda: enqueue_tick(
            plan,
            target,
            at,
            None if dry_run else queue,
            patience=patience,
            money=TickMoney(plan, "tick"),
        )
    )
    verb = "would enqueue" if dry_run else "enqueued"
    if output is Output.json:
        print_json(
            {
                "at": at.isoformat(),
                "queue": redact(queue),
                "dry_run": dry_run,
                "actions": [
                    {"group": a.group, "want": a.want, "reason": a.reason} for a in actions
                ],
            }
        )
        return
    out = console()
    for action in actions:
        out.print(f"{verb} {action.want} {action.group} ({action.reason})")
    out.print(f"{len(actions)} group actions {verb} on {redact(queue)}")


@app.command("worker")
def worker_command(
    plan_file: Path = PLAN_ARGUMENT,
    queue: str = typer.Option(
        ..., "--queue", envvar="AZLAB_QUEUE_URL", help="The queue `azlab tick --queue` fills."
    ),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=64, help="Messages at once."),
    drain: bool = typer.Option(False, "--drain", help="Stop once the queue is empty."),
    max_dequeue: int = typer.Option(
        5, "--max-dequeue", min=1, help="Attempts before a message goes to the poison queue."
    ),
    retry_delay: float = typer.Option(30.0, "--retry-delay", help="Seconds before a retry."),
    wait_delay: float = typer.Option(
        15.0, "--wait-delay", help="Seconds before looking again at dependencies not ready."
    ),
    at: str | None = typer.Option(
        None, "--at", help="Run the clock from this ISO time instead of now (rehearsals)."
    ),
    batch: bool | None = BATCH_OPTION,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Carry out the group actions a fan-out tick enqueued; several workers may run at once.

    Messages are re-evaluated before acting, so a repeated or stale one changes nothing.
    Failed messages are retried and then moved to the QUEUE-poison queue.

    Example: azlab worker plans/lynclab.yaml --queue "$AZLAB_QUEUE_URL"
    """
    plan = load(plan_file, require_env=False).plan
    worker = Worker(
        plan,
        target_for(plan, subscription),
        queue,
        concurrency=concurrency,
        max_dequeue=max_dequeue,
        retry_delay=retry_delay,
        wait_delay=wait_delay,
        clock=shifted_clock(None if at is None else parse_at(at)),
        batch=batch,
    )
    handled = run_async(lambda: worker.run(drain=drain))
    if output is Output.json:
        print_json([vars(h) for h in handled])
    else:
        out = console()
        for h in handled:
            out.print(f"{h.want} {h.group}: {h.result} {h.detail}")
    if any(h.result in (Disposal.FAILED, Disposal.POISONED) for h in handled):
        raise typer.Exit(1)


@app.command("up")
def up_command(
    plan_file: Path = PLAN_ARGUMENT,
    groups: list[str] = typer.Argument(..., help="Groups to start."),
    lock_wait: str = LOCK_WAIT_OPTION,
    batch: bool | None = BATCH_OPTION,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Start groups now, tier by tier (example: azlab up plans/lynclab.yaml core lync)."""
    _run(
        plan_file,
        subscription,
        output,
        _Manual(groups, PowerState.RUNNING),
        lock_wait=lock_wait,
        batch=batch,
    )


@app.command("down")
def down_command(
    plan_file: Path = PLAN_ARGUMENT,
    groups: list[str] = typer.Argument(..., help="Groups to deallocate."),
    lock_wait: str = LOCK_WAIT_OPTION,
    batch: bool | None = BATCH_OPTION,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Deallocate groups now, highest tier first (example: azlab down plans/lynclab.yaml lync)."""
    _run(
        plan_file,
        subscription,
        output,
        _Manual(groups, PowerState.DEALLOCATED),
        lock_wait=lock_wait,
        batch=batch,
    )


@app.command("hold")
def hold_command(
    plan_file: Path = PLAN_ARGUMENT,
    target_name: str = typer.Argument(..., metavar="GROUP|VM", help="A group or a VM of the plan."),
    hold_for: str = typer.Option(..., "--for", help="How long schedules leave it alone, e.g. 3h."),
    lock_wait: str = LOCK_WAIT_OPTION,
    over_budget: bool = typer.Option(
        False,
        "--over-budget",
        help="Hold even though the budget has stopped the lab this month (it keeps spending).",
    ),
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Suspend schedules for a group or VM for a while (tag azlab-hold-until).

    While the plan's budget keeps the lab stopped, a hold needs --over-budget.

    Example: azlab hold plans/lynclab.yaml edge01 --for 3h
    """
    loaded = load(plan_file, require_env=False)
    plan = loaded.plan
    try:
        length = parse_duration(hold_for)
    except ValueError as exc:
        raise UsageError(f"--for: {exc}") from None
    names = [vm.name for g in plan.groups if g.name == target_name for vm in g.vms]
    names += [vm.name for _, vm in plan.all_vms() if vm.name == target_name]
    if not names:
        raise UsageError(f"{target_name!r} is neither a group nor a VM of {plan_file}")
    now = datetime.now(timezone.utc)
    until = hold_value(now + length)
    wait = _lock_wait(lock_wait)
    groups = {g.name for g, vm in plan.all_vms() if vm.name in names}

    async def work() -> None:
        async with AzureSession(target_for(plan, subscription)) as session:
            await hold_within_budget(
                session,
                plan,
                groups,
                names,
                until,
                now,
                command="hold",
                wait=wait,
                over_budget=over_budget,
            )

    run_async(work)
    console().print(f"Held {', '.join(names)} until {until}.")
