"""A month's estimated spend: to date from the ledger, and forecast to month end. Pure.

Month to date is each VM's billed hours times its compute price, plus its
disks and public IP for the hours the lab existed. The forecast adds what the
schedules will run from `now` to the month's end (nothing more while the
budget keeps the lab stopped), plus the fixed costs for those hours. Months
are UTC months, as the ledger's are. Every figure is an estimate from list
prices, not a bill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from azlab.money.forecast import running_seconds
from azlab.money.ledger import Entry
from azlab.money.pricing import PlanPrices
from azlab.money.usage import fold
from azlab.plan.model import Plan
from azlab.schedule.model import Schedule, from_plan


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, number = (int(p) for p in month.split("-"))
    start = datetime(year, number, 1, tzinfo=timezone.utc)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=timezone.utc)
    return start, end


def _money(hours: float, rate: float | None) -> float | None:
    return None if rate is None else hours * rate


def _add(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


@dataclass(frozen=True)
class VmCost:
    vm: str
    group: str
    running_hours: float  # month to date
    present_hours: float
    compute: float | None
    fixed: float | None  # disks and public IP
    forecast_running_hours: float  # from now to the month's end
    forecast_compute: float | None
    forecast_fixed: float | None
    compute_hourly: float | None
    running_now: bool

    @property
    def to_date(self) -> float | None:
        return _add(self.compute, self.fixed)

    @property
    def month_end(self) -> float | None:
        return _add(self.compute, self.fixed, self.forecast_compute, self.forecast_fixed)


@dataclass(frozen=True)
class MonthCost:
    plan: str
    month: str
    currency: str
    start: datetime
    now: datetime  # month to date ends here
    end: datetime
    vms: list[VmCost]
    missing: list[str] = field(default_factory=list)
    stopped_by_budget: bool = False

    @property
    def to_date(self) -> float | None:
        return _add(*(v.to_date for v in self.vms))

    @property
    def month_end(self) -> float | None:
        return _add(*(v.month_end for v in self.vms))

    def groups(self) -> dict[str, dict[str, float | None]]:
        out: dict[str, dict[str, float | None]] = {}
        for v in self.vms:
            row = out.setdefault(v.group, {"to_date": 0.0, "month_end": 0.0, "running_hours": 0.0})
            row["to_date"] = _add(row["to_date"], v.to_date)
            row["month_end"] = _add(row["month_end"], v.month_end)
            row["running_hours"] = _add(row["running_hours"], v.running_hours)
        return out


def schedules_of(plan: Plan) -> dict[str, Schedule | None]:
    """Group name -> its schedule, evaluated form."""
    found: dict[str, Schedule | None] = {}
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        found[group.name] = from_plan(schedule) if schedule else None
    return found


def month_cost(
    plan: Plan,
    prices: PlanPrices,
    entries: Iterable[Entry],
    month: str,
    now: datetime,
    *,
    stopped_groups: Mapping[str, bool] | None = None,
) -> MonthCost:
    """`entries`: this month's and, for the state it began in, the last month's.
    `stopped_groups`: groups the budget keeps stopped (no compute forecast)."""
    start, end = month_bounds(month)
    upto = min(max(now, start), end)
    listed = list(entries)
    usage = fold(listed, [vm.name for _, vm in plan.all_vms()], start, upto)
    schedules = schedules_of(plan)
    stopped = stopped_groups or {}
    rows: list[VmCost] = []
    for group, vm in plan.all_vms():
        price = prices.of(vm.name)
        used = usage[vm.name.lower()]
        hourly = price.compute_hourly if price else None
        fixed = price.fixed_hourly if price else None
        ahead = 0.0
        if not stopped.get(group.name):
            ahead = running_seconds(schedules[group.name], upto, end, used.billed_now) / 3600
        rest = (end - upto).total_seconds() / 3600 if used.present_now else 0.0
        rows.append(
            VmCost(
                vm.name,
                group.name,
                used.billed_hours,
                used.present_hours,
                _money(used.billed_hours, hourly),
                _money(used.present_hours, fixed),
                ahead if used.present_now else 0.0,
                _money(ahead if used.present_now else 0.0, hourly),
                _money(rest, fixed),
                hourly,
                used.billed_now,
            )
        )
    return MonthCost(
        plan.name,
        month,
        prices.currency,
        start,
        upto,
        end,
        rows,
        list(prices.missing),
        any(stopped.values()),
    )


def span_cost(
    plan: Plan, prices: PlanPrices, entries: Iterable[Entry], start: datetime, end: datetime
) -> dict[str, float | None]:
    """Group -> what it cost in [start, end): billed hours x compute, present hours x fixed."""
    usage = fold(entries, [vm.name for _, vm in plan.all_vms()], start, end)
    out: dict[str, float | None] = {}
    for group, vm in plan.all_vms():
        price = prices.of(vm.name)
        used = usage[vm.name.lower()]
        cost = None
        if (
            price is not None
            and price.compute_hourly is not None
            and price.fixed_hourly is not None
        ):
            cost = (
                used.billed_hours * price.compute_hourly + used.present_hours * price.fixed_hourly
            )
        out[group.name] = _add(out.get(group.name, 0.0), cost)
    return out
