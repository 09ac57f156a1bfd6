"""Money lints: a budget the schedules alone would overspend (AZL120), a ledger account the
plan does not hold (AZL121)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from azlab.money.pricing import PlanPrices
from azlab.money.views import monthly_at_pace
from azlab.plan.findings import Finding
from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan
from azlab.schedule.forecast import week_figures
from azlab.schedule.model import from_plan


def running_shares(plan: Plan, today: date) -> dict[str, float]:
    """Lower-cased VM name -> the share of this week its group's schedule runs it."""
    monday = today - timedelta(days=today.weekday())
    shares: dict[str, float] = {}
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        share = 1.0
        if schedule is not None:
            week = week_figures(from_plan(schedule), monday)
            share = week.running_hours / week.hours if week.hours else 0.0
        shares.update({vm.name.lower(): share for vm in group.vms})
    return shares


def schedule_month(loaded: LoadedPlan, prices: PlanPrices, today: date) -> float | None:
    """A 730-hour month at this week's pace of every group's schedule."""
    shares = running_shares(loaded.plan, today)
    total = 0.0
    for group in loaded.plan.groups:
        for vm in group.vms:
            monthly = monthly_at_pace(prices.of(vm.name), shares[vm.name.lower()])
            if monthly is None:
                return None
            total += monthly
    return total


def money_findings(
    loaded: LoadedPlan, prices_of: Callable[[], PlanPrices | None], today: date
) -> list[Finding]:
    plan, path = loaded.plan, str(loaded.path)
    found: list[Finding] = []
    if plan.ledger is not None:
        names = {a.name.lower() for a in plan.storage_accounts}
        if plan.ledger.storage_account.lower() not in names:
            found.append(
                Finding(
                    path, loaded.line_of("ledger", "storage_account"), 1, "warning", "AZL121",
                    f"ledger.storage_account {plan.ledger.storage_account} is not one of the "
                    "plan's storage_accounts: it must exist before the first tick",
                )
            )  # fmt: skip
    if plan.budget is None:
        return found
    prices = prices_of()
    if prices is None:
        return found
    month = schedule_month(loaded, prices, today)
    if month is not None and month > plan.budget.monthly:
        found.append(
            Finding(
                path, loaded.line_of("budget", "monthly"), 1, "warning", "AZL120",
                f"the schedules alone spend about {month:,.2f} {plan.currency} a month (730 h "
                f"at this week's pace, disks and IPs included), over budget.monthly "
                f"{plan.budget.monthly:,.2f}: the budget will stop the lab before the month ends",
            )
        )  # fmt: skip
    return found
