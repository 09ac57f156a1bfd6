"""The rehearsed week in money: its spend ledger, priced with the sandbox's price list."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from azlab.money.costs import span_cost
from azlab.money.ledger import FileStore, month_of
from azlab.money.lookup import prices_for
from azlab.money.record import Recorder
from azlab.money.views import week_cost
from azlab.plan.model import Plan
from azlab.rehearse.week import WeekResult


def week_ledger(plan: Plan, folder: str) -> Recorder:
    """The rehearsal's own ledger: a folder of its own, never the plan's real one."""
    return Recorder(plan, "rehearse", FileStore(folder, plan.name))


async def price_week(
    plan: Plan, result: WeekResult, recorder: Recorder, env: Mapping[str, str]
) -> None:
    prices = await asyncio.to_thread(lambda: prices_for(plan, env=env))
    if prices is None or recorder.store is None:
        return
    months = sorted({month_of(result.start), month_of(result.end)})
    entries = [e for m in months for e in await recorder.store.read(m)]
    costs = span_cost(plan, prices, entries, result.start, result.end)
    result.currency = prices.currency
    for group in plan.groups:
        week = result.groups[group.name]
        week.cost = costs.get(group.name)
        always = [
            week_cost(prices.of(vm.name), week.week_hours, week.week_hours) for vm in group.vms
        ]
        week.always_on_cost = None if None in always else sum(a or 0.0 for a in always)
