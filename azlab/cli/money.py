"""`azlab cost` and `azlab budget release`: what the lab has cost this month, and its ceiling."""

from __future__ import annotations

from datetime import datetime
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
from azlab.cli.timeline import Column
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
    at: str | None = typer.Option(
        None, "--at", help="Record the release at this ISO time instead of now (rehearsals)."
    ),
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Lift the budget's stop for the rest of this month; schedules apply again at the next tick.

    Example: azlab budget release plans/lynclab.yaml
    """
    plan = load(plan_file, require_env=False).plan
    if plan.budget is None:
        raise UsageError(f"{plan_file}: the plan has no budget: to release")
    now = parse_at(at)
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


def status_money(plan: Plan, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Add `cost_per_hour` to each status row (its power now); totals per group and plan."""
    from azlab.money.views import hourly_now

    prices = prices_for(plan)
    groups: dict[str, float | None] = {}
    for row in rows:
        price = prices.of(row["vm"]) if prices else None
        hourly = hourly_now(price, row["power"]) if row["exists"] else 0.0
        row["cost_per_hour"] = rounded(hourly, 4)
        before = groups.get(row["group"], 0.0)
        groups[row["group"]] = None if before is None or hourly is None else before + hourly
    values = list(groups.values())
    total = None if None in values else sum(v or 0.0 for v in values)
    return {
        "currency": plan.currency if prices else None,
        "estimate": True,
        "groups": {g: rounded(v, 4) for g, v in groups.items()},
        "total_per_hour": rounded(total, 4),
    }


def per_hour(value: float | None, currency: str | None) -> str:
    return "-" if value is None or currency is None else f"{value:,.3f} {currency}/h"


def schedule_money(plan: Plan, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Each `schedule show` row's week in money (on schedule, always-on, saving); totals."""
    from datetime import date

    from azlab.money.views import group_weeks

    prices = prices_for(plan)
    if prices is None:
        return None
    mondays = {r["group"]: date.fromisoformat(r["week"]["starts"]) for r in rows if r.get("week")}
    weeks = {w.group: w for w in group_weeks(plan, prices, mondays)}
    for row in rows:
        w = weeks[row["group"]]
        row["cost"] = {
            "on_schedule": rounded(w.on_schedule),
            "always_on": rounded(w.always_on),
            "saving": rounded(w.saving),
        }
    on = [w.on_schedule for w in weeks.values()]
    always = [w.always_on for w in weeks.values()]
    total_on = None if None in on else sum(v or 0.0 for v in on)
    total_always = None if None in always else sum(v or 0.0 for v in always)
    saving = None if total_on is None or total_always is None else total_always - total_on
    return {
        "currency": plan.currency,
        "estimate": True,
        "week_on_schedule": rounded(total_on),
        "week_always_on": rounded(total_always),
        "week_saving": rounded(saving),
        "missing_prices": prices.missing,
    }


def cost_columns(rows: list[dict[str, Any]], money: dict[str, Any] | None) -> list[Column]:
    """The week's cost on schedule and always-on, beside each group's timeline row."""
    if money is None:
        return []
    cur = money["currency"]
    on = Column(f"week {cur}", {r["group"]: _money(r["cost"]["on_schedule"]) for r in rows})
    always = Column("always-on", {r["group"]: _money(r["cost"]["always_on"]) for r in rows})
    return [on, always]


def print_schedule_money(rows: list[dict[str, Any]], money: dict[str, Any] | None) -> None:
    if money is None:
        return
    out, cur = console(), money["currency"]
    for row in rows:
        c = row["cost"]
        out.print(
            f"group {row['group']}: a week costs {_money(c['on_schedule'])} {cur} on schedule, "
            f"{_money(c['always_on'])} always-on: {_money(c['saving'])} saved"
        )
    out.print(
        f"total: {_money(money['week_on_schedule'])} {cur} a week on schedule against "
        f"{_money(money['week_always_on'])} always-on, {_money(money['week_saving'])} saved "
        f"({ESTIMATE})"
    )


def plan_money(plan: Plan, changes: list[Any]) -> dict[str, Any] | None:
    """The monthly cost before and after `apply`, per priced resource (`changes`: the
    preview's Change objects)."""
    from datetime import date

    from azlab.money.lint import running_shares
    from azlab.money.plan_cost import Resource, price_changes
    from azlab.money.pricing import vm_meter
    from azlab.money.retail import PriceSource, PricesUnavailable, RetailPrices

    source = PriceSource.from_env(plan.currency)
    if source is None:
        return None
    shares = running_shares(plan, date.today())
    meters = {vm.name.lower(): vm_meter(plan, g, vm) for g, vm in plan.all_vms()}
    resources = []
    for c in changes:
        if c.action.value == "not-managed":
            continue
        meter = meters.get(c.name.lower()) if c.kind.value == "vm" else None
        resources.append(
            Resource(
                c.action.value,
                c.kind.value,
                c.name,
                dict(c.observed.props) if c.observed is not None else None,
                dict(c.desired.props) if c.desired is not None else None,
                shares.get(c.name.lower(), 1.0),
                meter.os if meter else None,
                meter.spot if meter else False,
            )
        )
    try:
        priced = price_changes(resources, RetailPrices(source).items)
    except PricesUnavailable:
        return None

    def total(values: list[float | None]) -> float | None:
        return None if None in values else sum(v or 0.0 for v in values)

    before = total([p.before for p in priced if p.before is not None or p.action != "create"])
    after = total([p.after for p in priced if p.after is not None or p.action != "delete"])
    return {
        "currency": plan.currency,
        "estimate": True,
        "month_hours": 730,
        "monthly_before": rounded(before),
        "monthly_after": rounded(after),
        "monthly_change": None if before is None or after is None else rounded(after - before),
        "resources": [
            {
                "kind": p.kind,
                "name": p.name,
                "action": p.action,
                "monthly_before": rounded(p.before),
                "monthly_after": rounded(p.after),
                "monthly_change": rounded(p.change),
            }
            for p in priced
        ],
    }


def print_plan_money(money: dict[str, Any] | None) -> None:
    if money is None:
        return
    out, cur = console(), money["currency"]
    for r in money["resources"]:
        if r["monthly_change"]:
            out.print(
                f"  {r['kind']} {r['name']}: {_money(r['monthly_before'] or 0)} -> "
                f"{_money(r['monthly_after'] or 0)} {cur}/month ({r['monthly_change']:+,.2f})"
            )
    change = money["monthly_change"]
    out.print(
        f"Monthly cost: {_money(money['monthly_before'])} -> {_money(money['monthly_after'])} "
        f"{cur}"
        + ("" if change is None else f" ({change:+,.2f})")
        + f", 730 h at the schedules' pace ({ESTIMATE})"
    )
