"""A schedule as plain data, independent of the plan file's models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from azlab.plan import model as plan_model

Kind = Literal["start", "stop"]
DAYS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Rule:
    kind: Kind
    at: time
    days: frozenset[int]  # 0 = Monday


@dataclass(frozen=True)
class Schedule:
    name: str
    timezone: str
    rules: tuple[Rule, ...]
    enforce: timedelta | None = None  # None: always
    skip: frozenset[date] = frozenset()
    holidays: tuple[str, ...] = ()  # calendar codes such as US-CA, see schedule/holidays.py


def parse_days(days: str | list[str]) -> frozenset[int]:
    if isinstance(days, str):
        return DAYS[days.lower()]
    return frozenset(DAY_NAMES.index(d.lower()[:3]) for d in days)


def from_plan(schedule: plan_model.Schedule) -> Schedule:
    """Map a validated plan schedule onto plain data."""
    from azlab.plan.durations import parse_duration

    rules = []
    for kind in ("start", "stop"):
        for rule in getattr(schedule, kind):
            hh, mm = (int(x) for x in rule.at.split(":"))
            rules.append(Rule(kind, time(hh, mm), parse_days(rule.days)))
    enforce = None if schedule.enforce == "always" else parse_duration(schedule.enforce)
    return Schedule(
        schedule.name,
        schedule.timezone,
        tuple(rules),
        enforce,
        frozenset(schedule.skip.dates),
        tuple(schedule.skip.holidays),
    )
