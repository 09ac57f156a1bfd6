"""A week as a chart's data: per group, the windows its VMs run in, its tiers and skipped days.

One local week, Monday 00:00 to Monday 00:00 in the chart's time zone (167 or
169 hours across a DST change), cut into hour slots. A window is a stretch of
real time (UTC instants); renderers place it on the slots. The state follows
the schedule level-triggered, as `week_figures` counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from azlab.plan.model import Plan
from azlab.schedule.desired import LOOKBACK
from azlab.schedule.events import events_between, skipped_days
from azlab.schedule.model import Schedule, from_plan

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR


@dataclass(frozen=True)
class GroupRow:
    group: str
    schedule: str | None
    tiers: tuple[int, ...]  # the tiers of its VMs, lowest first (they start in that order)
    after: tuple[str, ...]  # depends_on: groups that start before it
    windows: tuple[Window, ...]
    skips: tuple[tuple[date, str], ...] = ()  # local dates that start nothing, and why

    @property
    def running_hours(self) -> float:
        return sum(w.hours for w in self.windows)

    def tier_label(self) -> str:
        if not self.tiers:
            return ""
        low, high = self.tiers[0], self.tiers[-1]
        return f"tier {low}" if low == high else f"tiers {low}-{high}"


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    local: datetime  # the wall-clock hour it begins at, in the chart's zone


@dataclass(frozen=True)
class WeekChart:
    title: str
    zone: str
    start: datetime  # UTC, local Monday 00:00
    end: datetime
    rows: tuple[GroupRow, ...] = field(default_factory=tuple)

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR

    def slots(self) -> list[Slot]:
        """One per real hour of the week, labelled with the local hour it begins at."""
        zone = ZoneInfo(self.zone)
        count = round(self.hours)
        return [
            Slot(self.start + i * HOUR, (self.start + i * HOUR).astimezone(zone))
            for i in range(count)
        ]

    def days(self) -> list[tuple[date, list[Slot]]]:
        """The slots grouped by local date, Monday first (23 or 25 slots on a DST day)."""
        grouped: dict[date, list[Slot]] = {}
        for slot in self.slots():
            grouped.setdefault(slot.local.date(), []).append(slot)
        return list(grouped.items())


def filled(windows: Sequence[Window], start: datetime, end: datetime) -> float:
    """The share of [start, end) that the windows cover (0 to 1)."""
    covered = sum(
        max(0.0, (min(w.end, end) - max(w.start, start)).total_seconds()) for w in windows
    )
    return covered / (end - start).total_seconds()


def local_week(zone: str, week_of: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 local, as UTC instants."""
    tz = ZoneInfo(zone)
    monday = week_of - timedelta(days=week_of.weekday())
    start = datetime.combine(monday, time(0, 0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def running_windows(schedule: Schedule, start: datetime, end: datetime) -> list[Window]:
    """Where the schedule has its group running within [start, end)."""
    before = events_between(schedule, start - LOOKBACK, start - timedelta(microseconds=1))
    since: datetime | None = start if before and before[-1].kind == "start" else None
    windows: list[Window] = []
    for event in events_between(schedule, start, end):
        if event.at >= end:
            break
        if event.kind == "start" and since is None:
            since = event.at
        elif event.kind == "stop" and since is not None:
            if event.at > since:
                windows.append(Window(since, event.at))
            since = None
    if since is not None and end > since:
        windows.append(Window(since, end))
    return windows


def week_chart(plan: Plan, week_of: date) -> WeekChart:
    """The plan's groups over the local week holding `week_of`, in the first schedule's zone."""
    zone = plan.schedules[0].timezone if plan.schedules else "UTC"
    start, end = local_week(zone, week_of)
    local_start = start.astimezone(ZoneInfo(zone))
    rows = []
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        model = from_plan(schedule) if schedule is not None else None
        windows = running_windows(model, start, end) if model is not None else []
        skips: list[tuple[date, str]] = []
        if model is not None:
            first = local_start.date()
            skips = skipped_days(model, first, first + timedelta(days=6))
        rows.append(
            GroupRow(
                group.name,
                group.schedule,
                tuple(sorted({vm.tier for vm in group.vms})),
                tuple(group.depends_on),
                tuple(windows),
                tuple(skips),
            )
        )
    title = f"{plan.name}, week of {local_start:%a %Y-%m-%d} ({zone})"
    return WeekChart(title, zone, start, end, tuple(rows))
