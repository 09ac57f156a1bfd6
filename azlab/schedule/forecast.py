"""What a schedule will do: next transitions, and running hours per week against always-on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from azlab.schedule.desired import LOOKBACK
from azlab.schedule.events import Event, events_between
from azlab.schedule.model import Schedule


def next_transitions(schedule: Schedule, now: datetime, days: int = 7) -> list[Event]:
    """Events that change the state, from now on, for `days` days."""
    before = events_between(schedule, now - LOOKBACK, now)
    state = before[-1].kind if before else None
    changes = []
    for event in events_between(schedule, now, now + timedelta(days=days)):
        if event.at == now and before and before[-1] == event:
            continue
        if event.kind != state:
            changes.append(event)
            state = event.kind
    return changes


@dataclass(frozen=True)
class WeekFigures:
    week_start: date  # local Monday
    hours: float  # hours in that local week: 168, or 167/169 across a DST change
    running_hours: float

    @property
    def saved_share(self) -> float:
        return 1 - self.running_hours / self.hours if self.hours else 0.0


def week_figures(schedule: Schedule, monday: date) -> WeekFigures:
    """Running hours in the local week starting `monday`, with the level-triggered state."""
    zone = ZoneInfo(schedule.timezone)
    start = datetime.combine(monday, datetime.min.time()).replace(tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), datetime.min.time()).replace(tzinfo=zone)
    start_utc, end_utc = start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))
    before = events_between(schedule, start_utc - LOOKBACK, start_utc - timedelta(microseconds=1))
    running = bool(before) and before[-1].kind == "start"
    position = start_utc
    seconds = 0.0
    for event in events_between(schedule, start_utc, end_utc):
        if event.at >= end_utc:
            break
        if running:
            seconds += (event.at - position).total_seconds()
        running, position = event.kind == "start", event.at
    if running:
        seconds += (end_utc - position).total_seconds()
    hours = (end_utc - start_utc).total_seconds() / 3600
    return WeekFigures(monday, hours, seconds / 3600)
