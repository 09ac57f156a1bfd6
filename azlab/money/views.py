"""Money figures the views show: cost per hour now, a week on schedule against always-on,
a month at the schedule's pace. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from azlab.money.meters import HOURS_PER_MONTH
from azlab.money.pricing import PlanPrices, VmPrice
from azlab.money.usage import BILLED
from azlab.plan.model import Plan
from azlab.schedule.forecast import week_figures
from azlab.schedule.model import from_plan


def rounded(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def hourly_now(price: VmPrice | None, power: str | None) -> float | None:
    """What the VM costs per hour in its current power state (disks and IP always)."""
    if price is None or price.fixed_hourly is None:
        return None
    if power in BILLED:
        return None if price.compute_hourly is None else price.compute_hourly + price.fixed_hourly
    return price.fixed_hourly


@dataclass(frozen=True)
class GroupWeek:
    group: str
    week_hours: float
    running_hours: float  # per VM, as the schedule runs it
    on_schedule: float | None
    always_on: float | None

    @property
    def saving(self) -> float | None:
        if self.on_schedule is None or self.always_on is None:
            return None
        return self.always_on - self.on_schedule


def _sum(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def week_cost(price: VmPrice | None, running_hours: float, week_hours: float) -> float | None:
    if price is None or price.compute_hourly is None or price.fixed_hourly is None:
        return None
    return running_hours * price.compute_hourly + week_hours * price.fixed_hourly


def group_weeks(plan: Plan, prices: PlanPrices, monday_of: Mapping[str, date]) -> list[GroupWeek]:
    """Each group's week starting on its schedule's local Monday (`monday_of[group]`)."""
    weeks = []
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        hours = 168.0
        running = hours
        if schedule is not None and group.name in monday_of:
            figures = week_figures(from_plan(schedule), monday_of[group.name])
            hours, running = figures.hours, figures.running_hours
        on = _sum([week_cost(prices.of(vm.name), running, hours) for vm in group.vms])
        always = _sum([week_cost(prices.of(vm.name), hours, hours) for vm in group.vms])
        weeks.append(GroupWeek(group.name, hours, running, on, always))
    return weeks


def monthly_at_pace(price: VmPrice | None, running_share: float) -> float | None:
    """A 730-hour month of this VM, running `running_share` of the time."""
    if price is None or price.compute_hourly is None or price.fixed_hourly is None:
        return None
    return HOURS_PER_MONTH * (running_share * price.compute_hourly + price.fixed_hourly)
