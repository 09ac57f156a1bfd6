"""When a schedule's rules fire, as UTC instants, across time zones and DST.

Rules for local times that do not exist or happen twice:
- spring forward: a time inside the gap fires at the first instant after it
  (02:30 on the day clocks jump from 02:00 to 03:00 fires at 03:00);
- fall back: a time that happens twice fires once, at its first occurrence.
`skip` dates and the holidays of `skip` calendars cancel that local date's start
events only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from azlab.schedule.holidays import holiday_name
from azlab.schedule.model import Kind, Schedule


@dataclass(frozen=True, order=True)
class Event:
    at: datetime  # UTC
    kind: Kind
    local: datetime  # the wall-clock time the rule names


def resolve_local(naive: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant a local wall-clock time fires at, under the rules above."""
    first = naive.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first  # exists (fold=0 is the first of two occurrences)
    # Inside a gap: walk forward from the instant before it to the first instant past it.
    probe = naive.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
    while probe.astimezone(zone).replace(tzinfo=None) < naive:
        probe += timedelta(minutes=1)
    # Land exactly on the transition, which falls on a whole minute in every zone.
    return probe.replace(second=0, microsecond=0)


def skip_reason(schedule: Schedule, day: date) -> str | None:
    """Why a local date starts nothing: 'skip date', a holiday's name, or None."""
    if day in schedule.skip:
        return "skip date"
    return holiday_name(schedule.holidays, day) if schedule.holidays else None


def skipped_days(schedule: Schedule, first: date, last: date) -> list[tuple[date, str]]:
    """Local dates from first to last whose start events are cancelled, with the reason."""
    starts = frozenset().union(*(r.days for r in schedule.rules if r.kind == "start"))
    found = []
    day = first
    while day <= last:
        reason = skip_reason(schedule, day) if day.weekday() in starts else None
        if reason is not None:
            found.append((day, reason))
        day += timedelta(days=1)
    return found


def events_between(schedule: Schedule, start: datetime, end: datetime) -> list[Event]:
    """Every event with start <= at <= end (UTC, aware), in time order."""
    zone = ZoneInfo(schedule.timezone)
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    found: list[Event] = []
    day: date = first_day
    while day <= last_day:
        for rule in schedule.rules:
            if day.weekday() not in rule.days:
                continue
            if rule.kind == "start" and skip_reason(schedule, day) is not None:
                continue
            naive = datetime.combine(day, rule.at)
            at = resolve_local(naive, zone)
            if start <= at <= end:
                found.append(Event(at, rule.kind, naive))
        day += timedelta(days=1)
    return sorted(found)
