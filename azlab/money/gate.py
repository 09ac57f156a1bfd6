"""The money side of a tick: the budget's say on what groups want, and the ledger it writes.

`TickMoney.before` reads this month's ledger and the prices, decides
(`budget.decide`), records new warnings and the stop, and returns the wants
with the budget's overrides; `recorder` writes what the tick saw and did.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime

from azlab.azure.session import AzureSession
from azlab.money.budget import STOP_REASON, Decision, decide, flags
from azlab.money.costs import month_bounds, month_cost
from azlab.money.ledger import Entry, month_of, previous_month
from azlab.money.lookup import prices_for
from azlab.money.pricing import PlanPrices
from azlab.money.record import Recorder
from azlab.plan.model import Plan
from azlab.power_state import PowerState

log = logging.getLogger("azlab.budget")


async def read_month(recorder: Recorder, session: AzureSession | None, month: str) -> list[Entry]:
    """This month's entries after the last month's (which give the state it began in)."""
    store = await recorder.open(session)
    return await store.read(previous_month(month)) + await store.read(month)


class TickMoney:
    def __init__(self, plan: Plan, source: str, prices: PlanPrices | None = None) -> None:
        self.plan = plan
        self.recorder = Recorder(plan, source)
        self.prices = prices
        self.decision: Decision | None = None

    async def before(
        self,
        session: AzureSession,
        wants: Mapping[str, str | None],
        reasons: Mapping[str, str],
        at: datetime,
    ) -> tuple[dict[str, str | None], dict[str, str]]:
        wants, reasons = dict(wants), dict(reasons)
        budget = self.plan.budget
        if budget is None:
            return wants, reasons
        if self.prices is None:
            self.prices = await asyncio.to_thread(prices_for, self.plan)
        if self.prices is None:
            log.warning("budget not enforced: no price list for this target")
            return wants, reasons
        month = month_of(at)
        entries = await read_month(self.recorder, session, month)
        seen = flags(entries, month_bounds(month)[0])
        cost = month_cost(self.plan, self.prices, entries, month, at)
        decision = decide(self.plan, budget, cost, seen)
        self.decision = decision
        cur = self.plan.currency
        new: list[Entry] = []
        for share in decision.warn:
            log.warning(
                "budget: month-end forecast %.2f %s reaches %.0f%% of %.2f %s",
                decision.forecast or 0,
                cur,
                100 * share,
                budget.monthly,
                cur,
            )
            new.append(Entry(at, "budget", "budget-warn", detail=f"{share:.4f}"))
        stopping = set(decision.shed)
        if decision.stop:
            stopping = {g.name for g in self.plan.groups}
            if seen.stopped_at is None:
                log.warning(
                    "budget: %.2f %s spent of %.2f %s: deallocating every group until the "
                    "month turns or `azlab budget release`",
                    decision.spent or 0,
                    cur,
                    budget.monthly,
                    cur,
                )
                new.append(Entry(at, "budget", "budget-stop", detail=f"{decision.spent:.2f}"))
        for group in sorted(stopping):
            wants[group] = PowerState.DEALLOCATED
            reasons[group] = (
                f"{STOP_REASON}: {decision.spent:.2f} of {budget.monthly:.2f} {cur} spent"
                if decision.stop
                else f"{STOP_REASON}: shed, forecast {decision.forecast:.2f} over "
                f"{budget.monthly:.2f} {cur}"
            )
        await self.recorder.write(session, new)
        return wants, reasons


async def budget_stopped(recorder: Recorder, session: AzureSession | None, at: datetime) -> bool:
    """Whether the budget's stop is in force this month (recorded and not released)."""
    if recorder.plan.budget is None or recorder.plan.budget.at_limit == "warn":
        return False
    month = month_of(at)
    seen = flags(await read_month(recorder, session, month), month_bounds(month)[0])
    return seen.stopped_at is not None and not seen.released
