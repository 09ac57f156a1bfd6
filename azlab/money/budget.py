"""The budget's decision at a tick: warn, stop everything, or shed low-priority groups. Pure.

- Warnings fire once a month per threshold, when the month-end forecast reaches it.
- `at_limit: stop`: once the month's spend reaches `monthly`, every group is
  deallocated and kept so until the month turns or `azlab budget release`.
- `at_limit: shed`: also, while the forecast exceeds `monthly`, groups stop
  from the lowest `priority:` up until what is left fits (a group stops
  together with every group that depends on it).
- `at_limit: warn`: warnings only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from azlab.money.costs import MonthCost
from azlab.money.ledger import Entry
from azlab.plan.model import Budget, Plan

STOP_REASON = "budget"


@dataclass(frozen=True)
class Flags:
    """What this month's ledger already says about the budget."""

    warned: frozenset[float] = frozenset()
    stopped_at: datetime | None = None
    released_at: datetime | None = None

    @property
    def released(self) -> bool:
        return self.released_at is not None and (
            self.stopped_at is None or self.released_at >= self.stopped_at
        )


def flags(entries: Iterable[Entry], month_start: datetime) -> Flags:
    warned: set[float] = set()
    stopped = released = None
    for e in entries:
        if e.at < month_start:
            continue
        if e.kind == "budget-warn" and e.detail:
            try:
                warned.add(round(float(e.detail), 4))
            except ValueError:
                continue
        elif e.kind == "budget-stop" and stopped is None:
            stopped = e.at
        elif e.kind == "budget-release":
            released = e.at
    return Flags(frozenset(warned), stopped, released)


@dataclass(frozen=True)
class Decision:
    monthly: float
    spent: float | None
    forecast: float | None
    stop: bool = False  # every group, for the rest of the month
    shed: tuple[str, ...] = ()  # groups stopped to bring the forecast under the budget
    warn: tuple[float, ...] = ()  # thresholds crossed for the first time this month
    crossed: tuple[float, ...] = ()  # every threshold the forecast is at or over
    released: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def stopped_groups(self) -> set[str]:
        return set(self.shed)


def _shed(plan: Plan, budget: Budget, cost: MonthCost) -> tuple[str, ...]:
    month_end = cost.month_end
    if month_end is None or month_end <= budget.monthly:
        return ()
    ahead: dict[str, float] = {}
    for v in cost.vms:
        ahead[v.group] = ahead.get(v.group, 0.0) + (v.forecast_compute or 0.0)
    dependents: dict[str, set[str]] = {g.name: set() for g in plan.groups}
    for g in plan.groups:
        for d in g.depends_on:
            dependents.setdefault(d, set()).add(g.name)
    shed: list[str] = []
    over = month_end - budget.monthly
    for group in sorted(plan.groups, key=lambda g: (g.priority, g.name)):
        if over <= 0:
            break
        todo = [group.name]
        while todo:  # a group stops with everything that needs it
            name = todo.pop()
            if name in shed:
                continue
            shed.append(name)
            over -= ahead.get(name, 0.0)
            todo += sorted(dependents.get(name, ()))
    return tuple(shed)


def decide(plan: Plan, budget: Budget, cost: MonthCost, seen: Flags) -> Decision:
    spent, forecast = cost.to_date, cost.month_end
    if spent is None or forecast is None:
        return Decision(
            budget.monthly,
            spent,
            forecast,
            notes=["prices are missing for some meters: the budget is not enforced"],
        )
    crossed = tuple(t for t in sorted(budget.warn_at) if forecast >= t * budget.monthly)
    warn = tuple(t for t in crossed if round(t, 4) not in seen.warned)
    if seen.released or budget.at_limit == "warn":
        return Decision(
            budget.monthly, spent, forecast, warn=warn, crossed=crossed, released=seen.released
        )
    stop = spent >= budget.monthly or seen.stopped_at is not None
    shed = _shed(plan, budget, cost) if budget.at_limit == "shed" and not stop else ()
    return Decision(budget.monthly, spent, forecast, stop, shed, warn, crossed)
