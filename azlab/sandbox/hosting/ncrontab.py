"""NCRONTAB, the schedule syntax of an Azure Functions timer trigger: six fields with seconds.

`{second} {minute} {hour} {day} {month} {day-of-week}`, each `*`, a value, a
range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; months and days
of the week also by their English three-letter names; day of the week 0-6 from
Sunday (7 is Sunday too). As NCrontab does, a day must match both the day and
the day-of-week field. Times are UTC, as on a Linux consumption plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from azlab.errors import SandboxError

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names for the values from `lowest`)
FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("second", 0, 59, ()),
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day-of-week", 0, 7, DAYS),
)
# A schedule that matches nothing (e.g. 30 February) is given up on after this many years.
HORIZON_YEARS = 8


class BadSchedule(SandboxError):
    pass


def _value(text: str, low: int, names: tuple[str, ...], field: str, expression: str) -> int:
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + low
    if not text.isdigit():
        raise BadSchedule(f"the {field} field of {expression!r} has {text!r}, not a number")
    return int(text)


def _field(text: str, index: int, expression: str) -> frozenset[int]:
    field, low, high, names = FIELDS[index]
    values: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise BadSchedule(f"the {field} field of {expression!r} has a bad step {part!r}")
            step = int(step_text)
        if span == "*":
            first, last = low, high
        elif "-" in span:
            a, _, b = span.partition("-")
            first = _value(a, low, names, field, expression)
            last = _value(b, low, names, field, expression)
        else:
            first = _value(span, low, names, field, expression)
            last = high if step_text else first
        if not low <= first <= last <= high:
            raise BadSchedule(f"the {field} field of {expression!r} is out of {low}-{high}")
        values.update(range(first, last + 1, step))
    if index == 5 and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class Ncrontab:
    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 is Sunday

    @classmethod
    def parse(cls, expression: str) -> Ncrontab:
        parts = expression.split()
        if len(parts) != 6:
            raise BadSchedule(
                f"the schedule {expression!r} has {len(parts)} fields; NCRONTAB takes six "
                "(second minute hour day month day-of-week), e.g. '0 */5 * * * *'"
            )
        fields = [_field(part, i, expression) for i, part in enumerate(parts)]
        return cls(expression, *fields)

    def _day_matches(self, at: datetime) -> bool:
        return (
            at.month in self.months
            and at.day in self.days
            and (at.weekday() + 1) % 7 in self.weekdays
        )

    def next_after(self, epoch: float) -> float | None:
        """The first occurrence strictly after `epoch` (UTC seconds), or None within the horizon."""
        at = datetime.fromtimestamp(int(epoch), timezone.utc) + timedelta(seconds=1)
        limit = at + timedelta(days=366 * HORIZON_YEARS)
        while at < limit:
            if not self._day_matches(at):
                at = (at + timedelta(days=1)).replace(hour=0, minute=0, second=0)
            elif at.hour not in self.hours:
                at = (at + timedelta(hours=1)).replace(minute=0, second=0)
            elif at.minute not in self.minutes:
                at = (at + timedelta(minutes=1)).replace(second=0)
            elif at.second not in self.seconds:
                at += timedelta(seconds=1)
            else:
                return at.timestamp()
        return None

    def between(self, after: float, until: float) -> Iterator[float]:
        """Occurrences in (after, until], in order."""
        at = self.next_after(after)
        while at is not None and at <= until:
            yield at
            at = self.next_after(at)
