"""Schedules: zones, times, days, start/stop clashes, and schedules that never save money."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from azlab.plan.calendars import problem as calendar_problem
from azlab.plan.context import LintContext
from azlab.plan.context import Rule as LintRule
from azlab.plan.durations import parse_duration
from azlab.plan.model import Rule

TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}


def rule_days(rule: Rule) -> frozenset[int] | None:
    """Weekday numbers (Monday 0) a rule fires on, or None when malformed."""
    if isinstance(rule.days, str):
        return DAY_SETS.get(rule.days.lower())
    days = [d.lower()[:3] for d in rule.days]
    if not days or any(d not in DAY_NAMES for d in days):
        return None
    return frozenset(DAY_NAMES.index(d) for d in days)


def schedule_fields(ctx: LintContext) -> None:
    for si, schedule in enumerate(ctx.plan.schedules):
        try:
            ZoneInfo(schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            ctx.error(
                "AZL050",
                f"schedule {schedule.name!r}: unknown time zone {schedule.timezone!r}; "
                "use an IANA name such as America/Los_Angeles",
                "schedules",
                si,
                "timezone",
            )
        if schedule.enforce != "always":
            try:
                parse_duration(schedule.enforce)
            except ValueError:
                ctx.error(
                    "AZL056",
                    f"schedule {schedule.name!r}: enforce must be 'always' or a duration "
                    "such as 2h",
                    "schedules",
                    si,
                    "enforce",
                )
        for code in schedule.skip.holidays:
            why = calendar_problem(code)
            if why is not None:
                ctx.error(
                    "AZL057",
                    f"schedule {schedule.name!r}: skip holidays {code!r}: {why}",
                    "schedules",
                    si,
                    "skip",
                )
        minutes: dict[tuple[int, str], str] = {}
        for kind in ("start", "stop"):
            for ri, rule in enumerate(getattr(schedule, kind)):
                at = ("schedules", si, kind, ri)
                if not TIME.match(rule.at):
                    ctx.error(
                        "AZL051",
                        f"schedule {schedule.name!r}: {kind} time {rule.at!r} is not HH:MM (24 h)",
                        *at,
                        "at",
                    )
                    continue
                days = rule_days(rule)
                if days is None:
                    ctx.error(
                        "AZL052",
                        f"schedule {schedule.name!r}: days {rule.days!r} must be daily, weekdays, "
                        "weekends or a list of mon..sun",
                        *at,
                        "days",
                    )
                    continue
                for day in days:
                    other = minutes.get((day, rule.at))
                    if other is not None and other != kind:
                        ctx.error(
                            "AZL053",
                            f"schedule {schedule.name!r}: start and stop both at {rule.at} on "
                            f"{DAY_NAMES[day]}",
                            *at,
                            "at",
                        )
                        break
                    minutes[(day, rule.at)] = kind
        if schedule.start and not schedule.stop:
            ctx.warning(
                "AZL055",
                f"schedule {schedule.name!r} starts VMs but never stops them: it saves nothing",
                "schedules",
                si,
                "name",
            )


def dependency_windows(ctx: LintContext) -> None:
    """A group scheduled to run while a group it depends on is scheduled off cannot work."""
    groups = {g.name: g for g in ctx.plan.groups}
    for gi, group in enumerate(ctx.plan.groups):
        mine = _weekly_running(ctx, group.schedule)
        if mine is None:
            continue
        for di, dep_name in enumerate(group.depends_on):
            dep = groups.get(dep_name)
            if dep is None:
                continue
            theirs = _weekly_running(ctx, dep.schedule)
            if theirs is None:
                continue
            clash = mine - theirs
            if clash:
                minute = min(clash)
                ctx.warning(
                    "AZL054",
                    f"group {group.name!r} is scheduled to run while {dep_name!r}, which it "
                    f"depends on, is scheduled stopped (first at {DAY_NAMES[minute // 1440]} "
                    f"{minute % 1440 // 60:02d}:{minute % 60:02d})",
                    "groups",
                    gi,
                    "depends_on",
                    di,
                )


def _weekly_running(ctx: LintContext, name: str | None) -> set[int] | None:
    """Minutes of the week (local time) a schedule keeps its groups running."""
    if name is None:
        return None
    schedule = ctx.plan.schedule(name)
    if schedule is None or not schedule.start or not schedule.stop:
        return None
    events: list[tuple[int, str]] = []
    for kind in ("start", "stop"):
        for rule in getattr(schedule, kind):
            days = rule_days(rule)
            if days is None or not TIME.match(rule.at):
                return None
            hh, mm = (int(x) for x in rule.at.split(":"))
            events += [(d * 1440 + hh * 60 + mm, kind) for d in days]
    events.sort()
    running: set[int] = set()
    # The state at the week's start is that of the week's last event.
    state = events[-1][1]
    position = 0
    for minute, kind in events:
        if state == "start":
            running.update(range(position, minute))
        state, position = kind, minute
    if state == "start":
        running.update(range(position, 7 * 1440))
    return running


RULES: list[LintRule] = [schedule_fields, dependency_windows]
