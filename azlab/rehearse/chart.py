"""The rehearsed week as a chart: the windows each group was seen running, tick by tick."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from azlab.plan.model import Plan
from azlab.rehearse.week import WeekResult
from azlab.schedule.events import skipped_days
from azlab.schedule.model import from_plan
from azlab.schedule.timeline import GroupRow, WeekChart, Window


def observed_chart(week: WeekResult, plan_name: str, plan: Plan | None) -> WeekChart:
    zone = ZoneInfo(week.zone)
    first = week.start.astimezone(zone).date()
    groups = {g.name: g for g in plan.groups} if plan is not None else {}
    rows = []
    for name, seen in week.groups.items():
        group = groups.get(name)
        skips: list[tuple[date, str]] = []
        schedule = plan.schedule(seen.schedule) if plan is not None and seen.schedule else None
        if schedule is not None:
            skips = skipped_days(from_plan(schedule), first, first + timedelta(days=6))
        rows.append(
            GroupRow(
                name,
                seen.schedule,
                tuple(sorted({vm.tier for vm in group.vms})) if group is not None else (),
                tuple(group.depends_on) if group is not None else (),
                tuple(Window(start, end) for start, end in seen.windows),
                tuple(skips),
            )
        )
    title = f"{plan_name}, running as rehearsed, week of {first:%a %Y-%m-%d} ({week.zone})"
    return WeekChart(title, week.zone, week.start, week.end, tuple(rows))
