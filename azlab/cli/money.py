"""`azlab cost` and `azlab budget release`: what the lab has cost this month, and its ceiling."""

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
    print_json,
    run_async,
    target_for,
)
from azlab.cli.main import app
from azlab.errors import UsageError
from azlab.money.blob_ledger import open_store
from azlab.money.budget import Decision, decide, flags
from azlab.money.costs import MonthCost, month_bounds, month_cost
from azlab.money.ledger import Entry, Store, month_of, previous_month
from azlab.money.lookup import prices_for
from azlab.money.views import rounded
from azlab.plan.model import Plan

budget_app = typer.Typer(help="A plan's monthly budget.", no_args_is_help=True)
app.add_typer(budget_app, name="budget")

ESTIMATE = "an estimate from list prices, not a bill"


def parse_at(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--at {value!r} is not an ISO time", hint="e.g. --at 2026-11-23T18:05Z"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"--at {value!r} has no UTC offset", hint="add Z or an offset like -08:00")
    return moment.astimezone(timezone.utc)


def _month(value: str | None, now: datetime) -> str:
    if value is None:
        return month_of(now)
    try:
        month = datetime.strptime(value, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise UsageError(f"--month {value!r} is not YYYY-MM", hint="e.g. --month 2026-11") from None
    if month > month_of(now):
        raise UsageError(f"--month {month} has not begun yet (now is {now:%Y-%m-%d %H:%M} UTC)")
    return month


async def _store(plan: Plan, subscription: str | None, work: Any) -> Any:
    if plan.ledger is None:
        return await work(await open_store(plan, None), None)
    async with AzureSession(target_for(plan, subscription)) as session:
        return await work(await open_store(plan, session), session)


def budget_data(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "monthly": d.monthly,
        "spent": rounded(d.spent),
        "forecast": rounded(d.forecast),
        "share": None if d.forecast is None else round(d.forecast / d.monthly, 4),
        "crossed": list(d.crossed),
        "warned_now": list(d.warn),
        "stopped": d.stop,
        "shed": list(d.shed),
        "released": d.released,
        "notes": d.notes,
    }


def budget_line(d: Decision, at: datetime) -> str:
    if d.spent is None or d.forecast is None:
        return "budget: " + "; ".join(d.notes)
    text = (
        f"budget: {d.spent:.2f} spent, {d.forecast:.2f} forecast for the month "
        f"({100 * d.forecast / d.monthly:.0f}% of {d.monthly:.2f})"
    )
    if d.warn:
        text += "; WARNING: forecast reached " + ", ".join(f"{100 * t:.0f}%" for t in d.warn)
    if d.stop:
        text += f"; at the limit: every group is kept deallocated until {at:%Y-%m} ends"
    elif d.shed:
        text += "; shedding " + ", ".join(d.shed)
    if d.released:
        text += "; released for this month"
    return text


def cost_data(cost: MonthCost, decision: Decision | None, where: str) -> dict[str, Any]:
    return {
        "plan": cost.plan,
        "month": cost.month,
        "currency": cost.currency,
        "estimate": True,
        "note": ESTIMATE,
        "as_of": cost.now.isoformat(),
        "month_start": cost.start.isoformat(),
        "month_end": cost.end.isoformat(),
        "to_date": rounded(cost.to_date),
        "forecast_month_end": rounded(cost.month_end),
        "groups": [
            {"group": g, **{k: rounded(v) for k, v in row.items()}}
            for g, row in cost.groups().items()
        ],
        "vms": [
            {
                "vm": v.vm,
                "group": v.group,
                "running_hours": round(v.running_hours, 4),
                "present_hours": round(v.present_hours, 4),
                "compute_hourly": v.compute_hourly,
                "compute": rounded(v.compute, 4),
                "disks_and_ip": rounded(v.fixed, 4),
                "to_date": rounded(v.to_date, 4),
                "forecast_running_hours": round(v.forecast_running_hours, 4),
                "month_end": rounded(v.month_end, 4),
                "running_now": v.running_now,
            }
            for v in cost.vms
        ],
        "missing_prices": cost.missing,
        "budget": budget_data(decision),
        "ledger": where,
    }


def _money(value: float | None) -> str:
    return "?" if value is None else f"{value:,.2f}"


def _print_cost(cost: MonthCost, decision: Decision | None, where: str) -> None:
    out = console()
    title = (
        f"{cost.plan}: {cost.month} (UTC) to {cost.now:%a %d %b %H:%M} UTC, in {cost.currency}: "
        f"{ESTIMATE}"
    )
    table = Table(title=title, title_justify="left")
    for column in ("group", "vm", "running h", "compute", "disks+IP", "to date", "month end"):
        table.add_column(column, justify="left" if column in ("group", "vm") else "right")
    for v in cost.vms:
        table.add_row(
            v.group,
            v.vm,
            f"{v.running_hours:.1f}",
            _money(v.compute),
            _money(v.fixed),
            _money(v.to_date),
            _money(v.month_end),
        )
    for group, row in cost.groups().items():
        table.add_row(
            group,
            "(group)",
            f"{row['running_hours'] or 0:.1f}",
            "",
            "",
            _money(row["to_date"]),
            _money(row["month_end"]),
            style="bold",
        )
    table.add_row(
        "total", "", "", "", "", _money(cost.to_date), _money(cost.month_end), style="bold"
    )
    out.print(table)
    for line in cost.missing:
        out.print(f"  no price: {line}", markup=False)
    if decision is not None:
        out.print(budget_line(decision, cost.now), markup=False)
    out.print(f"ledger: {where}", markup=False)


def compute_cost(
    plan: Plan, entries: list[Entry], month: str, now: datetime
) -> tuple[MonthCost, Decision | None]:
    prices = prices_for(plan, strict=True)
    assert prices is not None
    cost = month_cost(plan, prices, entries, month, now)
    if plan.budget is None:
        return cost, None
    decision = decide(plan, plan.budget, cost, flags(entries, month_bounds(month)[0]))
    stopped = (
        {g.name: True for g in plan.groups} if decision.stop else dict.fromkeys(decision.shed, True)
    )
    if stopped:
        cost = month_cost(plan, prices, entries, month, now, stopped_groups=stopped)
    return cost, decision


@app.command("cost")
def cost_command(
    plan_file: Path = PLAN_ARGUMENT,
    month: str | None = typer.Option(None, "--month", help="YYYY-MM (UTC); default this month."),
    at: str | None = typer.Option(None, "--at", help="Count up to this ISO time instead of now."),
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """What the lab has cost this month and will by its end, per VM and group (an estimate).

    Compute is each VM's running hours from the spend ledger times its list price;
    disks and public IPs count for the hours the lab existed; the forecast adds
    what the schedules will run until the month ends.

    Example: azlab cost plans/lynclab.yaml --month 2026-11 --output json
    """
    plan = load(plan_file, require_env=False).plan
    now = parse_at(at)
    chosen = _month(month, now)
    if chosen < month_of(now):
        now = month_bounds(chosen)[1]

    async def work(store: Store, _: object) -> tuple[list[Entry], str]:
        return await store.read(previous_month(chosen)) + await store.read(chosen), store.where

    entries, where = run_async(lambda: _store(plan, subscription, work))
    cost, decision = compute_cost(plan, entries, chosen, now)
    if output is Output.json:
        print_json(cost_data(cost, decision, where))
    else:
        _print_cost(cost, decision, where)


@budget_app.command("release")
def release_command(
    plan_file: Path = PLAN_ARGUMENT,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Lift the budget's stop for the rest of this month; schedules apply again at the next tick.

    Example: azlab budget release plans/lynclab.yaml
    """
    plan = load(plan_file, require_env=False).plan
    if plan.budget is None:
        raise UsageError(f"{plan_file}: the plan has no budget: to release")
    now = datetime.now(timezone.utc)
    entry = Entry(now, "budget", "budget-release")

    async def work(store: Store, _: object) -> str:
        await store.append(month_of(now), [entry])
        return store.where

    where = run_async(lambda: _store(plan, subscription, work))
    if output is Output.json:
        print_json({"plan": plan.name, "released": month_of(now), "ledger": where})
    else:
        console().print(
            f"Budget released for {month_of(now)}; the next tick follows the schedules."
        )


def budget_in_force(plan: Plan, entries: list[Entry], now: datetime) -> Decision | None:
    """The budget's decision now, for commands that must not undo its stop."""
    if plan.budget is None:
        return None
    return compute_cost(plan, entries, month_of(now), now)[1]
